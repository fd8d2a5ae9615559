"""The examples: those needing no external service run; the others compile and run against fakes."""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

import cml

from .fake_openai import FakeOpenAI, Reply, tool_call

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CML_", "OPENAI_"))}
    env.update(CML_EMBEDDING_PROVIDER="hash", **extra)
    return env


def _run(script: str, *args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_compiles(script: str, tmp_path: Path) -> None:
    py_compile.compile(str(EXAMPLES / script), cfile=str(tmp_path / "x.pyc"), doraise=True)


def test_provider_example_runs_without_any_service(tmp_path: Path) -> None:
    output = _run("provider_embedded.py", env=_env(), cwd=tmp_path).splitlines()

    assert output[0] == "Noted."
    assert output[1].startswith("From memory:")
    assert "My sister Ana lives in Porto" in output[1]
    # After clear_session the assistant no longer knows.
    assert output[2] == "I don't know that yet."


def test_tool_calling_example_runs_against_an_openai_compatible_server(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.reply(
        Reply(tool_calls=[tool_call("c1", "remember", {"content": "The user is left-handed"})]),
        Reply(content="Noted."),
        Reply(tool_calls=[tool_call("c2", "recall", {"query": "left-handed"})]),
        Reply(content="Yes, you are left-handed."),
    )
    db = tmp_path / "tools.db"
    env = _env(
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY="test",
        OPENAI_MODEL="fake-model",
        CML_EXAMPLE_DB=str(db),
    )

    output = _run(
        "tool_calling_loop.py", "Remember I'm left-handed.", "Am I?", env=env, cwd=tmp_path
    )

    assert output.splitlines()[-1] == "assistant> Yes, you are left-handed."
    assert len(fake_openai.requests) == 4
    recall_result = json.loads(fake_openai.requests[3]["messages"][-1]["content"])
    assert [m["text"] for m in recall_result["memories"]] == ["The user is left-handed"]
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        assert memory.stats().total_memories == 1


def test_mcp_config_snippet_is_valid_json() -> None:
    config = json.loads((EXAMPLES / "mcp_config.json").read_text(encoding="utf-8"))

    for server in config["mcpServers"].values():
        assert server["command"] == "cml"
        assert server["args"][0] == "mcp"
