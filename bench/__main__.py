"""Run every benchmark module in ``bench/`` (or those named on the command line)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path

from laptiming.gcpolicy import use_live_thresholds


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    modules = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    chosen = [m for m in modules if not names or any(n in m for n in names)]
    if not chosen:
        print("no benchmarks yet" if not modules else f"no benchmark matches {names}; have {modules}")
        return 0 if not modules else 2
    use_live_thresholds()  # each case is measured as the `laptiming` command runs it: same collector policy
    for name in chosen:
        print(f"== {name}")
        os.sync()  # what earlier cases wrote goes to disk now, not during this case's timings
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
