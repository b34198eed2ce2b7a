"""Shared fixtures: where the real decoder captures live (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.resources import need

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CAPTURES = PROJECT_ROOT.parent / "shared" / "captures"


@pytest.fixture(scope="session")
def captures() -> Path:
    """The third-party capture folder beside the checkout (``../shared/captures``, not in a clone)."""
    need(CAPTURES.is_dir(), f"the real decoder captures are not beside this checkout ({CAPTURES.name} folder missing)")
    return CAPTURES
