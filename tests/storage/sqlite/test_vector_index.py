"""The in-memory vector index against a brute-force reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from cml.storage import MemoryFilter
from cml.storage.sqlite.vector_index import TenantIndex, Upsert

STATUSES = ["active", "silent", "compressed", "deleted"]
TYPES = ["episodic_event", "semantic_fact", "preference"]
NAMESPACES = [None, "a", "b"]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def random_index(count: int, dims: int, seed: int) -> tuple[TenantIndex, dict[str, Upsert]]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, dims)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = TenantIndex()
    entries: dict[str, Upsert] = {}
    for i in range(count):
        entry = Upsert(
            tenant_id="t",
            id=f"m{i:05d}",
            vector=vectors[i],
            status=STATUSES[rng.integers(len(STATUSES))],
            memory_type=TYPES[rng.integers(len(TYPES))],
            namespace=NAMESPACES[rng.integers(len(NAMESPACES))],
            session_id=None if i % 3 else f"s{i % 2}",
            created_at=(T0 + timedelta(minutes=i)).timestamp(),
        )
        index.upsert(entry)
        entries[entry.id] = entry
    return index, entries


def admitted(entry: Upsert, filt: MemoryFilter) -> bool:
    return (
        (filt.statuses is None or entry.status in filt.statuses)
        and (filt.memory_types is None or entry.memory_type in filt.memory_types)
        and (filt.namespace is None or entry.namespace == filt.namespace)
        and (filt.session_id is None or entry.session_id == filt.session_id)
        and (filt.since is None or entry.created_at >= filt.since.timestamp())
        and (filt.until is None or entry.created_at <= filt.until.timestamp())
    )


def reference(
    entries: dict[str, Upsert], filt: MemoryFilter, query: np.ndarray, k: int
) -> list[str]:
    scored = [(float(e.vector @ query), e.id) for e in entries.values() if admitted(e, filt)]
    return [memory_id for _, memory_id in sorted(scored, reverse=True)[:k]]


FILTERS = [
    MemoryFilter("t"),
    MemoryFilter("t", statuses=None),
    MemoryFilter("t", memory_types=["preference"], namespace="a"),
    MemoryFilter("t", session_id="s1", statuses=["active", "silent"]),
    MemoryFilter("t", since=T0 + timedelta(minutes=500), until=T0 + timedelta(minutes=900)),
    MemoryFilter("t", namespace="missing"),
    # A value never stored among a few compared ones; more values than are compared one by one.
    MemoryFilter("t", statuses=["active", "compressed", "archived"]),
    MemoryFilter("t", statuses=None, memory_types=[*TYPES, "a", "b", "unknown"]),
]


@pytest.mark.parametrize("filt", FILTERS)
def test_search_matches_brute_force(filt: MemoryFilter) -> None:
    index, entries = random_index(3000, 32, seed=1)
    query = entries["m00042"].vector
    for k in (1, 10, 5000):
        got = [memory_id for memory_id, _ in index.search(filt, query, k)]
        assert got == reference(entries, filt, query, k)


def test_removal_and_status_changes_match_brute_force() -> None:
    index, entries = random_index(2000, 16, seed=2)
    removed = [f"m{i:05d}" for i in range(0, 2000, 7)]
    index.remove(removed)
    for memory_id in removed:
        del entries[memory_id]
    silenced = [f"m{i:05d}" for i in range(1, 2000, 5) if f"m{i:05d}" in entries]
    index.set_status(silenced, "silent")
    for memory_id in silenced:
        entries[memory_id] = Upsert(**{**entries[memory_id].__dict__, "status": "silent"})

    assert len(index) == len(entries)
    query = entries["m00003"].vector
    for filt in FILTERS:
        got = [memory_id for memory_id, _ in index.search(filt, query, 50)]
        assert got == reference(entries, filt, query, 50)


def test_upsert_replaces_an_entry() -> None:
    index, entries = random_index(10, 8, seed=3)
    target = entries["m00004"]
    moved = Upsert(**{**target.__dict__, "vector": entries["m00007"].vector})
    index.upsert(moved)
    assert len(index) == 10
    hits = index.search(MemoryFilter("t", statuses=None), entries["m00007"].vector, 2)
    assert {memory_id for memory_id, _ in hits} == {"m00004", "m00007"}
