"""MCP over streamable HTTP, driven by the ``mcp`` package's own HTTP client.

``/mcp`` on a real ``cml serve`` (API keys, tenants) and ``cml mcp --http`` on an embedded store.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import httpx2
import pytest
from mcp import ClientSession, MCPError
from mcp.client.streamable_http import streamable_http_client

import cml
from cml.integrations import MEMORY_TOOLS

from .test_examples import _env, _run

if TYPE_CHECKING:
    from conftest import ServerLauncher

API_KEY = "cml_mcp_http_user_key_0123456789"
ADMIN_KEY = "cml_mcp_http_admin_key_0123456789"


@asynccontextmanager
async def _session(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def _text(result: object) -> dict[str, object]:
    payload: dict[str, object] = json.loads(result.content[0].text)  # type: ignore[attr-defined]
    return payload


@pytest.fixture(scope="module")
def server(
    launcher: ServerLauncher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    """A real ``cml serve`` with keys: its /mcp URL, a key of tenant ``other``, a read-only key."""
    data_dir = tmp_path_factory.mktemp("mcp-http")
    env = launcher.env(data_dir, CML_API_KEY=API_KEY, CML_ADMIN_API_KEY=ADMIN_KEY)
    with launcher.serve(env, data_dir) as running:
        with cml.CognitiveMemoryLayer(admin_api_key=ADMIN_KEY, base_url=running.url) as admin:
            other = admin.create_api_key(name="other", tenant_id="other", scopes=["read", "write"])
            reader = admin.create_api_key(name="reader", tenant_id="default", scopes=["read"])
        yield f"http://127.0.0.1:{running.port}/mcp", other.key, reader.key


@pytest.mark.slow  # starts a real `cml serve`
async def test_serve_offers_the_tools_behind_its_api_keys(server: tuple[str, str, str]) -> None:
    url, other_key, _ = server
    async with _session(url, {"X-API-Key": API_KEY}) as session:
        listed = await session.list_tools()
        assert [t.name for t in listed.tools] == [t["function"]["name"] for t in MEMORY_TOOLS]
        stored = await session.call_tool("remember", {"content": "The office wifi is 'orchard'"})
        assert not stored.is_error
        found = await session.call_tool("recall", {"query": "office wifi"})
        assert [m["text"] for m in found.structured_content["memories"]] == [
            "The office wifi is 'orchard'"
        ]

    # Another tenant's key, as a bearer token, sees none of it; its writes stay its own.
    async with _session(url, {"Authorization": f"Bearer {other_key}"}) as session:
        found = await session.call_tool("recall", {"query": "office wifi"})
        assert found.structured_content["memories"] == []
        await session.call_tool("remember", {"content": "The other office wifi is 'quince'"})

    # The server's REST API sees each memory in its own tenant.
    with cml.CognitiveMemoryLayer(api_key=API_KEY, base_url=url.replace("/mcp", "/api/v1")) as c:
        assert [m.text for m in c.read("wifi").memories] == ["The office wifi is 'orchard'"]


@pytest.mark.slow  # starts a real `cml serve`
async def test_a_read_only_key_recalls_but_cannot_remember(server: tuple[str, str, str]) -> None:
    url, _, reader_key = server
    async with _session(url, {"X-API-Key": reader_key}) as session:
        refused = await session.call_tool("remember", {"content": "Readers cannot write"})
        found = await session.call_tool("recall", {"query": "Readers cannot write"})

    assert refused.is_error
    assert "write" in _text(refused)["error"]  # type: ignore[operator]
    assert "service failed" not in _text(refused)["error"]  # type: ignore[operator]
    assert not found.is_error
    assert "Readers cannot write" not in json.dumps(found.structured_content)


@pytest.mark.slow  # starts a real `cml serve`
async def test_serve_refuses_a_request_without_a_valid_key(server: tuple[str, str, str]) -> None:
    url, other_key, _ = server
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(timeout=30) as http:
        missing = await http.post(url, json=hello, headers=accept)
        wrong = await http.post(url, json=hello, headers={**accept, "X-API-Key": "cml_nope_0000"})
        # A key may not act on a tenant it does not belong to.
        foreign = await http.post(
            url, json=hello, headers={**accept, "X-API-Key": other_key, "X-Tenant-ID": "default"}
        )
        allowed = await http.post(url, json=hello, headers={**accept, "X-API-Key": API_KEY})

    assert (missing.status_code, wrong.status_code, foreign.status_code) == (401, 401, 403)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "API key" in missing.json()["error"]["message"]
    assert allowed.status_code == 200
    assert allowed.json()["result"]["serverInfo"]["name"] == "py-cml"

    # The mcp client fails at initialize instead of hanging.
    with pytest.raises(ExceptionGroup) as refused:
        async with _session(url):
            pass
    assert refused.group_contains(MCPError, match="error response")


@contextmanager
def _mcp_http(env: dict[str, str], log_path: Path, port: int, *args: str) -> Iterator[str]:
    """Run ``cml mcp --http ARGS`` on ``port`` until the block ends; yields its URL."""
    command = [sys.executable, "-m", "cml", "mcp", "--http", "--port", str(port), *args]
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "cml mcp --http did not start in 60 s"
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def standalone(
    launcher: ServerLauncher, tmp_path: Path, closed_port: int
) -> Iterator[tuple[str, Path]]:
    """A real ``cml mcp --http`` on an embedded store; yields its URL and database file."""
    db = tmp_path / "standalone.db"
    log = tmp_path / "mcp-http.log"
    with _mcp_http(launcher.env(tmp_path), log, closed_port, "--db", str(db)) as url:
        yield url, db


@pytest.mark.slow  # starts a real `cml mcp --http`
async def test_mcp_http_command_serves_an_embedded_store(standalone: tuple[str, Path]) -> None:
    url, db = standalone
    async with _session(url) as session:
        stored = await session.call_tool("remember", {"content": "Standalone MCP works"})
        assert _text(stored)["stored"] is True
        found = await session.call_tool("recall", {"query": "standalone"})
        assert [m["text"] for m in found.structured_content["memories"]] == ["Standalone MCP works"]

    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        assert [m.text for m in memory.read("standalone").memories] == ["Standalone MCP works"]


@pytest.mark.slow  # starts a real `cml mcp --http`
async def test_mcp_http_on_loopback_refuses_other_hosts_and_origins(
    standalone: tuple[str, Path],
) -> None:
    url, _ = standalone
    port = url.split(":")[2].split("/")[0]
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    accept = {"Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(timeout=30) as http:
        rebound = await http.post(url, json=ping, headers={**accept, "Host": f"evil.test:{port}"})
        page = await http.post(url, json=ping, headers={**accept, "Origin": "http://evil.test"})
        local = await http.post(url, json=ping, headers=accept)

    # A page reaching the port by DNS rebinding, or calling it from another origin, is refused.
    assert (rebound.status_code, page.status_code) == (421, 403)
    assert local.status_code == 200


@pytest.mark.slow  # starts a real `cml serve`
def test_the_http_client_example_runs_against_serve(
    server: tuple[str, str, str], tmp_path: Path
) -> None:
    url, _, _ = server
    output = _run("mcp_http_client.py", url, env=_env(CML_API_KEY=API_KEY), cwd=tmp_path)

    # Most relevant first (the tenant also holds the other tests' memories).
    assert output.splitlines()[:2] == [
        "tools: remember, recall, forget, get, history, list_memories",
        "recalled: The team standup is at 9:30",
    ]


@pytest.mark.slow  # starts a real `cml serve` and a real `cml mcp --http`
async def test_mcp_http_command_passes_the_callers_key_on_to_a_server(
    server: tuple[str, str, str], launcher: ServerLauncher, tmp_path: Path, closed_port: int
) -> None:
    url, other_key, _ = server
    api_url = url.replace("/mcp", "/api/v1")
    env = launcher.env(tmp_path)
    with _mcp_http(env, tmp_path / "forward.log", closed_port, "--url", api_url) as bridge:
        async with _session(bridge, {"X-API-Key": other_key}) as session:
            await session.call_tool("remember", {"content": "Bridged memories keep their tenant"})
        async with httpx.AsyncClient(timeout=30) as http:
            anonymous = await http.post(
                bridge,
                json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                headers={"Accept": "application/json, text/event-stream"},
            )

    # The server refused the request without a key; the bridge said so.
    assert anonymous.status_code == 401
    # The memory went to the caller's tenant on the server.
    with cml.CognitiveMemoryLayer(api_key=other_key, base_url=api_url) as other:
        assert "Bridged memories keep their tenant" in [
            m.text for m in other.read("bridged").memories
        ]
    with cml.CognitiveMemoryLayer(api_key=API_KEY, base_url=api_url) as default:
        assert "Bridged memories keep their tenant" not in [
            m.text for m in default.read("bridged").memories
        ]


@pytest.mark.slow  # starts a real `cml serve`
async def test_an_mcp_tool_call_is_charged_once_against_the_rate_limit(
    launcher: ServerLauncher, tmp_path: Path
) -> None:
    # Each MCP request is checked with whoami before its tool call; only the call is charged.
    # A bucket of 6 at a negligible refill: initialize and 6 recalls fit, the 7th does not.
    env = launcher.env(
        tmp_path, CML_API_KEY=API_KEY, CML_RATE_LIMIT_PER_SECOND="0.001", CML_RATE_LIMIT_BURST="6"
    )
    with launcher.serve(env, tmp_path) as running:
        url = f"http://127.0.0.1:{running.port}/mcp"
        async with _session(url, {"X-API-Key": API_KEY}) as session:
            for n in range(6):
                found = await session.call_tool("recall", {"query": f"office wifi {n}"})
                assert not found.is_error, found.content
            refused = await session.call_tool("recall", {"query": "office wifi"})
            assert refused.is_error
            assert "Too many requests" in str(refused.content)
