"""The optional LLM: an OpenAI-compatible chat client, and its use (with extractive fallback)
by consolidation and forgetting — against a real local HTTP server."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cml.engine import Engine
from cml.errors import UnavailableError
from cml.llm import ChatLLM
from cml.models import MemoryType, WriteRequest

from .conftest import engine_with_llm
from .live import ChatServer, closed_port, completion

EPISODES = [
    "Alice: I love hiking in the mountains every weekend",
    "Alice: I love hiking in the mountains every weekend with my dog",
]


def _no_wait(delay: float) -> None:
    del delay


def test_complete_sends_the_chat_protocol_and_returns_the_answer(chat: ChatServer) -> None:
    chat.script.append((200, completion("  Alice hikes every weekend.  ")))
    llm = ChatLLM(chat.url, "sk-llm-test", "test-model")

    assert llm.complete("Summarise", system="Be brief.") == "Alice hikes every weekend."
    (sent,) = chat.requests
    assert sent["model"] == "test-model"
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert llm.probe()["models_listed"] == 1
    llm.close()


def test_429_and_5xx_are_retried(chat: ChatServer) -> None:
    chat.script += [(429, {"error": "slow down"}), (503, {"error": "busy"})]
    chat.script.append((200, completion("ok")))
    llm = ChatLLM(chat.url, None, "test-model", max_retries=2, sleep=_no_wait)

    assert llm.complete("hi") == "ok"
    assert len(chat.requests) == 3
    llm.close()


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, {"error": "boom"}, "answered HTTP 500"),
        (401, {"error": "bad key"}, "answered HTTP 401"),
        (200, {"choices": []}, "unexpected answer"),
        (200, completion("   "), "empty answer"),
    ],
)
def test_failures_become_one_clear_error(
    chat: ChatServer, status: int, body: object, message: str
) -> None:
    chat.default = (status, body)
    llm = ChatLLM(chat.url, "sk-llm-test", "test-model", max_retries=1, sleep=_no_wait)

    with pytest.raises(UnavailableError) as caught:
        llm.complete("hi")
    assert message in caught.value.message
    assert "sk-llm-test" not in caught.value.message
    llm.close()


def test_an_unreachable_endpoint_is_unavailable() -> None:
    llm = ChatLLM(f"http://127.0.0.1:{closed_port()}/v1", None, "m", max_retries=0)
    with pytest.raises(UnavailableError, match="Cannot reach"):
        llm.complete("hi")
    llm.close()


def _loose(engine: Engine) -> Engine:
    engine.admin.consolidation_settings = dataclasses.replace(
        engine.admin.consolidation_settings, cluster_threshold=0.6
    )
    for text in EPISODES:
        engine.memories.write(
            "acme", WriteRequest(content=text, memory_type=MemoryType.EPISODIC_EVENT)
        )
    return engine


def test_consolidation_asks_the_llm_for_the_gist(tmp_path: Path, chat: ChatServer) -> None:
    chat.default = (200, completion("Alice goes hiking in the mountains every weekend."))
    with _loose(engine_with_llm(tmp_path, chat.url)) as engine:
        report = engine.admin.consolidate("acme")

        assert report["llm_used"] is True
        fact = engine.store.get("acme", report["fact_ids"][0])
        assert fact is not None
        assert fact.content == "Alice goes hiking in the mountains every weekend."
        assert fact.metadata["method"] == "llm"
        prompt = chat.requests[0]["messages"][-1]["content"]
        assert "hiking in the mountains" in prompt


def test_consolidation_falls_back_to_the_extractive_gist(tmp_path: Path, chat: ChatServer) -> None:
    chat.default = (500, {"error": "down"})
    with _loose(engine_with_llm(tmp_path, chat.url)) as engine:
        engine.llm.max_retries = 0  # type: ignore[union-attr]
        report = engine.admin.consolidate("acme")

        assert report["facts_extracted"] == 1
        assert report["llm_used"] is False
        fact = engine.store.get("acme", report["fact_ids"][0])
        assert fact is not None
        assert fact.metadata["method"] == "extractive"
        assert fact.content.startswith("Alice said")


def test_forgetting_compresses_with_the_llm(tmp_path: Path, chat: ChatServer) -> None:
    chat.default = (200, completion("Planning meeting moves to the third floor."))
    with engine_with_llm(tmp_path, chat.url) as engine:
        old = datetime.now(UTC) - timedelta(days=730)
        written = engine.memories.write(
            "acme",
            WriteRequest(
                content="We met about planning. It moves to the third floor room next week.",
                memory_type=MemoryType.MESSAGE,
                timestamp=old,
                importance=0.2,
                confidence=0.5,
            ),
        )
        report = engine.admin.run_forgetting("acme", dry_run=False)

        assert report["actions"]["COMPRESS"] == 1
        record = engine.store.get("acme", written.memory_id or "")
        assert record is not None
        assert record.content == "Planning meeting moves to the third floor."
        assert "llm" in engine.store.versions("acme", record.id)[0].reason
