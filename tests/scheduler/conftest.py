"""Fixtures for the scheduler tests: a small plan and entries written to real files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from schedule_helpers import SMALL_PLAN, write_entries

from scheduler.model import ENTRY_COLUMNS


@pytest.fixture
def event_files(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    """Write (entries.csv, plan.toml) into tmp_path from rows and optional plan text."""

    def make(rows: Sequence[Sequence[str]], plan: str = SMALL_PLAN,
             header: Sequence[str] = ENTRY_COLUMNS) -> tuple[Path, Path]:
        entries = write_entries(tmp_path / "entries.csv", rows, header)
        plan_path = tmp_path / "plan.toml"
        plan_path.write_text(plan, encoding="utf-8")
        return entries, plan_path

    return make
