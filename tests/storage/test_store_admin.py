"""Contract: what the admin operations need of a store (every backend).

``list_tenants`` (tenants known from memories, events and keys, with counts), ``events_after``
(following the log by id) and ``list_unconsolidated`` (the consolidation sampler).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from cml.storage import MemoryFilter, MemoryRecord, MemoryStore
from cml.storage.base import EventFilter, EventRecord, KeyRecord

from .conftest import T0, insert, make_record


def _event(store: MemoryStore, tenant: str, event_type: str, minutes: float = 0) -> None:
    with store.transaction() as tx:
        tx.add_event(
            EventRecord(
                tenant_id=tenant,
                event_type=event_type,
                operation="op",
                created_at=T0 + timedelta(minutes=minutes),
                memory_ids=["m1"],
                payload={"n": 1},
            )
        )


def test_list_tenants_counts_memories_facts_and_events_of_every_tenant(
    store: MemoryStore,
) -> None:
    insert(
        store,
        make_record("a fact", memory_type="semantic_fact"),
        make_record("an event"),
        make_record("gone", status="deleted"),
        make_record("other tenant", tenant_id="globex"),
    )
    _event(store, "acme", "memory.write")
    _event(store, "acme", "memory.write", minutes=5)
    _event(store, "initech", "key.create")
    with store.transaction() as tx:
        tx.insert_key(
            KeyRecord(
                id="k1",
                tenant_id="umbrella",
                key_hash="h",
                prefix="p",
                scopes=["read"],
                created_at=T0,
            )
        )

    tenants = {t.tenant_id: t for t in store.list_tenants()}

    assert list(tenants) == ["acme", "globex", "initech", "umbrella"]
    assert (tenants["acme"].memory_count, tenants["acme"].fact_count) == (2, 1)
    assert tenants["acme"].event_count == 2
    assert tenants["acme"].last_activity is not None
    assert (tenants["initech"].memory_count, tenants["initech"].event_count) == (0, 1)
    assert tenants["umbrella"].memory_count == tenants["umbrella"].event_count == 0
    assert tenants["umbrella"].last_activity is None


def test_events_after_follows_one_tenants_log_in_id_order(store: MemoryStore) -> None:
    for i in range(5):
        _event(store, "acme", "memory.write" if i % 2 else "memory.update", minutes=i)
    _event(store, "globex", "memory.write")
    first = store.events_after("acme", 0, limit=2)
    assert first[-1].id is not None
    rest = store.events_after("acme", first[-1].id)

    assert [e.tenant_id for e in first + rest] == ["acme"] * 5
    ids = [e.id for e in first + rest if e.id is not None]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    writes = store.events_after("acme", 0, EventFilter(event_type="memory.write"))
    assert [e.event_type for e in writes] == ["memory.write"] * 2
    later = store.events_after("acme", 0, EventFilter(since=T0 + timedelta(minutes=3)))
    assert len(later) == 2
    assert store.events_after("acme", ids[-1]) == []


def test_list_unconsolidated_returns_active_unconsolidated_episodes_newest_first(
    store: MemoryStore,
) -> None:
    old, new, fact = insert(
        store,
        make_record("old episode", namespace="a"),
        make_record("new episode", namespace="b"),
        make_record("a fact", memory_type="semantic_fact"),
    )
    done, silent = insert(
        store,
        make_record("consolidated", consolidated_at=T0),
        make_record("silent", status="silent"),
    )
    insert(store, make_record("other tenant", tenant_id="globex"))

    def unconsolidated(*types: str, namespace: str | None = None) -> list[str]:
        filt = MemoryFilter("acme", namespace, types, statuses=("active",))
        return [r.id for r in store.list_unconsolidated(filt, limit=10)]

    assert unconsolidated("episodic_event") == [new.id, old.id]
    limited = store.list_unconsolidated(
        MemoryFilter("acme", memory_types=["episodic_event"], statuses=("active",)), limit=1
    )
    assert [r.id for r in limited] == [new.id]
    assert unconsolidated("episodic_event", namespace="a") == [old.id]

    with store.transaction() as tx:
        tx.update(dataclasses.replace(new, consolidated_at=T0))
    assert unconsolidated("episodic_event") == [old.id]
    assert unconsolidated() == []
    assert unconsolidated("semantic_fact") == [fact.id]
    assert {done.id, silent.id}.isdisjoint(unconsolidated("episodic_event"))


def test_list_tenants_sorts_ids_byte_wise_and_dates_the_newest_activity(
    store: MemoryStore,
) -> None:
    at = [T0 + timedelta(minutes=m) for m in range(12)]

    def written(content: str, tenant: str, updated: int, stored: int) -> MemoryRecord:
        record = make_record(content, tenant_id=tenant)
        return dataclasses.replace(record, updated_at=at[updated], stored_at=at[stored])

    insert(
        store,
        # Last activity counts both when a memory was updated and when it was written.
        written("older", "alpha", updated=1, stored=2),
        written("newer", "alpha", updated=3, stored=0),
        written("written late", "Zeta", updated=4, stored=9),
        written("accented", "\u00e9cole", updated=6, stored=6),
    )
    _event(store, "alpha", "memory.write", minutes=5)
    _event(store, "\u00e9cole", "memory.write", minutes=11)

    tenants = store.list_tenants()

    # Upper case before lower case before accented letters, on every backend.
    assert [t.tenant_id for t in tenants] == ["Zeta", "alpha", "\u00e9cole"]
    assert [t.last_activity for t in tenants] == [at[9], at[5], at[11]]
