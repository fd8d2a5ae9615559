"""Contract: lexical and vector search, their filters, and how status changes affect them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cml.errors import InvalidInputError
from cml.storage import MemoryFilter, MemoryRecord, MemoryStore

from .conftest import EMBEDDER, T0, insert, make_record, query_vector

HOSTILE_QUERIES = [
    '"',
    '""""',
    "'; DROP TABLE memories; --",
    "coffee AND OR NOT",
    "NEAR(coffee tea, 2)",
    "content:coffee",
    "coff*",
    "^coffee",
    "(coffee",
    "coffee)",
    "-coffee +tea",
    "{content}: coffee",
    "коФе and 咖啡 and café",
    "🔥☕🔥",
    "\x00coffee\x00",
    "a" * 5000,
    " ".join(f"word{i}" for i in range(500)),
    "\\ / ? : * | < > ~ ` @ # $ % & = [ ]",
]


@pytest.fixture
def pantry(store: MemoryStore) -> list[str]:
    records = insert(
        store,
        make_record("Alice drinks black coffee every morning", minutes=0),
        make_record("Bob prefers green tea with honey", minutes=10, namespace="bob"),
        make_record("The coffee machine on floor two is broken", minutes=20, session_id="s2"),
        make_record("Quarterly revenue grew by ten percent", minutes=30),
        make_record("Café au lait is coffee with hot milk", minutes=40),
    )
    return [r.id for r in records]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_lexical_search_accepts_any_text(store: MemoryStore, pantry: list[str], query: str) -> None:
    results = store.lexical_search(MemoryFilter("acme"), query, 10)
    assert all(memory_id in pantry for memory_id, _ in results)


def test_lexical_search_finds_words_and_ranks_best_first(
    store: MemoryStore, pantry: list[str]
) -> None:
    results = store.lexical_search(MemoryFilter("acme"), "broken coffee machine?", 10)

    ids = [memory_id for memory_id, _ in results]
    assert ids[0] == pantry[2]
    assert set(ids) == {pantry[0], pantry[2], pantry[4]}
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True)


def test_lexical_search_stems_and_folds_case(store: MemoryStore, pantry: list[str]) -> None:
    results = store.lexical_search(MemoryFilter("acme"), "DRINKING Mornings", 10)
    assert [memory_id for memory_id, _ in results] == [pantry[0]]


def test_lexical_search_handles_unicode_words(store: MemoryStore, pantry: list[str]) -> None:
    results = store.lexical_search(MemoryFilter("acme"), "café", 10)
    assert [memory_id for memory_id, _ in results] == [pantry[4]]


@pytest.mark.parametrize("query", ["", "   ", "the and of", "?!", "🔥"])
def test_lexical_search_without_usable_words_is_empty(
    store: MemoryStore, pantry: list[str], query: str
) -> None:
    assert store.lexical_search(MemoryFilter("acme"), query, 10) == []


def test_lexical_search_applies_filter_and_limit(store: MemoryStore, pantry: list[str]) -> None:
    def ids(filt: MemoryFilter, query: str = "coffee tea", limit: int = 10) -> set[str]:
        return {memory_id for memory_id, _ in store.lexical_search(filt, query, limit)}

    assert ids(MemoryFilter("acme", namespace="bob")) == {pantry[1]}
    assert ids(MemoryFilter("acme", session_id="s2")) == {pantry[2]}
    assert ids(MemoryFilter("acme", since=T0 + timedelta(minutes=15))) == {pantry[2], pantry[4]}
    assert ids(MemoryFilter("acme", until=T0 + timedelta(minutes=5))) == {pantry[0]}
    assert ids(MemoryFilter("acme", memory_types=["preference"])) == set()
    assert len(ids(MemoryFilter("acme"), limit=2)) == 2
    assert ids(MemoryFilter("globex")) == set()


def test_vector_search_ranks_by_similarity(store: MemoryStore, pantry: list[str]) -> None:
    results = store.vector_search(MemoryFilter("acme"), query_vector("green tea with honey"), 3)

    assert results[0][0] == pantry[1]
    assert results[0][1] > 0.8
    assert [s for _, s in results] == sorted((s for _, s in results), reverse=True)
    assert len(results) == 3


def test_vector_search_applies_filter(store: MemoryStore, pantry: list[str]) -> None:
    vector = query_vector("coffee")

    def ids(filt: MemoryFilter) -> set[str]:
        return {memory_id for memory_id, _ in store.vector_search(filt, vector, 10)}

    assert ids(MemoryFilter("acme")) == set(pantry)
    assert ids(MemoryFilter("acme", namespace="bob")) == {pantry[1]}
    assert ids(MemoryFilter("acme", namespace="nobody")) == set()
    assert ids(MemoryFilter("acme", session_id="s2")) == {pantry[2]}
    assert ids(MemoryFilter("acme", memory_types=["preference"])) == set()
    assert ids(MemoryFilter("acme", memory_types=["episodic_event"])) == set(pantry)
    assert ids(MemoryFilter("acme", memory_types=[])) == set()
    assert ids(MemoryFilter("acme", statuses=[])) == set()
    since, until = T0 + timedelta(minutes=10), T0 + timedelta(minutes=30)
    assert ids(MemoryFilter("acme", since=since, until=until)) == set(pantry[1:4])
    assert ids(MemoryFilter("acme", statuses=["silent"])) == set()


def test_vector_search_refuses_a_vector_of_the_wrong_size(
    store: MemoryStore, pantry: list[str]
) -> None:
    with pytest.raises(InvalidInputError):
        store.vector_search(MemoryFilter("acme"), query_vector("tea")[:10], 3)


def test_status_changes_reach_both_searches(store: MemoryStore, pantry: list[str]) -> None:
    tea = pantry[1]
    default, everything = MemoryFilter("acme"), MemoryFilter("acme", statuses=None)
    vector = query_vector("green tea with honey")

    def found(filt: MemoryFilter) -> tuple[bool, bool]:
        lexical = {i for i, _ in store.lexical_search(filt, "green tea honey", 10)}
        vectors = {i for i, _ in store.vector_search(filt, vector, 10)}
        return tea in lexical, tea in vectors

    assert found(default) == (True, True)
    with store.transaction() as tx:
        assert tx.set_status("acme", [tea], "silent", T0) == 1
    assert found(default) == (False, False)
    assert found(everything) == (True, True)
    assert found(MemoryFilter("acme", statuses=["silent"])) == (True, True)

    with store.transaction() as tx:
        tx.set_status("acme", [tea], "deleted", T0 + timedelta(hours=1))
    deleted = store.get("acme", tea)
    assert deleted is not None
    assert deleted.status == "deleted"
    assert deleted.deleted_at == T0 + timedelta(hours=1)

    with store.transaction() as tx:
        tx.set_status("acme", [tea], "active", T0)
    restored = store.get("acme", tea)
    assert restored is not None
    assert restored.deleted_at is None
    assert found(default) == (True, True)


def test_hard_delete_leaves_both_searches(store: MemoryStore, pantry: list[str]) -> None:
    # Search first so that the vector index is loaded before the delete.
    assert store.vector_search(MemoryFilter("acme"), query_vector("tea"), 10)
    with store.transaction() as tx:
        assert tx.hard_delete("acme", [pantry[1], pantry[3]]) == 2

    everything = MemoryFilter("acme", statuses=None)
    vector_ids = {i for i, _ in store.vector_search(everything, query_vector("green tea"), 10)}
    assert vector_ids == {pantry[0], pantry[2], pantry[4]}
    assert store.lexical_search(everything, "green tea honey revenue", 10) == []
    assert store.get("acme", pantry[1]) is None


def test_update_reaches_both_searches(store: MemoryStore, pantry: list[str]) -> None:
    filt = MemoryFilter("acme")
    assert store.vector_search(filt, query_vector("tea"), 1)  # load the index
    record = store.get("acme", pantry[3])
    assert record is not None
    new_content = "Revenue is now reported in euros and kroner"
    record = replace(
        record, content=new_content, embedding=EMBEDDER.embed([new_content])[0], namespace="fin"
    )
    with store.transaction() as tx:
        tx.update(record)

    assert [i for i, _ in store.lexical_search(filt, "kroner", 5)] == [pantry[3]]
    assert store.lexical_search(filt, "quarterly", 5) == []
    top = store.vector_search(filt, query_vector(new_content), 1)
    assert top[0][0] == pantry[3]
    assert top[0][1] == pytest.approx(1.0, abs=1e-5)
    in_fin = store.vector_search(MemoryFilter("acme", namespace="fin"), query_vector("x"), 5)
    assert [i for i, _ in in_fin] == [pantry[3]]


def test_search_sees_memories_written_after_the_index_loaded(store: MemoryStore) -> None:
    filt = MemoryFilter("acme")
    assert store.vector_search(filt, query_vector("anything"), 5) == []
    (record,) = insert(store, make_record("a late arrival about penguins"))
    assert [i for i, _ in store.vector_search(filt, query_vector("penguins"), 5)] == [record.id]


def _consolidated_fact(content: str, minutes: float) -> MemoryRecord:
    return make_record(
        content,
        minutes=minutes,
        memory_type="semantic_fact",
        metadata={"source": "consolidation"},
    )


def test_consolidated_facts_leave_the_ranking_of_other_memories_unchanged(
    store: MemoryStore, pantry: list[str]
) -> None:
    # A read that leaves facts out must rank as it did before consolidation wrote its gists:
    # full-text statistics (bm25's word weights) must not count the gists.
    without_facts = MemoryFilter("acme", memory_types=["episodic_event"])
    before = store.lexical_search(without_facts, "coffee machine broken", 10)
    fact = _consolidated_fact("coffee coffee machine coffee broken machine coffee", 50)
    insert(store, fact)

    assert store.lexical_search(without_facts, "coffee machine broken", 10) == before
    everything = store.lexical_search(MemoryFilter("acme"), "coffee machine broken", 10)
    assert fact.id in [memory_id for memory_id, _ in everything]
    only_facts = MemoryFilter("acme", memory_types=["semantic_fact"])
    assert [m for m, _ in store.lexical_search(only_facts, "coffee", 10)] == [fact.id]


def test_a_fact_stays_searchable_when_its_origin_changes(store: MemoryStore) -> None:
    (fact,) = insert(store, _consolidated_fact("The team meets on Tuesdays", 0))
    own = replace(fact, metadata={"source": "user"}, content="The team meets on Wednesdays")
    with store.transaction() as tx:
        tx.update(own)
    facts = MemoryFilter("acme", memory_types=["semantic_fact"])

    assert [m for m, _ in store.lexical_search(facts, "wednesdays", 10)] == [fact.id]
    assert store.lexical_search(facts, "tuesdays", 10) == []
    with store.transaction() as tx:
        tx.update(replace(own, metadata={"source": "consolidation"}))
    assert [m for m, _ in store.lexical_search(facts, "wednesdays", 10)] == [fact.id]
    with store.transaction() as tx:
        tx.hard_delete("acme", [fact.id])
    assert store.lexical_search(facts, "wednesdays", 10) == []
