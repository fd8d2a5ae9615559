"""Conversation turns: context first, then the exchange stored once."""

from __future__ import annotations

from collections.abc import Callable

from cml.engine import Engine
from cml.models import ReadRequest, TurnRequest, WriteRequest
from cml.storage.base import EventRecord

EventLog = Callable[..., list[EventRecord]]


def test_turn_returns_context_then_stores_the_exchange_once(engine: Engine) -> None:
    engine.memories.write("acme", WriteRequest(content="I am allergic to shellfish"))
    response = engine.memories.turn(
        "acme",
        TurnRequest(
            user_message="Can you suggest a dinner without shellfish?",
            assistant_response="How about mushroom risotto?",
            session_id="chat-1",
        ),
    )
    assert response.memories_retrieved == 1
    assert "allergic to shellfish" in response.memory_context
    assert response.memories_stored == 1
    (stored_id,) = response.stored_ids
    record = engine.store.get("acme", stored_id)
    assert record is not None
    assert record.memory_type == "conversation"
    assert record.session_id == "chat-1"
    assert record.content == (
        "User: Can you suggest a dinner without shellfish?\nAssistant: How about mushroom risotto?"
    )
    assert engine.memories.stats("acme").total_memories == 2


def test_turn_logs_a_write_event(engine: Engine, events: EventLog) -> None:
    response = engine.memories.turn(
        "acme", TurnRequest(user_message="Book the table for Friday"), actor="key-1"
    )
    (event,) = events("acme", "memory.write")
    assert (event.operation, event.actor, event.memory_ids) == (
        "turn",
        "key-1",
        response.stored_ids,
    )


def test_message_is_not_its_own_context(engine: Engine) -> None:
    response = engine.memories.turn(
        "acme", TurnRequest(user_message="I just adopted a cat named Miso")
    )
    assert response.memories_retrieved == 0
    assert response.memory_context == ""
    assert response.memories_stored == 1
    # The next turn does see it.
    later = engine.memories.turn("acme", TurnRequest(user_message="What is my cat called, Miso?"))
    assert later.memories_retrieved == 1
    assert "adopted a cat named Miso" in later.memory_context


def test_turn_without_response_stores_only_the_user_line(engine: Engine) -> None:
    response = engine.memories.turn("acme", TurnRequest(user_message="Remind me about the dentist"))
    record = engine.store.get("acme", response.stored_ids[0])
    assert record is not None
    assert record.content == "User: Remind me about the dentist"


def test_secret_in_message_still_gets_context_but_stores_nothing(
    engine: Engine, events: EventLog
) -> None:
    engine.memories.write("acme", WriteRequest(content="The staging server is called zeus"))
    response = engine.memories.turn(
        "acme", TurnRequest(user_message="staging server zeus password: hunter2 please save")
    )
    assert response.memories_retrieved == 1
    assert "zeus" in response.memory_context
    assert response.memories_stored == 0
    assert response.stored_ids == []
    assert engine.memories.stats("acme").total_memories == 1
    hits = engine.memories.read("acme", ReadRequest(query="hunter2 password"))
    assert all("hunter2" not in m.text for m in hits.memories)
    assert len(events("acme", "memory.write")) == 1


def test_turn_is_idempotent_with_a_key(engine: Engine) -> None:
    request = TurnRequest(user_message="We moved the launch to May", session_id="s")
    first = engine.memories.turn("acme", request, idempotency_key="turn-1")
    again = engine.memories.turn("acme", request, idempotency_key="turn-1")
    assert again == first
    assert engine.memories.stats("acme").total_memories == 1


def test_turn_respects_the_context_budget(engine: Engine) -> None:
    for i in range(30):
        words = " ".join(f"topic{i}w{j}" for j in range(30))
        engine.memories.write("acme", WriteRequest(content=f"Budget planning note {i} {words}"))
    response = engine.memories.turn(
        "acme", TurnRequest(user_message="budget planning note", max_context_tokens=64)
    )
    assert 0 < len(response.memory_context) <= 64 * 4
