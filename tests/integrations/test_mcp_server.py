"""``cml mcp`` driven by the ``mcp`` package's own stdio client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

import cml
from cml.integrations import MEMORY_TOOLS


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(CML_EMBEDDING_PROVIDER="hash", **extra)
    return env


@pytest.fixture
def errlog(tmp_path: Path) -> Iterator[TextIO]:
    """Where the server's stderr goes (a file: the protocol owns its stdout)."""
    with open(tmp_path / "mcp-stderr.log", "w", encoding="utf-8") as log:
        yield log


@asynccontextmanager
async def _session(*args: str, env: dict[str, str], log: TextIO) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "cml", "mcp", *args], env=env
    )
    async with (
        stdio_client(params, errlog=log) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@pytest.mark.slow  # starts a real `cml mcp` process
async def test_tools_over_stdio_against_an_embedded_store(tmp_path: Path, errlog: TextIO) -> None:
    db = tmp_path / "mcp.db"
    async with _session("--db", str(db), env=_env(), log=errlog) as session:
        listed = await session.list_tools()
        assert [t.name for t in listed.tools] == [t["function"]["name"] for t in MEMORY_TOOLS]
        schemas = {t["function"]["name"]: t["function"]["parameters"] for t in MEMORY_TOOLS}
        assert {t.name: t.input_schema for t in listed.tools} == schemas

        stored = await session.call_tool(
            "remember", {"content": "The project deadline is March 3", "tags": ["work"]}
        )
        assert not stored.is_error
        memory_id = json.loads(stored.content[0].text)["memory_id"]  # type: ignore[union-attr]

        recalled = await session.call_tool("recall", {"query": "When is the deadline?"})
        assert not recalled.is_error
        [found] = recalled.structured_content["memories"]
        assert (found["id"], found["text"], found["tags"]) == (
            memory_id,
            "The project deadline is March 3",
            ["work"],
        )
        assert json.loads(recalled.content[0].text) == recalled.structured_content  # type: ignore[union-attr]

        bad = await session.call_tool("recall", {"question": "deadline"})
        assert bad.is_error
        assert "query: Field required" in bad.content[0].text  # type: ignore[union-attr]

    # The memory is in the store the command was pointed at.
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        assert [m.text for m in memory.read("deadline").memories] == [
            "The project deadline is March 3"
        ]


@pytest.mark.slow  # starts a real `cml mcp` process
async def test_default_store_is_in_the_data_dir(tmp_path: Path, errlog: TextIO) -> None:
    env = _env(CML_DATA_DIR=str(tmp_path / "data"))
    async with _session(env=env, log=errlog) as session:
        result = await session.call_tool("remember", {"content": "Default store check"})
        assert not result.is_error

    assert (tmp_path / "data" / "cml.db").exists()


@pytest.mark.slow  # starts a real `cml mcp` process
async def test_an_unreachable_server_is_reported_in_the_tool_result(
    closed_port: int, errlog: TextIO
) -> None:
    env = _env(CML_MAX_RETRIES="0")
    url = f"http://127.0.0.1:{closed_port}"
    async with _session("--url", url, "--api-key", "k", env=env, log=errlog) as s:
        result = await s.call_tool("recall", {"query": "anything"})

    assert result.is_error
    assert "memory service failed" in result.content[0].text  # type: ignore[union-attr]


def test_conflicting_options_fail_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cml", "mcp", "--url", "http://x", "--db", str(tmp_path / "a.db")],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert "--db and --embedding-provider are for an embedded store" in done.stderr
