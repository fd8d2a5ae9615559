"""Contract: counts per day stored, and the memories one memory retired (every backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cml.storage import MemoryFilter, MemoryStore

from .conftest import T0, insert, make_record

DAY = (T0 - datetime(1970, 1, 1, tzinfo=UTC)).days
"""T0's day as days since 1970-01-01."""


def test_count_by_day_and_type_buckets_by_the_utc_day_stored(store: MemoryStore) -> None:
    midnight = T0.replace(hour=0)
    insert(
        store,
        make_record("a", stored_at=midnight),
        make_record("b", stored_at=midnight + timedelta(hours=23, minutes=59)),
        make_record("c", stored_at=midnight + timedelta(days=1), memory_type="preference"),
        make_record("d", stored_at=midnight + timedelta(days=1), namespace="work"),
        make_record("gone", stored_at=midnight, status="deleted"),
        make_record("retired", stored_at=midnight, status="superseded"),
        make_record("too late", stored_at=midnight + timedelta(days=2)),
        make_record("too early", stored_at=midnight - timedelta(seconds=1)),
        make_record("other tenant", stored_at=midnight, tenant_id="globex"),
    )
    span = (midnight, midnight + timedelta(days=2))

    assert store.count_by_day_and_type("acme", *span) == {
        (DAY, "episodic_event"): 3,
        (DAY + 1, "preference"): 1,
        (DAY + 1, "episodic_event"): 1,
    }
    assert store.count_by_day_and_type("acme", *span, namespace="work") == {
        (DAY + 1, "episodic_event"): 1
    }
    assert store.count_by_day_and_type("nobody", *span) == {}


def test_superseded_by_lists_what_a_memory_retired(store: MemoryStore) -> None:
    new, other = insert(store, make_record("Dana moved to Munich"), make_record("unrelated"))
    old, older = insert(
        store,
        make_record("Dana lives in Berlin", status="superseded", superseded_by=new.id),
        make_record("Dana lives in Bonn", status="superseded", superseded_by=new.id),
    )
    insert(
        store,
        make_record("globex's", tenant_id="globex", status="superseded", superseded_by=new.id),
    )

    def ids(tenant_id: str, superseded_by: str) -> list[str]:
        filt = MemoryFilter(tenant_id=tenant_id, statuses=None, superseded_by=superseded_by)
        return [r.id for r in store.list_memories(filt)]

    assert ids("acme", new.id) == sorted([old.id, older.id])
    assert ids("acme", other.id) == []
    assert ids("acme", old.id) == []
