"""The README's phone screenshot: the sample day's first session timed live on the simulator, seen in Chromium.

    python -m tests.web.screenshot docs/images/phone.png
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from laptiming.app.demo import build_event, next_demo_session, simulate_session
from laptiming.web.server import WebServer
from tests.web.browser import phone_page

SPEED = 20  # the simulator's pace: a few laps each within seconds, the session still running
LAPS_SHOWN = 4  # the leader's laps when the picture is taken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    out = parser.parse_args().out
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "day.db"
        build_event(db_path)
        record = next_demo_session(db_path)
        assert record is not None
        recorder = subprocess.Popen([sys.executable, "-m", "laptiming", "record",
                                     simulate_session(db_path, record, SPEED), "--db", str(db_path),
                                     "--session", record.name], stdout=subprocess.DEVNULL)
        server = WebServer(db_path, "127.0.0.1", 0).start()
        try:
            with phone_page(scale=2) as page:
                page.goto(server.url)
                page.wait_for_function(f"() => [...document.querySelectorAll('#standings tbody tr td:nth-child(4)')]"
                                       f".some(td => Number(td.textContent) >= {LAPS_SHOWN})", timeout=120_000)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
        finally:
            server.stop()
            recorder.terminate()
            recorder.wait(60)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
