"""Batch writes: order, atomic refusal, one embedding call, dedup within the batch, idempotency."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cml.engine import Engine, MemoryService, SecretRefusedError
from cml.models import BatchWriteItem, BatchWriteRequest, MemoryType, WriteRequest
from cml.storage.base import EventRecord, MemoryFilter

EventLog = Callable[..., list[EventRecord]]
Counted = tuple[MemoryService, list[int]]


def _batch(*contents: str, **shared: str) -> BatchWriteRequest:
    return BatchWriteRequest(items=[BatchWriteItem(content=c) for c in contents], **shared)


def _all(engine: Engine, tenant: str) -> list[str]:
    return [r.content for r in engine.store.iter_memories(MemoryFilter(tenant_id=tenant))]


def test_results_follow_input_order_and_everything_is_stored(engine: Engine) -> None:
    contents = [f"Visited museum number {i} in Vienna with Ana" for i in range(12)]
    response = engine.memories.write_batch("acme", _batch(*contents))

    assert len(response.results) == 12
    ids = [r.memory_id for r in response.results]
    assert None not in ids
    assert len(set(ids)) == 12
    for content, result in zip(contents, response.results, strict=True):
        assert result.memory_id is not None
        record = engine.store.get("acme", result.memory_id)
        assert record is not None
        assert record.content == content
    assert response.elapsed_ms > 0


def test_all_contents_are_embedded_in_one_call(counted: Counted) -> None:
    service, calls = counted
    service.write_batch("acme", _batch(*(f"Fact {i}: Oslo has {i} bridges" for i in range(40))))
    assert calls == [40]


def test_a_secret_in_one_item_refuses_the_whole_batch(engine: Engine, events: EventLog) -> None:
    request = _batch(
        "Ana likes jazz",
        "Bo plays chess",
        "the deploy password is hunter2-SuperSecret!",
        "Cy runs marathons",
    )
    with pytest.raises(SecretRefusedError) as caught:
        engine.memories.write_batch("acme", request)
    assert caught.value.field == "items.2.content"
    assert "items.2.content" in caught.value.message
    assert _all(engine, "acme") == []
    assert events("acme") == []


def test_repeats_inside_a_batch_reinforce_the_first(engine: Engine) -> None:
    response = engine.memories.write_batch(
        "acme", _batch("Ana prefers green tea", "Bo prefers coffee", "ana prefers  GREEN tea")
    )
    first, _, repeat = response.results
    assert not first.deduplicated
    assert repeat.deduplicated
    assert repeat.memory_id == first.memory_id
    assert len(_all(engine, "acme")) == 2
    assert first.memory_id is not None
    record = engine.store.get("acme", first.memory_id)
    assert record is not None
    assert record.confidence > 0.8  # reinforced once by the repeat


def test_items_repeating_stored_memories_reinforce_them(engine: Engine) -> None:
    stored = engine.memories.write("acme", WriteRequest(content="Ana prefers green tea"))
    response = engine.memories.write_batch(
        "acme", _batch("Ana prefers green tea", "Ana prefers green tea", "Bo likes chess")
    )
    assert [r.deduplicated for r in response.results] == [True, True, False]
    assert response.results[0].memory_id == stored.memory_id
    assert stored.memory_id is not None
    record = engine.store.get("acme", stored.memory_id)
    assert record is not None
    assert record.confidence == pytest.approx(0.9)  # 0.8 + two reinforcements
    assert len(_all(engine, "acme")) == 2


def test_shared_session_and_namespace_apply_unless_an_item_names_its_own(engine: Engine) -> None:
    request = BatchWriteRequest(
        items=[
            BatchWriteItem(content="Kick-off meeting happened on Monday"),
            BatchWriteItem(content="Retro happened on Friday", namespace="team", session_id="s9"),
        ],
        session_id="s1",
        namespace="project",
    )
    first, second = engine.memories.write_batch("acme", request).results
    assert first.memory_id is not None
    assert second.memory_id is not None
    a = engine.store.get("acme", first.memory_id)
    b = engine.store.get("acme", second.memory_id)
    assert a is not None
    assert b is not None
    assert (a.namespace, a.session_id) == ("project", "s1")
    assert (b.namespace, b.session_id) == ("team", "s9")


def test_the_same_text_in_two_namespaces_is_two_memories(engine: Engine) -> None:
    request = BatchWriteRequest(
        items=[
            BatchWriteItem(content="Budget is 10k", namespace="a"),
            BatchWriteItem(content="Budget is 10k", namespace="b"),
        ]
    )
    results = engine.memories.write_batch("acme", request).results
    assert not any(r.deduplicated for r in results)
    assert results[0].memory_id != results[1].memory_id


def test_one_event_lists_every_memory(engine: Engine, events: EventLog) -> None:
    response = engine.memories.write_batch(
        "acme", _batch("Ana likes jazz", "Bo plays chess", "Ana likes jazz"), actor="key:k1"
    )
    logged = events("acme")
    assert [e.event_type for e in logged] == ["memory.batch_write"]
    event = logged[0]
    assert event.actor == "key:k1"
    assert event.memory_ids == [response.results[0].memory_id, response.results[1].memory_id]
    assert event.payload["items"] == 3
    assert event.payload["stored"] == 2


def test_a_retried_batch_stores_nothing_twice(engine: Engine, events: EventLog) -> None:
    request = _batch("Ana likes jazz", "Bo plays chess")
    first = engine.memories.write_batch("acme", request, idempotency_key="batch-1")
    again = engine.memories.write_batch("acme", request, idempotency_key="batch-1")
    assert [r.memory_id for r in again.results] == [r.memory_id for r in first.results]
    assert len(_all(engine, "acme")) == 2
    assert len(events("acme")) == 1


def test_types_are_inferred_per_item(engine: Engine) -> None:
    request = BatchWriteRequest(
        items=[
            BatchWriteItem(content="I prefer window seats"),
            BatchWriteItem(content="Never book red-eye flights", memory_type=MemoryType.CONSTRAINT),
        ]
    )
    types = [r.memory_type for r in engine.memories.write_batch("acme", request).results]
    assert types == ["preference", "constraint"]


def test_batches_stay_in_their_tenant(engine: Engine) -> None:
    engine.memories.write_batch("acme", _batch("Acme's secret sauce is paprika"))
    engine.memories.write_batch("globex", _batch("Globex ships on Tuesdays"))
    assert _all(engine, "acme") == ["Acme's secret sauce is paprika"]
    assert _all(engine, "globex") == ["Globex ships on Tuesdays"]
