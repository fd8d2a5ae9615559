"""The dashboard's files as served: security headers, and nothing that could reach elsewhere."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cml.server.app import create_app
from cml.server.settings import ServerSettings
from cml.server.ui import CONTENT_SECURITY_POLICY

STATIC = Path(__file__).parents[2] / "src" / "cml" / "server" / "ui" / "static"
FILES = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file())
# The SVG namespace is a name, not an address anything is fetched from.
_ADDRESS = re.compile(r"(?:https?:)?//(?!www\.w3\.org/2000/svg)[a-z0-9.-]+\.[a-z]{2,}", re.I)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ServerSettings(data_dir=tmp_path, embedding_provider="hash"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def test_the_package_ships_the_shell_scripts_and_stylesheet() -> None:
    assert "index.html" in FILES
    assert "app.css" in FILES
    assert "js/app.js" in FILES


async def test_ui_redirects_to_the_shell_with_the_policy(client: httpx.AsyncClient) -> None:
    moved = await client.get("/ui")
    assert moved.status_code in (307, 308)
    assert moved.headers["location"].endswith("/ui/")
    shell = await client.get("/ui/")
    assert shell.status_code == 200
    assert shell.headers["content-type"].startswith("text/html")
    policy = shell.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe" not in policy
    assert shell.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("name", FILES)
async def test_every_file_is_served_with_the_policy(client: httpx.AsyncClient, name: str) -> None:
    answer = await client.get(f"/ui/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    if name.endswith(".js"):
        assert "javascript" in answer.headers["content-type"]


@pytest.mark.parametrize("name", FILES)
def test_no_file_names_another_origin_or_writes_markup(name: str) -> None:
    text = (STATIC / name).read_text(encoding="utf-8")
    assert _ADDRESS.findall(text) == [], "assets must come from the server itself"
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in text, f"{name} uses {sink}: data must be inserted as text"


def test_the_shell_has_no_inline_script_or_style() -> None:
    shell = (STATIC / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>", shell)
    assert scripts
    assert all('src="' in tag for tag in scripts)
    assert re.search(r"\sstyle=", shell) is None
    assert re.search(r"\son[a-z]+=", shell) is None


async def test_an_unknown_file_is_a_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ui/nothing-here.js")).status_code == 404
