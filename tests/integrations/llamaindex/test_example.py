"""examples/llamaindex_memory.py runs against a local chat-completions server."""

from __future__ import annotations

from pathlib import Path

import cml

from ..fake_openai import FakeOpenAI, Reply
from ..test_examples import _env, _run


def test_the_llamaindex_example_recalls_another_conversation(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.reply(Reply(content="Noted."), Reply(content="Try dried apricots."))
    db = tmp_path / "llama.db"
    env = _env(
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY="test",
        OPENAI_MODEL="fake-model",
        CML_EXAMPLE_DB=str(db),
    )

    output = _run("llamaindex_memory.py", env=env, cwd=tmp_path).splitlines()

    assert output[-1] == "[tuesday] assistant> Try dried apricots."
    tuesday = fake_openai.requests[1]["messages"]
    assert [m["role"] for m in tuesday] == ["system", "user"]
    assert "User: I'm allergic to peanuts." in tuesday[0]["content"]
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        texts = sorted(m.text for m in memory.read("peanuts snack flight").memories)
    assert "User: I'm allergic to peanuts." in texts
    assert "Assistant: Try dried apricots." in texts
