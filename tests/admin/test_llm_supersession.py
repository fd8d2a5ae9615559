"""Supersession decided by an LLM (a real local chat-completions server), the rules as fallback."""

from __future__ import annotations

from pathlib import Path

from cml.models import ReadRequest, WriteRequest

from .conftest import engine_with_llm
from .live import ChatServer, closed_port, completion

TAP = "The kitchen tap is leaking"
FIXED = "The plumber fixed the kitchen tap"


def test_the_llm_decides_beyond_the_rules(chat: ChatServer, tmp_path: Path) -> None:
    with engine_with_llm(tmp_path, chat.url) as engine:
        old = engine.memories.write("acme", WriteRequest(content=TAP))
        chat.script.append((200, completion("[1]")))
        new = engine.memories.write("acme", WriteRequest(content=FIXED))

        assert new.superseded == [old.memory_id]
        sent = chat.requests[-1]["messages"]
        assert sent[0]["role"] == "system"
        assert "outdated" in sent[0]["content"]
        assert sent[1]["content"] == f"NEW: {FIXED}\nEXISTING:\n1. {TAP}"
        result = engine.memories.read("acme", ReadRequest(query="kitchen tap"))
        assert [m.id for m in result.memories] == [new.memory_id]
        record = engine.store.get("acme", str(old.memory_id))
        assert record is not None
        assert record.superseded_by == new.memory_id


def test_the_llm_can_keep_what_the_rules_would_retire(chat: ChatServer, tmp_path: Path) -> None:
    with engine_with_llm(tmp_path, chat.url) as engine:
        engine.memories.write("acme", WriteRequest(content="My name is Sam"))
        chat.script.append((200, completion("None of them: []")))
        alex = engine.memories.write(
            "acme", WriteRequest(content="Actually my name is Alex, not Sam")
        )
        assert alex.superseded == []
        assert len(chat.requests) == 1


def test_an_unusable_answer_or_no_llm_leaves_it_to_the_rules(
    chat: ChatServer, tmp_path: Path
) -> None:
    with engine_with_llm(tmp_path, chat.url) as engine:
        sam = engine.memories.write("acme", WriteRequest(content="My name is Sam"))
        chat.script.append((200, completion("I think the second one, maybe")))
        alex = engine.memories.write(
            "acme", WriteRequest(content="Actually my name is Alex, not Sam")
        )
        assert alex.superseded == [sam.memory_id]  # the rules' answer
        assert len(chat.requests) == 1

    down = f"http://127.0.0.1:{closed_port()}/v1"
    with engine_with_llm(tmp_path / "down", down) as engine:
        sam = engine.memories.write("acme", WriteRequest(content="My name is Sam"))
        alex = engine.memories.write(
            "acme", WriteRequest(content="Actually my name is Alex, not Sam")
        )
        assert alex.superseded == [sam.memory_id]


def test_a_stated_episode_is_never_shown_to_the_llm(chat: ChatServer, tmp_path: Path) -> None:
    chat.default = (200, completion("[1]"))
    with engine_with_llm(tmp_path, chat.url) as engine:
        park = engine.memories.write(
            "acme",
            WriteRequest(content="I went to the park on Sunday", memory_type="episodic_event"),
        )
        gym = engine.memories.write(
            "acme",
            WriteRequest(content="I went to the gym on Monday", memory_type="episodic_event"),
        )
        pool = engine.memories.write("acme", WriteRequest(content="I went to the pool on Tuesday"))
        assert gym.superseded == []
        # An untyped newcomer may be shown candidates, but never the stated episodes.
        assert pool.superseded == []
        assert chat.requests == []
        assert park.memory_id is not None
