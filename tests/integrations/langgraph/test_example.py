"""examples/langgraph_store.py runs against a local chat-completions server."""

from __future__ import annotations

from pathlib import Path

import cml
from cml.integrations.langgraph import CMLStore

from ..fake_openai import FakeOpenAI, Reply
from ..test_examples import _env, _run


def test_the_langgraph_example_recalls_per_user(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.reply(Reply(content="Noted."), Reply(content="Noted."), Reply(content="Peanuts."))
    db = tmp_path / "graph.db"
    env = _env(
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY="test",
        OPENAI_MODEL="fake-model",
        CML_EXAMPLE_DB=str(db),
    )

    output = _run("langgraph_store.py", env=env, cwd=tmp_path).splitlines()

    assert output[-1] == "assistant> Peanuts."
    assert len(fake_openai.requests) == 3
    # Ana's question reached the model with Ana's memory, and not Bo's.
    prompt = fake_openai.system_prompt(2)
    assert "I am allergic to peanuts." in prompt
    assert "cats" not in prompt
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        store = CMLStore(memory)
        assert store.list_namespaces() == [("memories", "ana"), ("memories", "bo")]
