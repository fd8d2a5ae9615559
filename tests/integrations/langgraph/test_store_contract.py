"""CMLStore against LangGraph's BaseStore contract.

LangGraph publishes no conformance suite for stores (only for checkpointers), so these tests
follow the documented contract and run each scenario on LangGraph's own reference store,
``InMemoryStore``, too: where the contract fixes the answer, both stores must give the same one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from langgraph.store.base import (
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    Item,
    ListNamespacesOp,
    MatchCondition,
    PutOp,
    SearchOp,
)
from langgraph.store.memory import InMemoryStore

import cml
from cml.integrations.langgraph import CMLStore

Scenario = Callable[[BaseStore], Any]


@pytest.fixture
def store(memory: cml.EmbeddedCognitiveMemoryLayer) -> CMLStore:
    return CMLStore(memory)


@pytest.fixture
def reference() -> InMemoryStore:
    return InMemoryStore()


def _triples(items: list[Any]) -> list[tuple[tuple[str, ...], str, dict[str, Any]]]:
    return [(item.namespace, item.key, item.value) for item in items]


def _same_on_both(store: CMLStore, reference: InMemoryStore, scenario: Scenario) -> Any:
    ours, theirs = scenario(store), scenario(reference)
    assert ours == theirs
    return ours


def test_put_then_get_returns_the_value_exactly(store: CMLStore) -> None:
    value = {
        "text": "Ana is vegetarian",
        "score": 4.5,
        "count": 3,
        "flag": False,
        "none": None,
        "deep": {"a": {"b": {"c": {"d": {"e": {"f": ["seven levels"]}}}}}},
        "unicode": "café ☕ 東京",
        "list": [1, "two", {"three": 3}],
    }
    store.put(("users", "ana"), "profile", value)

    item = store.get(("users", "ana"), "profile")

    assert isinstance(item, Item)
    assert (item.namespace, item.key, item.value) == (("users", "ana"), "profile", value)
    assert item.created_at.tzinfo is not None
    assert item.created_at == item.updated_at


def test_get_of_a_missing_key_or_namespace_is_none(store: CMLStore) -> None:
    store.put(("a",), "k", {"v": 1})

    assert store.get(("a",), "other") is None
    assert store.get(("b",), "k") is None
    assert store.get(("a", "k"), "k") is None


def test_put_again_replaces_the_value_and_keeps_created_at(store: CMLStore) -> None:
    store.put(("docs",), "k", {"text": "first draft"})
    first = store.get(("docs",), "k")
    store.put(("docs",), "k", {"text": "second draft", "extra": True})

    second = store.get(("docs",), "k")

    assert first is not None
    assert second is not None
    assert second.value == {"text": "second draft", "extra": True}
    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    assert len(store.search(("docs",))) == 1


def test_delete_removes_only_that_item(store: CMLStore) -> None:
    store.put(("a",), "k1", {"v": 1})
    store.put(("a",), "k2", {"v": 2})

    store.delete(("a",), "k1")
    store.delete(("a",), "never-stored")

    assert store.get(("a",), "k1") is None
    assert store.get(("a",), "k2") is not None
    assert _triples(store.search(("a",))) == [(("a",), "k2", {"v": 2})]


def test_identical_values_under_different_keys_are_two_items(store: CMLStore) -> None:
    # py-cml merges near-duplicate memories; store items must never be merged.
    value = {"text": "The user lives in Berlin"}
    for key in ("k1", "k2"):
        store.put(("users", "u1"), key, value)
    store.put(("users", "u2"), "k1", value)
    # A change of state py-cml would treat as a correction of the first item.
    store.put(("users", "u1"), "k3", {"text": "The user moved to Munich"})

    assert store.get(("users", "u1"), "k1") is not None
    assert store.get(("users", "u1"), "k2") is not None
    assert store.get(("users", "u2"), "k1") is not None
    assert len(store.search(("users",), limit=10)) == 4


def test_namespace_labels_of_any_shape_round_trip(store: CMLStore) -> None:
    odd = ("Users With Spaces", "a/b\\c", "ünïcödé", "x" * 200, "1", "2", "3", "deep")
    store.put(odd, "key with / and spaces", {"v": 1})
    store.put(odd[:2], "key with / and spaces", {"v": 2})

    assert store.get(odd, "key with / and spaces") is not None
    assert store.get(odd, "key with / and spaces").value == {"v": 1}  # type: ignore[union-attr]
    assert store.get(odd[:2], "key with / and spaces").value == {"v": 2}  # type: ignore[union-attr]
    assert sorted(store.list_namespaces()) == sorted([odd, odd[:2]])


@pytest.mark.parametrize(
    "namespace", [("a.b",), ("ok", ""), ("nul\x00",)], ids=["period", "empty", "nul"]
)
def test_invalid_namespace_labels_are_refused_like_the_reference(
    store: CMLStore, reference: InMemoryStore, namespace: tuple[str, ...]
) -> None:
    for target in (store, reference):
        with pytest.raises(InvalidNamespaceError):
            target.put(namespace, "k", {"v": 1})
        with pytest.raises(InvalidNamespaceError):
            target.get(namespace, "k")
    # Ops given to batch directly are checked too (as LangGraph asks of stores that encode
    # namespaces), before anything of the batch runs.
    with pytest.raises(InvalidNamespaceError):
        store.batch([PutOp(("fine",), "k", {"v": 1}), GetOp(namespace, "k")])
    assert store.get(("fine",), "k") is None


def test_the_langgraph_root_label_and_an_empty_namespace_are_refused(store: CMLStore) -> None:
    with pytest.raises(InvalidNamespaceError):
        store.put(("langgraph", "x"), "k", {"v": 1})
    with pytest.raises(InvalidNamespaceError):
        store.put((), "k", {"v": 1})


def _fill(target: BaseStore) -> None:
    target.put(("docs", "a"), "1", {"kind": "report", "score": 4.9, "tags": ["x"], "m": {"o": 1}})
    target.put(("docs", "a"), "2", {"kind": "memo", "score": 3.0, "tags": ["x", "y"]})
    target.put(("docs", "b"), "3", {"kind": "report", "score": 2.5, "m": {"o": 2}})
    target.put(("docs", "b", "c"), "4", {"kind": "report", "score": "5", "m": {"o": 1, "p": 0}})
    target.put(("notes",), "5", {"kind": "report", "score": 1})
    target.put(("docsx",), "6", {"kind": "report", "score": 0})


@pytest.mark.parametrize(
    ("prefix", "conditions"),
    [
        ((), None),
        (("docs",), None),
        (("docs", "b"), None),
        (("doc",), None),
        (("docs",), {"kind": "report"}),
        (("docs",), {"kind": {"$eq": "memo"}}),
        (("docs",), {"kind": {"$ne": "memo"}}),
        ((), {"score": {"$gt": 2.5}}),
        ((), {"score": {"$gte": 2.5}}),
        ((), {"score": {"$lt": 3}}),
        ((), {"score": {"$lte": 3, "$gt": 1}}),
        ((), {"tags": ["x"]}),
        ((), {"m": {"o": 1}}),
        ((), {"kind": "report", "m": {"o": 2}}),
        ((), {"missing": "x"}),
    ],
)
def test_search_by_prefix_and_filter_matches_the_reference(
    store: CMLStore,
    reference: InMemoryStore,
    prefix: tuple[str, ...],
    conditions: dict[str, Any] | None,
) -> None:
    def scenario(target: BaseStore) -> list[Any]:
        _fill(target)
        return sorted(_triples(target.search(prefix, filter=conditions, limit=50)))

    found = _same_on_both(store, reference, scenario)
    if prefix == ("docs",) and conditions is None:
        assert len(found) == 4  # not ("docsx",): a prefix matches whole labels


def test_search_pages_with_limit_and_offset(store: CMLStore) -> None:
    _fill(store)

    pages = [store.search(("docs",), limit=2, offset=offset) for offset in (0, 2, 4)]

    assert [len(page) for page in pages] == [2, 2, 0]
    keys = [item.key for page in pages for item in page]
    assert sorted(keys) == ["1", "2", "3", "4"]
    # Without a query: most recently updated first, and no score.
    assert keys == ["4", "3", "2", "1"]
    assert all(item.score is None for page in pages for item in page)


def test_search_with_an_unknown_operator_is_an_error(store: CMLStore) -> None:
    _fill(store)

    with pytest.raises(ValueError, match=r"\$regex"):
        store.search(("docs",), filter={"kind": {"$regex": "rep"}})


@pytest.mark.parametrize(
    ("prefix", "suffix", "max_depth", "limit", "offset"),
    [
        (None, None, None, 100, 0),
        (("docs",), None, None, 100, 0),
        (None, ("b",), None, 100, 0),
        (("docs", "*"), None, None, 100, 0),
        (None, ("*", "c"), None, 100, 0),
        (("docs",), ("c",), None, 100, 0),
        (None, None, 1, 100, 0),
        (("docs",), None, 2, 100, 0),
        (None, None, None, 2, 1),
        (("nothing",), None, None, 100, 0),
    ],
)
def test_list_namespaces_matches_the_reference(
    store: CMLStore,
    reference: InMemoryStore,
    prefix: tuple[str, ...] | None,
    suffix: tuple[str, ...] | None,
    max_depth: int | None,
    limit: int,
    offset: int,
) -> None:
    def scenario(target: BaseStore) -> list[tuple[str, ...]]:
        _fill(target)
        return target.list_namespaces(
            prefix=prefix, suffix=suffix, max_depth=max_depth, limit=limit, offset=offset
        )

    _same_on_both(store, reference, scenario)


def test_comparisons_skip_items_without_the_field(store: CMLStore) -> None:
    # As PostgreSQL compares a missing JSON field (the reference store raises instead).
    store.put(("a",), "with", {"score": 3})
    store.put(("a",), "without", {"other": 1})
    store.put(("a",), "text", {"score": "high"})

    assert [i.key for i in store.search(("a",), filter={"score": {"$gt": 1}})] == ["with"]
    assert [i.key for i in store.search(("a",), filter={"score": {"$ne": 3}})] == [
        "text",
        "without",
    ]


def test_a_namespace_whose_items_are_all_deleted_is_not_listed(store: CMLStore) -> None:
    # As LangGraph's PostgresStore, which lists the namespaces of stored items (the in-memory
    # reference keeps listing an emptied namespace).
    store.put(("docs", "gone"), "x", {"v": 1})
    store.put(("docs", "kept"), "y", {"v": 1})
    store.delete(("docs", "gone"), "x")

    assert store.list_namespaces(prefix=("docs",)) == [("docs", "kept")]


def test_batch_returns_one_result_per_op_in_order(store: CMLStore) -> None:
    store.put(("a",), "old", {"v": 0})

    results = store.batch(
        [
            PutOp(("a",), "new", {"v": 1}),
            GetOp(("a",), "new"),
            GetOp(("a",), "missing"),
            SearchOp(("a",), filter={"v": 0}),
            ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("a",)),)),
            PutOp(("a",), "old", None),
            GetOp(("a",), "old"),
        ]
    )

    assert len(results) == 7
    assert results[0] is None
    assert isinstance(results[1], Item)
    assert results[1].value == {"v": 1}
    assert results[2] is None
    assert _triples(results[3]) == [(("a",), "old", {"v": 0})]  # type: ignore[arg-type]
    assert results[4] == [("a",)]
    assert results[5] is None
    assert results[6] is None


def test_items_persist_in_the_memory_file(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        CMLStore(memory).put(("users", "ana"), "diet", {"text": "Ana is vegetarian"})

    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        item = CMLStore(memory).get(("users", "ana"), "diet")

    assert item is not None
    assert item.value == {"text": "Ana is vegetarian"}
    assert isinstance(item.updated_at, datetime)


def test_two_memories_of_one_key_read_as_the_latest_and_a_put_leaves_one(
    memory: cml.EmbeddedCognitiveMemoryLayer, store: CMLStore
) -> None:
    # What two processes putting a new key at the same moment leave behind: two memories.
    store.put(("a",), "k", {"v": "first"})
    first = memory.list_memories(namespace="langgraph").items[0]
    later = {**first.metadata["langgraph"], "value": '{"v": "second"}', "updated_at": "2100-01-01"}
    memory.write(
        "second",
        namespace="langgraph",
        session_id=first.session_id,
        memory_type="tool_result",
        metadata={**first.metadata, "langgraph": later},
    )

    item = store.get(("a",), "k")
    store.put(("a",), "k", {"v": "third"})

    assert item is not None
    assert item.value == {"v": "second"}
    assert store.get(("a",), "k").value == {"v": "third"}  # type: ignore[union-attr]
    assert len(memory.list_memories(namespace="langgraph").items) == 1
