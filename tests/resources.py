"""Tests that need something a user's clone may lack: skip with a reason, or fail in CI.

A user who clones the project has no ``../shared/captures`` beside it and may have no Chromium
or pdftotext; those tests skip and say why. ``.ci/run`` sets ``LAPTIMING_REQUIRE_ALL=1`` so that
every such skip becomes a failure there: CI always runs every test.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_ALL_VARIABLE = "LAPTIMING_REQUIRE_ALL"


def require_all() -> bool:
    """Whether a missing resource must fail the test instead of skipping it (set in CI)."""
    return os.environ.get(REQUIRE_ALL_VARIABLE, "") not in ("", "0")


def need(available: bool, reason: str) -> None:
    """Skip the calling test with ``reason`` unless the resource is available; fail instead in CI."""
    if available:
        return
    if require_all():
        pytest.fail(f"{reason} ({REQUIRE_ALL_VARIABLE} is set, so a missing resource is a failure)", pytrace=False)
    pytest.skip(reason)
