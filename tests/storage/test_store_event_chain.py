"""The event log's hash chain as every backend stores it: links, head, concurrent appends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cml.storage import MemoryStore, open_store
from cml.storage.base import EventRecord
from cml.storage.chain import GENESIS, event_hash, find_broken_link


def _event(tenant: str, n: int, **payload: object) -> EventRecord:
    return EventRecord(
        tenant_id=tenant,
        event_type="memory.write",
        operation="write",
        created_at=datetime.now(UTC),
        actor=f"key:k{n}",
        memory_ids=[f"m{n}"],
        payload={"n": n, "text": "café ☕", "score": 0.1 * n, **payload},
    )


def _append(store: MemoryStore, event: EventRecord) -> None:
    with store.transaction() as tx:
        tx.add_event(event)


def _log(store: MemoryStore, tenant: str) -> list[EventRecord]:
    return store.events_after(tenant, 0, limit=100_000)


def test_each_event_links_to_the_previous_event_of_its_tenant(store: MemoryStore) -> None:
    for n in range(6):
        _append(store, _event("acme" if n % 2 else "globex", n, at=datetime.now(UTC)))
    for tenant in ("acme", "globex"):
        log = _log(store, tenant)
        assert len(log) == 3
        previous = GENESIS
        for event in log:
            assert event.prev_hash == previous
            assert event.hash == event_hash(event, previous)  # read back, hashed the same
            previous = event.hash
        head = store.chain_head(tenant)
        assert head is not None
        assert (head.hash, head.length, head.last_event_id) == (previous, 3, log[-1].id)
        assert find_broken_link(log, head) == (None, 3, previous)
    assert store.chain_head("nobody") is None


def test_a_changed_event_no_longer_matches_its_hash(store: MemoryStore) -> None:
    for n in range(3):
        _append(store, _event("acme", n))
    log = _log(store, "acme")
    changed = [*log[:1], EventRecord(**{**log[1].__dict__, "actor": "key:someone-else"}), log[2]]
    broken, checked, _ = find_broken_link(changed, store.chain_head("acme"))
    assert broken is not None
    assert (broken.event_id, broken.position, checked) == (log[1].id, 2, 2)
    assert "changed" in broken.reason


def _second_store(
    request: pytest.FixtureRequest, store: MemoryStore, tmp_path: Path
) -> MemoryStore | None:
    """Another store on the same database, as a second process or replica would open it."""
    if store.backend == "postgres":
        return open_store(str(request.getfixturevalue("postgres_url")), pool_max=4)
    path = tmp_path / "data" / "cml.db"
    return open_store(f"sqlite:///{path}") if path.exists() else None


@pytest.mark.parametrize("threads", [8])
def test_concurrent_appends_never_fork_the_chain(
    request: pytest.FixtureRequest, store: MemoryStore, tmp_path: Path, threads: int
) -> None:
    other = _second_store(request, store, tmp_path)
    stores = [store] if other is None else [store, other]
    per_thread = 15
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        target = stores[worker % len(stores)]
        start.wait()
        try:
            for n in range(per_thread):
                _append(target, _event("acme", worker * 1000 + n))
        except BaseException as exc:  # reported below, with the thread's own traceback
            failures.append(exc)

    workers = [threading.Thread(target=append, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if other is not None:
        other.close()
    assert not failures, failures
    log = _log(store, "acme")
    assert len(log) == threads * per_thread
    assert len({e.prev_hash for e in log}) == len(log), "two events link to the same one"
    broken, checked, _ = find_broken_link(log, store.chain_head("acme"))
    assert (broken, checked) == (None, threads * per_thread)
