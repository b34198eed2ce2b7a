"""Running the real ``laptiming`` command in a subprocess, as a user would."""

from __future__ import annotations

import csv
import io
import subprocess
import sys


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m laptiming ARGS``; never raises on a non-zero exit (tests check it)."""
    return subprocess.run(
        [sys.executable, "-m", "laptiming", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of CSV text."""
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows
