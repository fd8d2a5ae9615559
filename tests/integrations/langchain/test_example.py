"""examples/langchain_chat.py runs against a local chat-completions server."""

from __future__ import annotations

from pathlib import Path

import cml
from cml.integrations.langchain import CMLChatMessageHistory

from ..fake_openai import FakeOpenAI, Reply
from ..test_examples import _env, _run


def test_the_langchain_example_recalls_another_conversation(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.reply(Reply(content="Noted."), Reply(content="You are flying to Porto."))
    db = tmp_path / "chat.db"
    env = _env(
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY="test",
        OPENAI_MODEL="fake-model",
        CML_EXAMPLE_DB=str(db),
    )

    output = _run("langchain_chat.py", env=env, cwd=tmp_path).splitlines()

    assert output[-1] == "[tuesday] assistant> You are flying to Porto."
    # Tuesday's conversation starts empty, yet Monday's message reached the prompt.
    tuesday = fake_openai.requests[1]["messages"]
    assert [m["role"] for m in tuesday] == ["system", "user"]
    assert "My sister Ana just moved to Porto." in tuesday[0]["content"]
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        assert len(CMLChatMessageHistory(memory, "monday").messages) == 2
        assert len(CMLChatMessageHistory(memory, "tuesday").messages) == 2
