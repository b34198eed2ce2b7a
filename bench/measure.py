"""What every bulk benchmark prints: a figure beside its target, a same-run baseline ratio, peak memory.

Each case runs in a fresh interpreter (``spawn``), so its peak RSS is its own and not the sum of
everything measured before it in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from laptiming.gcpolicy import use_live_thresholds


@dataclass(frozen=True, slots=True)
class Measured:
    """One case's result: what it returns, and the peak resident memory of the process that ran it."""

    value: Any
    peak_rss_mb: float


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    Linux's ``VmHWM`` belongs to the process's own memory since its ``exec``; ``ru_maxrss`` does not:
    it keeps the high-water mark of the parent it was forked from (a spawned case run after a big
    one in the same ``python -m bench`` reported the parent's 684 MB instead of its own 81 MB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, where /proc is there anyway


def _run(target: Callable[..., Any], args: tuple[Any, ...], results: Any) -> None:
    use_live_thresholds()  # a spawned interpreter starts with the defaults: run the case as `laptiming` would
    value = target(*args)
    results.put((value, peak_rss_mb()))


def isolated(target: Callable[..., Any], *args: Any) -> Measured:
    """Run ``target(*args)`` in a fresh process; its return value (picklable) and its peak RSS in MB."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_run, args=(target, args, results))
    process.start()
    while True:
        try:
            value, peak = results.get(timeout=1)
            break
        except queue.Empty:
            if not process.is_alive():
                raise RuntimeError(f"{target.__name__} failed in its process (exit {process.exitcode})") from None
    process.join()
    return Measured(value, peak)


def verdict(ok: bool) -> str:
    """The word a benchmark line ends its target with."""
    return "ok" if ok else "MISSES"


def load() -> str:
    """The machine's load average now, to print beside the figures (other work skews them)."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def stolen_s() -> float | None:
    """CPU seconds the hypervisor has given to others so far, summed over this VM's CPUs (None off Linux).

    Read before and after a timing: a virtual CPU that is not running stalls whatever was on it,
    so a latency tail with seconds stolen meanwhile says the machine, not the code, was slow.
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None
