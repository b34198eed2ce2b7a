"""Shared fixtures and test-run rules: where the real decoder captures live, and tests that run alone."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.resources import need

# Property tests assert results, never speed (speed targets live in bench/): an example that a busy machine
# slowed past Hypothesis' 200 ms deadline is not a failure (one did under `make test` beside other work).
settings.register_profile("laptiming", deadline=None)
settings.load_profile("laptiming")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CAPTURES = PROJECT_ROOT.parent / "shared" / "captures"


@pytest.fixture(scope="session")
def captures() -> Path:
    """The third-party capture folder beside the checkout (``../shared/captures``, not in a clone)."""
    need(CAPTURES.is_dir(), f"the real decoder captures are not beside this checkout ({CAPTURES.name} folder missing)")
    return CAPTURES


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "solo: the test needs the machine to itself (a wall-clock budget, or a device path the kernel could hand "
        "to another test, as a closed pty's number); under pytest-xdist no other test runs beside it",
    )


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Under pytest-xdist, a ``solo`` test holds a lock every other test of the run shares, so it runs alone.

    Outermost (``tryfirst``), so waiting for the lock does not count against pytest-timeout.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process runs one test at a time
        yield
        return
    # Each worker's basetemp is <the run's temporary folder>/<worker name>: the folder is the run's own.
    run_folder = Path(item.config.option.basetemp).parent
    run_folder.mkdir(parents=True, exist_ok=True)
    with open(run_folder / "solo.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if item.get_closest_marker("solo") else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
