"""Updating memories: text, scores, metadata, feedback, versions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cml.engine import Engine, RecordNotFoundError, SecretRefusedError
from cml.models import Feedback, ReadRequest, RestoreRequest, UpdateRequest, WriteRequest
from cml.storage.base import EventFilter, EventRecord

EventLog = Callable[..., list[EventRecord]]


def _memory(engine: Engine, content: str = "The office is on floor 3", **fields: object) -> str:
    response = engine.memories.write("acme", WriteRequest(content=content, **fields))
    assert response.memory_id is not None
    return response.memory_id


def test_text_update_reembeds_and_keeps_history(engine: Engine, events: EventLog) -> None:
    memory_id = _memory(engine)
    response = engine.memories.update(
        "acme", UpdateRequest(memory_id=memory_id, text="The office moved to the harbour building")
    )
    assert response.success
    assert response.version == 2
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert record.content == "The office moved to the harbour building"
    assert record.version == 2
    (previous,) = engine.store.versions("acme", memory_id)
    assert previous.version == 1
    assert previous.content == "The office is on floor 3"
    # Recall follows the new text, not the old one.
    hits = engine.memories.read("acme", ReadRequest(query="harbour building"))
    assert hits.memories[0].id == memory_id
    (event,) = events("acme", "memory.update")
    assert event.memory_ids == [memory_id]
    assert event.payload["changed"] == ["text"]


def test_new_text_passes_the_gate(engine: Engine) -> None:
    memory_id = _memory(engine)
    with pytest.raises(SecretRefusedError) as caught:
        engine.memories.update("acme", UpdateRequest(memory_id=memory_id, text="password: x9y8z7"))
    assert caught.value.field == "text"
    engine.memories.update("acme", UpdateRequest(memory_id=memory_id, text="Mail bob@example.com"))
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert record.content == "Mail [REDACTED_EMAIL]"


def test_scores_and_metadata_merge(engine: Engine) -> None:
    memory_id = _memory(engine, metadata={"source": "chat", "lang": "en"})
    engine.memories.update(
        "acme",
        UpdateRequest(memory_id=memory_id, confidence=0.3, importance=0.9, metadata={"lang": "pt"}),
    )
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert (record.confidence, record.importance) == (0.3, 0.9)
    assert record.metadata == {"source": "chat", "lang": "pt"}


def test_feedback_correct_raises_confidence_capped(engine: Engine) -> None:
    memory_id = _memory(engine, confidence=0.7)
    engine.memories.update("acme", UpdateRequest(memory_id=memory_id, feedback=Feedback.CORRECT))
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert record.confidence == pytest.approx(0.9)
    engine.memories.update("acme", UpdateRequest(memory_id=memory_id, feedback=Feedback.CORRECT))
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert record.confidence == 1.0
    assert record.status == "active"


def test_feedback_incorrect_silences(engine: Engine) -> None:
    memory_id = _memory(engine)
    engine.memories.update("acme", UpdateRequest(memory_id=memory_id, feedback=Feedback.INCORRECT))
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert (record.confidence, record.status) == (0.05, "silent")


def test_feedback_outdated_retires_like_a_supersession(engine: Engine) -> None:
    memory_id = _memory(engine, confidence=0.8)
    engine.memories.update("acme", UpdateRequest(memory_id=memory_id, feedback=Feedback.OUTDATED))
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert record.status == "superseded"
    assert record.superseded_at is not None
    assert record.valid_to == record.superseded_at
    assert record.superseded_by is None
    assert record.confidence == pytest.approx(0.8)
    events, _ = engine.store.list_events("acme", EventFilter(event_type="memory.supersede"))
    assert [e.memory_ids for e in events] == [[memory_id]]
    assert events[0].payload["reason"] == "feedback: outdated"
    read = engine.memories.read("acme", ReadRequest(query="office floor"))
    assert memory_id not in [m.id for m in read.memories]

    restored = engine.admin.restore("acme", RestoreRequest(memory_ids=[memory_id]))
    assert restored.memory_ids == [memory_id]
    again = engine.store.get("acme", memory_id)
    assert again is not None
    assert (again.status, again.superseded_at, again.valid_to) == ("active", None, None)


def test_versions_accumulate(engine: Engine) -> None:
    memory_id = _memory(engine)
    for confidence in (0.1, 0.2, 0.3):
        last = engine.memories.update(
            "acme", UpdateRequest(memory_id=memory_id, confidence=confidence)
        )
    assert last.version == 4
    assert [v.version for v in engine.store.versions("acme", memory_id)] == [1, 2, 3]


def test_unknown_and_foreign_ids_look_the_same(engine: Engine) -> None:
    memory_id = _memory(engine)
    with pytest.raises(RecordNotFoundError) as unknown:
        engine.memories.update("acme", UpdateRequest(memory_id="no-such-id", confidence=0.5))
    with pytest.raises(RecordNotFoundError) as foreign:
        engine.memories.update("globex", UpdateRequest(memory_id=memory_id, confidence=0.5))
    assert unknown.value.message.replace("no-such-id", memory_id) == foreign.value.message
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert record.confidence == 0.8
