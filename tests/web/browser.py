"""A phone-sized page in the OS's own Chromium, driven headless by Playwright (no browser downloads).

Skips with the reason when Chromium or Playwright is missing; fails instead under ``LAPTIMING_REQUIRE_ALL``.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tests.resources import need

if TYPE_CHECKING:
    from playwright.sync_api import Page

PHONE = {"width": 390, "height": 844}  # a common phone's CSS pixels
BOARD = {"width": 1920, "height": 1080}  # a big screen showing the page as a scoreboard
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--no-proxy-server"]


def chromium() -> str | None:
    """The OS package's Chromium on the PATH (Debian: ``chromium``), if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def phone_page(scale: float = 1, viewport: dict[str, int] = PHONE) -> Iterator[Page]:
    """A fresh page in headless Chromium with a phone's viewport and touch (or a big screen's, ``BOARD``)."""
    executable = chromium()
    need(executable is not None, "Chromium is not installed (Debian: apt-get install chromium)")
    need(importlib.util.find_spec("playwright") is not None, "Playwright is not installed (pip install -e '.[dev]')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            phone = viewport == PHONE
            context = browser.new_context(viewport=viewport, device_scale_factor=scale, is_mobile=phone, has_touch=phone)
            yield context.new_page()
        finally:
            browser.close()
