"""Fixtures of the dashboard tests: a real ``cml serve`` and a real Chromium driven by Playwright.

Chromium is Debian's ``chromium`` package (never a browser downloaded by Playwright). Without
it the browser tests skip, unless ``CML_REQUIRE_CHROMIUM=1`` (CI), where they fail instead.
Every page is watched: a request to any other origin than the server's, an uncaught script
error or a Content-Security-Policy violation fails the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .browser import Dashboard, running_server, watched_page

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CML_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{reason} (CML_REQUIRE_CHROMIUM=1)")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """A headless Chromium for the browser tests (Debian's package, driven by Playwright)."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        _unavailable("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, launcher: Any) -> Iterator[Any]:
    """One server for the browser tests (starting one is the slow part; tests write their own
    memories, so they do not depend on each other)."""
    with running_server(tmp_path_factory, launcher) as running:
        yield running


@pytest.fixture
def dashboard(chromium: Any, server: Any) -> Iterator[Dashboard]:
    """A fresh browser context on the server's dashboard, watched for foreign requests."""
    origin = f"http://127.0.0.1:{server.port}"
    with watched_page(chromium, origin) as page:
        yield Dashboard(page, origin, server)
