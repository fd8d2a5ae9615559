"""Active forgetting: relevance → action, protections, dry runs that change nothing, applied
runs that change exactly what they planned, and restore/purge."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cml.engine import Engine
from cml.engine.forgetting import Action, ForgettingWeights, action_for, relevance
from cml.engine.forgetting.apply import DECAY_FACTOR
from cml.models import ForgettingResponse, MemoryType, RestoreRequest, WriteRequest
from cml.storage.base import EventRecord, MemoryFilter
from cml.storage.ids import new_id

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=730)
LONG_MESSAGE = (
    "We talked about the quarterly planning meeting at length today. It will move to the big "
    "room on the third floor because the usual one is being renovated. Everyone should bring "
    "their laptop, the budget spreadsheet and ideas for the offsite in June."
)

EventLog = Callable[..., list[EventRecord]]


def _write(engine: Engine, content: str, memory_type: str, **fields: Any) -> str:
    response = engine.memories.write(
        "acme", WriteRequest(content=content, memory_type=MemoryType(memory_type), **fields)
    )
    assert response.memory_id is not None
    return response.memory_id


@pytest.fixture
def memories(engine: Engine) -> dict[str, str]:
    """One memory per expected action, plus the protected and depended-on cases."""
    ids = {
        "keep": _write(engine, "Booked the dentist for next Tuesday", "episodic_event"),
        "decay": _write(engine, "Paris is the capital of France", "semantic_fact", timestamp=OLD),
        "silence": _write(
            engine,
            "Went to the bakery on the corner",
            "episodic_event",
            timestamp=OLD,
            importance=0.4,
        ),
        "compress": _write(
            engine, LONG_MESSAGE, "message", timestamp=OLD, importance=0.2, confidence=0.5
        ),
        "delete": _write(
            engine,
            "scratch: try port 8081 maybe",
            "scratch",
            timestamp=OLD,
            importance=0.1,
            confidence=0.1,
        ),
        "constraint": _write(
            engine,
            "Never schedule meetings before 9am",
            "constraint",
            timestamp=OLD,
            importance=0.0,
            confidence=0.0,
        ),
        "source": _write(
            engine,
            "scratch: the dog is called Rex",
            "scratch",
            timestamp=OLD,
            importance=0.1,
            confidence=0.1,
        ),
    }
    decaying = engine.store.get("acme", ids["decay"])
    assert decaying is not None
    derived = dataclasses.replace(
        decaying,
        id=new_id(),
        content="The dog's name is Rex",
        created_at=NOW,
        provenance=[ids["source"]],
    )
    with engine.store.transaction() as tx:
        tx.insert([derived])
    ids["derived"] = derived.id
    return ids


def _snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    rows = []
    for record in engine.store.iter_memories(MemoryFilter(tenant_id="acme", statuses=None)):
        fields = dataclasses.asdict(record)
        embedding = fields.pop("embedding")
        versions = engine.store.versions("acme", record.id)
        rows.append((tuple(sorted(fields.items(), key=str)), embedding.tobytes(), versions))
    return rows


def _actions(report: ForgettingResponse) -> dict[str, str]:
    return {m["memory_id"]: m["action"] for m in report["memories"]}


def test_thresholds_are_exactly_as_documented() -> None:
    assert action_for(0.71) is Action.KEEP
    assert action_for(0.7) is Action.DECAY
    assert action_for(0.51) is Action.DECAY
    assert action_for(0.5) is Action.SILENCE
    assert action_for(0.31) is Action.SILENCE
    assert action_for(0.3) is Action.COMPRESS
    assert action_for(0.11) is Action.COMPRESS
    assert action_for(0.1) is Action.DELETE
    assert action_for(0.0) is Action.DELETE


def test_relevance_is_in_unit_range_and_rises_with_each_signal(engine: Engine) -> None:
    record = engine.store.get("acme", _write(engine, "x marks the spot", "scratch", timestamp=OLD))
    assert record is not None
    weights = ForgettingWeights()
    base = relevance(record, NOW, 0, weights)
    assert 0.0 <= base <= 1.0
    for change in (
        {"importance": 0.9},
        {"confidence": 1.0},
        {"access_count": 20},
        {"memory_type": "constraint"},
        {"created_at": NOW},
    ):
        assert relevance(dataclasses.replace(record, **change), NOW, 0, weights) > base
    assert relevance(record, NOW, 2, weights) > base
    fresh = dataclasses.replace(record, created_at=NOW, importance=1.0, confidence=1.0)
    assert relevance(fresh, NOW, 5, weights) == 1.0


def test_the_plan_follows_the_scores_and_the_protections(
    engine: Engine, memories: dict[str, str]
) -> None:
    report = engine.admin.run_forgetting("acme")
    actions = _actions(report)

    assert report["dry_run"] is True
    assert report["total_scored"] == len(memories)
    assert actions[memories["keep"]] == "KEEP"
    assert actions[memories["decay"]] == "DECAY"
    assert actions[memories["silence"]] == "SILENCE"
    assert actions[memories["compress"]] == "COMPRESS"
    assert actions[memories["delete"]] == "DELETE"
    # A constraint is never deleted nor compressed; a memory others derive from is not deleted.
    assert actions[memories["constraint"]] == "SILENCE"
    assert actions[memories["source"]] != "DELETE"
    assert sum(report["actions"].values()) == report["total_scored"]
    assert set(report["actions"]) == {"KEEP", "DECAY", "SILENCE", "COMPRESS", "DELETE"}
    for entry in report["memories"]:
        assert 0.0 <= entry["score"] <= 1.0
        assert entry["applied"] is False


def test_a_dry_run_changes_nothing(
    engine: Engine, memories: dict[str, str], events: EventLog
) -> None:
    before = _snapshot(engine)
    events_before = events("acme")

    engine.admin.run_forgetting("acme", dry_run=True)

    assert _snapshot(engine) == before
    assert events("acme") == events_before


def test_an_applied_run_does_what_it_planned(
    engine: Engine, memories: dict[str, str], events: EventLog
) -> None:
    planned = _actions(engine.admin.run_forgetting("acme"))
    original = {k: engine.store.get("acme", i) for k, i in memories.items()}

    report = engine.admin.run_forgetting("acme", dry_run=False)

    assert _actions(report) == planned
    get = {k: engine.store.get("acme", i) for k, i in memories.items()}
    assert get["keep"].confidence == original["keep"].confidence  # type: ignore[union-attr]
    assert get["keep"].status == "active"  # type: ignore[union-attr]
    assert get["decay"].confidence == pytest.approx(  # type: ignore[union-attr]
        original["decay"].confidence * DECAY_FACTOR  # type: ignore[union-attr]
    )
    assert get["decay"].status == "active"  # type: ignore[union-attr]
    assert get["silence"].status == "silent"  # type: ignore[union-attr]
    assert get["constraint"].status == "silent"  # type: ignore[union-attr]
    assert get["constraint"].content == original["constraint"].content  # type: ignore[union-attr]
    assert get["delete"].status == "deleted"  # type: ignore[union-attr]
    assert get["delete"].deleted_at is not None  # type: ignore[union-attr]
    compressed = get["compress"]
    assert compressed is not None
    assert compressed.status == "compressed"
    assert len(compressed.content) < len(LONG_MESSAGE)
    assert compressed.version == 2
    (history,) = engine.store.versions("acme", compressed.id)
    assert history.content == LONG_MESSAGE
    assert history.reason.startswith("forgetting: compressed")
    (event,) = events("acme", "forgetting.run")
    assert set(event.memory_ids) == {i for k, i in memories.items() if planned[i] != "KEEP"}
    assert report["applied"] == len(event.memory_ids)


def test_restore_brings_back_deleted_and_silenced_memories_until_purged(
    engine: Engine, memories: dict[str, str], events: EventLog
) -> None:
    engine.admin.run_forgetting("acme", dry_run=False)
    wanted = [memories["delete"], memories["silence"], memories["keep"], "no-such-id"]

    restored = engine.admin.restore("acme", RestoreRequest(memory_ids=wanted))

    assert sorted(restored.memory_ids) == sorted([memories["delete"], memories["silence"]])
    for memory_id in restored.memory_ids:
        record = engine.store.get("acme", memory_id)
        assert record is not None
        assert record.status == "active"
        assert record.deleted_at is None
    assert events("acme", "memory.restore")[-1].memory_ids == restored.memory_ids
    # Another tenant cannot restore (or see) these.
    assert engine.admin.restore("globex", RestoreRequest(memory_ids=wanted)).affected_count == 0

    engine.admin.run_forgetting("acme", dry_run=False)
    purged = engine.admin.purge("acme")
    assert memories["delete"] in purged["memory_ids"]
    assert engine.store.get("acme", memories["delete"]) is None
    again = engine.admin.restore("acme", RestoreRequest(memory_ids=[memories["delete"]]))
    assert again.affected_count == 0
    assert events("acme", "memory.purge")[-1].payload["count"] == purged["purged_count"]


def test_purge_older_than_keeps_recent_deletions(engine: Engine) -> None:
    memory_id = _write(engine, "remove me later", "episodic_event")
    engine.store.get("acme", memory_id)
    with engine.store.transaction() as tx:
        tx.set_status("acme", [memory_id], "deleted", NOW)
    assert engine.admin.purge("acme", older_than=NOW - timedelta(days=1))["purged_count"] == 0
    assert engine.admin.purge("acme", older_than=NOW + timedelta(days=1))["purged_count"] == 1
