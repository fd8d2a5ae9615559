"""CMLStore's semantic search through py-cml's recall, its limits, and the write gate."""

from __future__ import annotations

import pytest

import cml
from cml.integrations.langgraph import CMLStore


@pytest.fixture
def store(memory: cml.EmbeddedCognitiveMemoryLayer) -> CMLStore:
    return CMLStore(memory, index_fields=["text"])


def _fill(store: CMLStore) -> None:
    store.put(("users", "ana"), "diet", {"text": "Ana is vegetarian and loves lentil soup"})
    store.put(("users", "ana"), "city", {"text": "Ana lives in Porto near the river"})
    store.put(("users", "bo"), "diet", {"text": "Bo eats fish and rice every day"})
    store.put(("users", "bo"), "job", {"text": "Bo works as a nurse at night"})


def test_a_query_ranks_the_matching_item_first_with_a_score(store: CMLStore) -> None:
    _fill(store)

    hits = store.search(("users",), query="vegetarian lentil soup")

    assert hits[0].namespace == ("users", "ana")
    assert hits[0].key == "diet"
    assert hits[0].score is not None
    assert all(0.0 <= (h.score or 0.0) <= 1.0 for h in hits)
    scores = [h.score or 0.0 for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_query_stays_inside_the_prefix_and_the_filter(store: CMLStore) -> None:
    _fill(store)

    hits = store.search(("users", "bo"), query="vegetarian lentil soup")
    filtered = store.search(("users",), query="diet", filter={"text": {"$ne": "x"}}, limit=2)

    assert hits
    assert {h.namespace for h in hits} == {("users", "bo")}
    assert len(filtered) == 2


def test_the_query_matches_the_indexed_fields_only(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    store = CMLStore(memory, index_fields=["summary"])
    store.put(("docs",), "a", {"summary": "quarterly budget figures", "body": "zebra giraffe"})
    store.put(("docs",), "b", {"summary": "zebra giraffe safari", "body": "budget"})

    assert store.search(("docs",), query="zebra giraffe")[0].key == "b"
    # A put may name its own fields.
    store.put(("docs",), "c", {"summary": "nothing", "body": "okapi"}, index=["body"])
    assert store.search(("docs",), query="okapi")[0].key == "c"


def test_an_item_put_with_index_false_is_found_by_filter_but_not_by_query(
    store: CMLStore,
) -> None:
    store.put(("docs",), "hidden", {"text": "secret garden party"}, index=False)
    store.put(("docs",), "shown", {"text": "public garden party"})

    assert [h.key for h in store.search(("docs",), query="garden party")] == ["shown"]
    assert sorted(h.key for h in store.search(("docs",))) == ["hidden", "shown"]
    assert store.get(("docs",), "hidden") is not None


def test_items_are_memories_that_py_cml_recall_sees(
    memory: cml.EmbeddedCognitiveMemoryLayer, store: CMLStore
) -> None:
    _fill(store)

    recalled = memory.read("Where does Ana live?", namespace="langgraph")

    assert "Ana lives in Porto" in recalled.memories[0].text
    assert memory.stats(namespace="langgraph").total_memories == 4


def test_a_store_keeps_to_its_own_py_cml_namespace(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    one = CMLStore(memory, namespace="app-one")
    two = CMLStore(memory, namespace="app-two")
    one.put(("users",), "k", {"text": "belongs to app one"})
    memory.write("An unrelated memory about users", namespace="app-one")

    assert two.get(("users",), "k") is None
    assert two.search(("users",), query="belongs") == []
    assert two.list_namespaces() == []
    assert [h.key for h in one.search(("users",), query="users")] == ["k"]


def test_a_value_holding_a_secret_is_refused_and_nothing_is_stored(store: CMLStore) -> None:
    with pytest.raises(cml.ValidationError) as refused:
        store.put(("keys",), "aws", {"text": "aws key AKIAIOSFODNN7EXAMPLE"})

    assert refused.value.code == "secret_detected"
    assert store.get(("keys",), "aws") is None


def test_a_value_too_large_for_one_memory_names_the_limit(store: CMLStore) -> None:
    with pytest.raises(ValueError, match="bytes per item"):
        store.put(("big",), "k", {"text": "x" * 20_000})

    assert store.get(("big",), "k") is None


def test_a_value_that_is_not_json_is_refused(store: CMLStore) -> None:
    with pytest.raises(ValueError, match="JSON"):
        store.put(("bad",), "k", {"when": object()})
    with pytest.raises(ValueError, match="JSON"):
        store.put(("bad",), "k", {"ratio": float("nan")})


def test_ttl_is_refused_as_unsupported(store: CMLStore) -> None:
    assert store.supports_ttl is False
    with pytest.raises(NotImplementedError):
        store.put(("a",), "k", {"v": 1}, ttl=5)


def test_personal_data_in_a_value_comes_back_redacted(store: CMLStore) -> None:
    store.put(("users",), "contact", {"text": "mail ana@example.com", "n": 1})

    item = store.get(("users",), "contact")

    assert item is not None
    assert item.value == {"text": "mail [REDACTED_EMAIL]", "n": 1}
