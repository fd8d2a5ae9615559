"""Contract: per-partition term statistics stay exact as memories change, on every backend."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from cml.storage import MemoryFilter, MemoryRecord, MemoryStore
from cml.storage.base import SUPERSEDED
from cml.storage.sql.tx import BULK_FROM

from .conftest import T0, insert, make_record, varied_records

WORDS = ["coffee", "tea", "drinking", "honey", "zebra"]


def stats(
    store: MemoryStore, namespace: str | None = None, tenant: str = "acme"
) -> tuple[int, dict[str, int]]:
    documents, frequencies, _ = store.term_statistics(tenant, namespace, WORDS)
    return documents, frequencies


def recount(
    store: MemoryStore, namespace: str | None = None, tenant: str = "acme"
) -> tuple[int, dict[str, int]]:
    """What a search of the partition finds, word by word (independent of the statistics).

    The filter admits one status more than a default read (``archived``, which these tests
    never set), so the search counts in the index instead of trusting the statistics.
    """
    statuses = ("active", "compressed", "archived")
    filt = MemoryFilter(tenant, namespace=namespace, statuses=statuses)
    counts = {word: len(store.lexical_search(filt, word, 1000)) for word in WORDS}
    documents = sum(
        1
        for r in store.list_memories(filt, limit=1000)
        if not (r.memory_type == "semantic_fact" and r.metadata.get("source") == "consolidation")
    )
    return documents, counts


@pytest.fixture
def cafe(store: MemoryStore) -> list[MemoryRecord]:
    return insert(
        store,
        make_record("Alice drinks black coffee every morning", minutes=0),
        make_record("Bob prefers green tea with honey", minutes=1, namespace="bob"),
        make_record("The coffee machine is broken", minutes=2),
        make_record("Coffee with honey, coffee with milk", minutes=3),
    )


def test_statistics_count_searchable_memories_per_partition(
    store: MemoryStore, cafe: list[MemoryRecord]
) -> None:
    # Stemmed like the full-text search: "drinking" counts the memory that says "drinks";
    # a memory counts once however often it repeats a word.
    assert stats(store) == (4, {"coffee": 3, "tea": 1, "drinking": 1, "honey": 2, "zebra": 0})
    assert stats(store, "bob") == (
        1,
        {"coffee": 0, "tea": 1, "drinking": 0, "honey": 1, "zebra": 0},
    )
    assert stats(store) == recount(store)
    assert stats(store, "bob") == recount(store, "bob")


def test_statistics_follow_updates_status_changes_and_purge(
    store: MemoryStore, cafe: list[MemoryRecord]
) -> None:
    alice, bob, machine, mixed = cafe
    with store.transaction() as tx:
        tx.update(replace(machine, content="The tea machine is broken", version=2))
    assert stats(store) == (4, {"coffee": 2, "tea": 2, "drinking": 1, "honey": 2, "zebra": 0})
    # Superseded and deleted memories leave the search, and the counts.
    with store.transaction() as tx:
        tx.update(replace(alice, status=SUPERSEDED, superseded_at=T0, version=2))
        tx.set_status("acme", [mixed.id], "deleted", T0)
    assert stats(store) == (2, {"coffee": 0, "tea": 2, "drinking": 0, "honey": 1, "zebra": 0})
    assert stats(store) == recount(store)
    # Restored, they count again; moved to another namespace, they count there.
    with store.transaction() as tx:
        tx.set_status("acme", [mixed.id], "active", T0)
        tx.update(replace(alice, namespace="bob", version=3))
    assert stats(store, "bob") == (
        2,
        {"coffee": 1, "tea": 1, "drinking": 1, "honey": 1, "zebra": 0},
    )
    assert stats(store) == recount(store)
    # Purged for good: nothing of them is left to count.
    with store.transaction() as tx:
        tx.hard_delete("acme", [alice.id, bob.id, machine.id, mixed.id])
    empty = dict.fromkeys(WORDS, 0)
    assert stats(store) == (0, empty)
    assert stats(store, "bob") == (0, empty)


def test_facts_of_consolidation_are_not_counted(
    store: MemoryStore, cafe: list[MemoryRecord]
) -> None:
    before = stats(store)
    fact = make_record(
        "Alice likes coffee", memory_type="semantic_fact", metadata={"source": "consolidation"}
    )
    insert(store, fact)
    assert stats(store) == before
    with store.transaction() as tx:
        tx.update(replace(fact, metadata={}, version=2))
    documents, counts = stats(store)
    assert (documents, counts["coffee"]) == (5, 4)


def test_statistics_never_cross_tenants(store: MemoryStore, cafe: list[MemoryRecord]) -> None:
    insert(store, *(make_record(f"zebra coffee {i}", tenant_id="other") for i in range(3)))
    assert stats(store) == (4, {"coffee": 3, "tea": 1, "drinking": 1, "honey": 2, "zebra": 0})
    assert stats(store, tenant="other") == (
        3,
        {"coffee": 3, "tea": 0, "drinking": 0, "honey": 0, "zebra": 3},
    )
    assert stats(store, tenant="nobody") == (0, dict.fromkeys(WORDS, 0))


def test_statistics_stay_exact_under_concurrent_writers(store: MemoryStore) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                record = make_record(f"coffee tea writer{n} note{i}", minutes=i)
                insert(store, record)
                if i % 3 == 0:
                    with store.transaction() as tx:
                        tx.set_status("acme", [record.id], "deleted", T0)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # 4 writers x 10 memories, 4 of each writer's deleted.
    assert stats(store) == (24, {"coffee": 24, "tea": 24, "drinking": 0, "honey": 0, "zebra": 0})
    assert stats(store) == recount(store)


def test_a_large_insert_counts_what_a_search_finds(store: MemoryStore) -> None:
    # Counted in one pass (sqlite/bulk.py, postgres/tx.py) instead of row by row.
    # (recount searches archived memories and consolidation's facts: leave them out here;
    # tests/storage/*/test_bulk*.py compare those with row-by-row writes.)
    records = [
        r
        for r in varied_records(4 * BULK_FROM)
        if r.status != "archived" and r.metadata.get("source") != "consolidation"
    ]
    insert(store, *records)
    for tenant in ("acme", "globex"):
        for namespace in (None, "bob"):
            assert stats(store, namespace, tenant) == recount(store, namespace, tenant)
    assert stats(store)[0] > 0
