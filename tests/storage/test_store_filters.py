"""Contract: filters on metadata, context tags and agent (every backend)."""

from __future__ import annotations

import pytest

from cml.storage import MemoryFilter, MemoryStore
from cml.storage.base import MemoryRecord

from .conftest import insert, make_record, query_vector


@pytest.fixture
def notes(store: MemoryStore) -> list[MemoryRecord]:
    return insert(
        store,
        make_record("apollo kickoff", metadata={"project": "apollo", "n": 1, "ok": True}),
        make_record("apollo budget", metadata={"project": "apollo", "n": 2, "x": {"k": [1, 2]}}),
        make_record("gemini slip", metadata={"project": "gemini", "a.b": "dotted", "$d": 1}),
        make_record("oat milk", context_tags=["groceries"], agent_id="shopper"),
        make_record("water ferns", context_tags=["home", "plants"], agent_id="gardener"),
        make_record("other tenant apollo", tenant_id="globex", metadata={"project": "apollo"}),
    )


def _listed(store: MemoryStore, **fields: object) -> list[str]:
    filt = MemoryFilter(tenant_id="acme", **fields)  # type: ignore[arg-type]
    return [r.content for r in store.list_memories(filt, limit=100)]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"project": "apollo"}, ["apollo kickoff", "apollo budget"]),
        ({"project": "apollo", "n": 2}, ["apollo budget"]),
        ({"ok": True}, ["apollo kickoff"]),
        ({"ok": 1}, []),  # a number is not a boolean
        ({"n": "1"}, []),  # nor a string
        ({"x": {"k": [1, 2]}}, ["apollo budget"]),
        ({"x": {"k": [1]}}, []),  # equality, not containment
        ({"a.b": "dotted"}, ["gemini slip"]),  # a dot in a key is not a path
        ({"$d": 1}, ["gemini slip"]),
        ({"missing": None}, []),
    ],
)
def test_metadata_filter_is_equality_on_every_key(
    store: MemoryStore, notes: list[MemoryRecord], metadata: dict[str, object], expected: list[str]
) -> None:
    assert _listed(store, metadata=metadata) == expected


def test_context_tags_filter_matches_any_tag(store: MemoryStore, notes: list[MemoryRecord]) -> None:
    assert _listed(store, context_tags=["plants", "groceries"]) == ["oat milk", "water ferns"]
    assert _listed(store, context_tags=["home"]) == ["water ferns"]
    assert _listed(store, context_tags=["nothing"]) == []
    assert _listed(store, context_tags=[]) == []


def test_agent_filter_and_combinations(store: MemoryStore, notes: list[MemoryRecord]) -> None:
    assert _listed(store, agent_id="shopper") == ["oat milk"]
    assert _listed(store, agent_id="gardener", context_tags=["groceries"]) == []
    assert _listed(store, agent_id="gardener", context_tags=["home"]) == ["water ferns"]


@pytest.mark.parametrize(
    "fields",
    [{"metadata": {"project": "rare"}}, {"context_tags": ["rare"]}, {"agent_id": "rare"}],
)
def test_searches_rank_inside_the_filter_not_after_the_cut(
    store: MemoryStore, fields: dict[str, object]
) -> None:
    # Forty memories closer to the query than the one that passes the filter: a search that
    # cut its top 5 first and filtered afterwards would find nothing.
    common = [make_record(f"green tea with lemon number {i}") for i in range(40)]
    rare = make_record("tea", **fields)  # type: ignore[arg-type]
    insert(store, *common, rare)
    filt = MemoryFilter(tenant_id="acme", **fields)  # type: ignore[arg-type]
    vector = query_vector("green tea with lemon number 7")
    assert [i for i, _ in store.vector_search(filt, vector, 5)] == [rare.id]
    assert [i for i, _ in store.lexical_search(filt, "tea lemon", 5)] == [rare.id]
    everything = MemoryFilter(tenant_id="acme")
    assert rare.id not in [i for i, _ in store.vector_search(everything, vector, 5)]
