"""Contract: units of work, version history, idempotency, events, keys and concurrency."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cml.errors import RecordNotFoundError
from cml.storage import (
    EventFilter,
    EventRecord,
    IdempotencyRecord,
    KeyRecord,
    MemoryFilter,
    MemoryStore,
    VersionRecord,
    new_id,
)

from .conftest import T0, insert, make_record, query_vector


class BoomError(Exception):
    """Raised inside a transaction to make it roll back."""


def event(
    tenant_id: str = "acme", event_type: str = "memory.write", minutes: int = 0
) -> EventRecord:
    return EventRecord(
        tenant_id=tenant_id,
        event_type=event_type,
        operation=event_type.split(".")[-1],
        created_at=T0 + timedelta(minutes=minutes),
        actor="key-1",
        memory_ids=["m1"],
        payload={"n": minutes},
    )


def key(tenant_id: str = "acme", name: str = "ci", minutes: int = 0) -> KeyRecord:
    return KeyRecord(
        id=new_id(),
        tenant_id=tenant_id,
        key_hash=f"sha256:{new_id()}",
        prefix="cml_abc",
        scopes=["read", "write"],
        created_at=T0 + timedelta(minutes=minutes),
        name=name,
        extra_tenants=["beta"],
    )


def test_rolled_back_transaction_leaves_nothing(store: MemoryStore) -> None:
    (kept,) = insert(store, make_record("kept memory about kites"))
    filt = MemoryFilter("acme", statuses=None)
    assert store.vector_search(filt, query_vector("kites"), 5)  # index loaded before the failure
    lost = make_record("lost memory about kites")
    changed = replace(kept, content="changed words", version=2)

    def fail_half_way() -> None:
        with store.transaction() as tx:
            tx.insert([lost])
            tx.update(changed)
            tx.set_status("acme", [kept.id], "deleted", T0)
            tx.add_event(event())
            tx.put_idempotency(IdempotencyRecord("acme", "k1", "h", {"ok": True}, T0))
            tx.insert_key(key())
            raise BoomError

    with pytest.raises(BoomError):
        fail_half_way()

    assert store.get("acme", lost.id) is None
    still = store.get("acme", kept.id)
    assert still is not None
    assert (still.content, still.status, still.version) == (kept.content, "active", 1)
    assert [i for i, _ in store.vector_search(filt, query_vector("kites"), 5)] == [kept.id]
    assert [i for i, _ in store.lexical_search(filt, "kites", 5)] == [kept.id]
    assert store.lexical_search(filt, "changed", 5) == []
    assert store.list_events("acme") == ([], 0)
    assert store.get_idempotency("acme", "k1") is None
    assert store.list_keys() == []


def test_store_is_usable_after_a_rollback(store: MemoryStore) -> None:
    def fail() -> None:
        with store.transaction() as tx:
            tx.insert([make_record("first try")])
            raise BoomError

    with pytest.raises(BoomError):
        fail()
    (record,) = insert(store, make_record("second try"))
    assert store.get("acme", record.id) is not None


def test_update_keeps_version_history(store: MemoryStore) -> None:
    (record,) = insert(store, make_record("Bob likes tea", metadata={"v": 1}))
    for version, text in ((2, "Bob likes green tea"), (3, "Bob likes jasmine tea")):
        current = store.get("acme", record.id)
        assert current is not None
        previous = VersionRecord(
            memory_id=current.id,
            version=current.version,
            content=current.content,
            confidence=current.confidence,
            importance=current.importance,
            metadata=current.metadata,
            status=current.status,
            changed_at=T0 + timedelta(hours=version),
            reason="correction",
        )
        with store.transaction() as tx:
            tx.update(replace(current, content=text, version=version), previous=previous)

    latest = store.get("acme", record.id)
    assert latest is not None
    assert (latest.content, latest.version) == ("Bob likes jasmine tea", 3)
    history = store.versions("acme", record.id)
    assert [(v.version, v.content) for v in history] == [
        (1, "Bob likes tea"),
        (2, "Bob likes green tea"),
    ]
    assert history[0].metadata == {"v": 1}
    assert history[0].changed_at == T0 + timedelta(hours=2)
    assert store.versions("globex", record.id) == []

    with store.transaction() as tx:
        tx.hard_delete("acme", [record.id])
    assert store.versions("acme", record.id) == []


def test_update_of_a_missing_memory_fails(store: MemoryStore) -> None:
    with pytest.raises(RecordNotFoundError), store.transaction() as tx:
        tx.update(make_record("never stored"))


def test_idempotency_key_is_taken_once_per_tenant(store: MemoryStore) -> None:
    first = IdempotencyRecord("acme", "key-1", "hash-a", {"id": "m1", "n": [1, 2]}, T0)
    with store.transaction() as tx:
        assert tx.put_idempotency(first) is True
    with store.transaction() as tx:
        assert tx.put_idempotency(replace(first, request_hash="hash-b")) is False
        assert tx.put_idempotency(replace(first, tenant_id="globex")) is True

    assert store.get_idempotency("acme", "key-1") == first
    other = store.get_idempotency("globex", "key-1")
    assert other is not None
    assert other.tenant_id == "globex"
    assert store.get_idempotency("acme", "key-2") is None


def test_events_are_listed_newest_first_with_filters_and_pages(store: MemoryStore) -> None:
    with store.transaction() as tx:
        for minute in range(5):
            tx.add_event(event(minutes=minute))
        tx.add_event(event(event_type="memory.forget", minutes=10))
        tx.add_event(event(tenant_id="globex"))

    items, total = store.list_events("acme")
    assert total == 6
    assert [e.event_type for e in items][:1] == ["memory.forget"]
    assert [e.payload["n"] for e in items[1:]] == [4, 3, 2, 1, 0]
    assert all(e.id is not None for e in items)
    assert items[-1].memory_ids == ["m1"]
    assert items[-1].actor == "key-1"
    assert items[-1].created_at == T0

    page, total = store.list_events("acme", offset=2, limit=2)
    assert total == 6
    assert [e.payload["n"] for e in page] == [3, 2]

    writes, total = store.list_events("acme", EventFilter(event_type="memory.write"))
    assert total == 5
    assert {e.event_type for e in writes} == {"memory.write"}

    recent, total = store.list_events("acme", EventFilter(since=T0 + timedelta(minutes=3)))
    assert total == 3
    assert [e.payload["n"] for e in recent] == [10, 4, 3]

    assert store.list_events("initech") == ([], 0)


def test_keys_are_stored_found_listed_and_revoked(store: MemoryStore) -> None:
    older, newer, other = key(minutes=0), key(name="ops", minutes=5), key("globex", minutes=1)
    with store.transaction() as tx:
        for k in (newer, other, older):
            tx.insert_key(k)

    assert store.find_key(older.key_hash) == older
    assert store.find_key("sha256:unknown") is None
    assert [k.id for k in store.list_keys()] == [older.id, other.id, newer.id]
    assert [k.id for k in store.list_keys("acme")] == [older.id, newer.id]

    with store.transaction() as tx:
        assert tx.revoke_key(older.id, T0 + timedelta(days=1)) is True
        assert tx.revoke_key(older.id, T0 + timedelta(days=2)) is False
        assert tx.revoke_key("no-such-key", T0) is False
    revoked = store.find_key(older.key_hash)
    assert revoked is not None
    assert revoked.revoked_at == T0 + timedelta(days=1)


def test_concurrent_writers_store_everything_once(store: MemoryStore) -> None:
    threads, per_thread = 8, 15
    errors: list[BaseException] = []
    winners: list[int] = []
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with store.transaction() as tx:
                    tx.insert([make_record(f"thread {n} memory {i} about otters")])
                    tx.add_event(event())
                store.vector_search(MemoryFilter("acme"), query_vector("otters"), 3)
                store.lexical_search(MemoryFilter("acme"), "otters", 3)
            with store.transaction() as tx:
                if tx.put_idempotency(IdempotencyRecord("acme", "same", str(n), {}, T0)):
                    winners.append(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    stored = list(store.iter_memories(MemoryFilter("acme")))
    assert len(stored) == threads * per_thread
    assert len({r.content for r in stored}) == threads * per_thread
    hits = store.vector_search(MemoryFilter("acme"), query_vector("otters"), 1000)
    assert len(hits) == threads * per_thread
    assert store.list_events("acme")[1] == threads * per_thread
    assert len(winners) == 1
    record = store.get_idempotency("acme", "same")
    assert record is not None
    assert record.request_hash == str(winners[0])


def test_a_lease_has_one_holder_until_it_expires_or_is_released(store: MemoryStore) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert store.try_acquire_lease("consolidate:acme", "replica-1", 60, now)
    assert not store.try_acquire_lease("consolidate:acme", "replica-2", 60, now)
    # Another job's lease is independent; the holder may renew its own.
    assert store.try_acquire_lease("forget:acme", "replica-2", 60, now)
    assert store.try_acquire_lease("consolidate:acme", "replica-1", 60, now)
    # Expired: anyone may take it over.
    later = now + timedelta(seconds=61)
    assert store.try_acquire_lease("consolidate:acme", "replica-2", 60, later)
    assert not store.try_acquire_lease("consolidate:acme", "replica-1", 60, later)
    # Releasing by a non-holder does nothing; by the holder frees it.
    store.release_lease("consolidate:acme", "replica-1")
    assert not store.try_acquire_lease("consolidate:acme", "replica-1", 60, later)
    store.release_lease("consolidate:acme", "replica-2")
    assert store.try_acquire_lease("consolidate:acme", "replica-1", 60, later)


def test_status_changes_and_deletes_cover_more_ids_than_one_statement_binds(
    store: MemoryStore,
) -> None:
    records = insert(store, *(make_record(f"memory {i}", embed=False) for i in range(1200)))
    ids = [r.id for r in records]
    at = T0 + timedelta(days=1)

    with store.transaction() as tx:
        assert tx.set_status("acme", ids, "silent", at) == 1200
        assert tx.set_status("acme", ids, "silent", at) == 0  # already silent
    assert store.count_by_type_and_status("acme") == {("episodic_event", "silent"): 1200}

    with store.transaction() as tx:
        assert tx.hard_delete("acme", ids) == 1200
    assert store.get_many("acme", ids) == []


def test_a_lease_is_free_at_the_instant_it_expires(store: MemoryStore) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert store.try_acquire_lease("forget:acme", "replica-1", 30.5, now)
    assert not store.try_acquire_lease(
        "forget:acme", "replica-2", 30, now + timedelta(seconds=30.4)
    )
    assert store.try_acquire_lease("forget:acme", "replica-2", 30, now + timedelta(seconds=30.5))
