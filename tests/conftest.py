"""Shared fixtures: where the real decoder captures live (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CAPTURES = PROJECT_ROOT.parent / "shared" / "captures"


@pytest.fixture(scope="session")
def captures() -> Path:
    """The third-party capture folder beside the checkout; a missing folder is a failure."""
    assert CAPTURES.is_dir(), f"real decoder captures expected at {CAPTURES}"
    return CAPTURES
