"""The bounded full-text probe and partition BM25, and what they change in a search."""

from __future__ import annotations

from cml.storage import MemoryFilter, MemoryStore
from cml.storage.textrank import bm25, idf, probe_words

from .conftest import insert, make_record


def test_a_word_in_every_memory_is_not_worth_scoring() -> None:
    frequencies = {"alice": 90, "the": 6000, "dog": 10}
    assert probe_words(frequencies, budget=1000, ceiling=5000) == ["alice", "dog"]
    # The most frequent words go first until the rest fit the budget; the rarest always stays.
    assert probe_words({"a": 800, "b": 700, "c": 600}, budget=1000, ceiling=5000) == ["c"]


def test_bm25_prefers_rare_words_short_documents_and_repetition() -> None:
    weights = {"guitar": idf(100, 2), "nate": idf(100, 60)}
    assert bm25({"guitar": 1}, 10, weights, 10.0) > bm25({"nate": 1}, 3, weights, 10.0)
    assert bm25({"guitar": 1}, 5, weights, 10.0) > bm25({"guitar": 1}, 20, weights, 10.0)
    assert bm25({"guitar": 2}, 10, weights, 10.0) > bm25({"guitar": 1}, 10, weights, 10.0)
    assert bm25({}, 10, weights, 10.0) == 0.0


def test_words_weigh_by_the_partition_searched_not_the_whole_store(store: MemoryStore) -> None:
    # In the conversation "nate" is everywhere and "guitar" rare; in the rest of the store the
    # reverse. Within the conversation, the guitar memory is what the query is about.
    conversation = [
        make_record(f"Nate: see you {day}", namespace="conv", minutes=i)
        for i, day in enumerate(["monday", "tuesday", "friday", "soon", "later", "tonight"])
    ]
    guitar = make_record(
        "Joanna: I finally bought a second hand guitar from a shop downtown",
        namespace="conv",
        minutes=10,
    )
    elsewhere = [
        make_record(f"guitar lesson number {i}", namespace="music", minutes=i) for i in range(40)
    ]
    insert(store, *conversation, guitar, *elsewhere)
    found = store.lexical_search(MemoryFilter("acme", namespace="conv"), "nate guitar", 10)
    assert found[0][0] == guitar.id
    assert {i for i, _ in found} == {guitar.id, *(r.id for r in conversation)}
