"""The API docs work offline: Swagger UI and ReDoc render from assets the package serves.

The browser test drives Debian's Chromium through Playwright against a real ``cml serve`` and
aborts (and records) every request to another origin. Without Chromium it skips, unless
``CML_REQUIRE_CHROMIUM=1``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from cml.server.docs import DOCS_PATH, REDOC_PATH

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def test_root_and_docs_redirect_to_the_docs(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for path in ("/", "/docs"):
            answer = await client.get(path)
            assert answer.status_code == 307
            assert answer.headers["location"] == DOCS_PATH
        for page in (DOCS_PATH, REDOC_PATH):
            html = (await client.get(page)).text
            assert "https://" not in html.replace("https://github.com", "")
        asset = await client.get("/api/v1/docs-assets/swagger-ui-bundle.js")
        assert asset.status_code == 200
        assert "javascript" in asset.headers["content-type"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    reason = ""
    if not os.path.exists(executable):
        reason = "chromium is not installed (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason:
        if os.environ.get("CML_REQUIRE_CHROMIUM") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, launcher: Any) -> Iterator[Any]:
    data_dir: Path = tmp_path_factory.mktemp("docs") / "data"
    with launcher.serve(launcher.env(data_dir), data_dir) as server:
        yield server


def _open(chromium: Any, origin: str, path: str) -> tuple[Any, Any, list[str], list[str]]:
    context = chromium.new_context()
    page = context.new_page()
    foreign: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        parts = urlsplit(request_route.request.url)
        if parts.scheme == "data" or f"{parts.scheme}://{parts.netloc}" == origin:
            request_route.continue_()
        else:
            foreign.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A request the page's Content-Security-Policy stops never leaves the browser.
    page.on(
        "requestfailed",
        lambda request: (
            None
            if request.failure in ("csp", "net::ERR_BLOCKED_BY_CSP")
            else errors.append(f"failed: {request.url} ({request.failure})")
        ),
    )
    page.goto(f"{origin}{path}", wait_until="networkidle")
    return context, page, foreign, errors


def test_swagger_ui_renders_every_operation_offline(chromium: Any, served: Any) -> None:
    origin = f"http://127.0.0.1:{served.port}"
    context, page, foreign, errors = _open(chromium, origin, "/")  # redirected to the docs
    try:
        assert urlsplit(page.url).path == DOCS_PATH
        page.wait_for_selector(".opblock", timeout=20_000)
        operations = len(httpx.get(f"{served.url}/openapi.json").json()["paths"])
        assert page.locator(".opblock-tag-section").count() >= 1
        paths = set(page.locator(".opblock-summary-path").all_inner_texts())
        assert "/api/v1/memory/write" in {p.replace("\u200b", "") for p in paths}
        assert len(paths) == operations
        assert page.locator(".info .title").first.inner_text().startswith("py-cml")
    finally:
        context.close()
    assert foreign == []
    assert errors == []


def test_redoc_renders_offline(chromium: Any, served: Any) -> None:
    origin = f"http://127.0.0.1:{served.port}"
    context, page, foreign, errors = _open(chromium, origin, REDOC_PATH)
    try:
        page.wait_for_selector("h1", timeout=20_000)
        assert page.locator("h1").first.inner_text().startswith("py-cml")
        page.wait_for_selector("[role=menuitem]", timeout=20_000)
        assert page.get_by_text("/memory/write").count() >= 1
    finally:
        context.close()
    assert foreign == []
    assert errors == []
