"""The README's Integrations snippets run unchanged (OpenAI calls go to the fake server)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .fake_openai import FakeOpenAI, Reply, tool_call

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    start = README.index("## Integrations\n")
    end = README.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", README[start:end], flags=re.DOTALL)


def _run(code: str, cwd: Path, fake: FakeOpenAI) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CML_", "OPENAI_"))}
    env.update(CML_EMBEDDING_PROVIDER="hash", OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="test")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_integration_snippets_run(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    helper, tools, provider = _blocks()

    out = _run(helper, tmp_path, fake_openai)
    assert out.strip() == "echo: Which city am I flying to?"
    assert "I'm flying to Oslo on Friday" in fake_openai.system_prompt()

    fake_openai.reply(
        Reply(tool_calls=[tool_call("c1", "remember", {"content": "The user is left-handed"})]),
        Reply(content="Got it: you're left-handed."),
    )
    assert _run(tools, tmp_path, fake_openai).strip() == "Got it: you're left-handed."
    assert fake_openai.requests[-1]["messages"][-1]["role"] == "tool"

    out = _run(provider, tmp_path, fake_openai)
    assert out.startswith("## Relevant Memories")
    assert "My sister Ana lives in Porto" in out
