"""Full-text search of the SQLite backend on a store where words are common."""

from __future__ import annotations

from pathlib import Path

import pytest

from cml.storage import MemoryFilter
from cml.storage.sqlite import SQLiteStore
from cml.storage.sqlite.lexical import PREFILTER, _count_all, _count_each
from cml.storage.sqlite.terms import WORD, lowered_words
from cml.storage.textrank import MATCH_BUDGET, RECENT_WINDOW

from ..conftest import insert, make_record


def test_a_query_of_common_words_still_finds_the_newest_matches(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    try:
        # "dog" is in too many memories to score them all, yet in fewer than half of them.
        count = MATCH_BUDGET + 500
        records = [
            make_record(f"walked the dog in the park, entry {i}", minutes=i, embed=False)
            for i in range(count)
        ]
        others = [make_record(f"read a book, entry {i}", embed=False) for i in range(count + 100)]
        for start in range(0, len(others), 1000):
            insert(store, *others[start : start + 1000], *records[start : start + 1000])
        insert(store, make_record("the cat slept all day", minutes=count, embed=False))

        found = store.lexical_search(MemoryFilter("acme"), "dog", 20)
        rarer = store.lexical_search(MemoryFilter("acme"), "dog cat", 5)
    finally:
        store.close()

    newest = {r.id for r in records[-RECENT_WINDOW:]}
    assert len(found) == 20
    assert {memory_id for memory_id, _ in found} <= newest
    # A rare word keeps the query precise: the one memory about the cat comes first.
    assert rarer[0][0] not in {r.id for r in records}


CROWDS = [(30, "namespace"), (300, "namespace"), (PREFILTER + 100, "namespace")]
CROWDS += [(PREFILTER + 100, "tenant")]


@pytest.mark.parametrize(("crowd", "whose"), CROWDS, ids=[f"{w}-{c}" for c, w in CROWDS])
def test_matches_the_filter_turns_away_leave_the_best_admitted_ones(
    tmp_path: Path, crowd: int, whose: str
) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    try:
        # Another namespace's (or tenant's) short memories rank above every one of ours in the
        # whole index: some (30), all (300) or more than the prefilter holds of the best matches
        # are theirs. Beside another tenant, ours have no namespace and are read tenant-wide.
        beside = whose == "namespace"
        ours_in, their_tenant, their_namespace = (
            ("a", "acme", "b") if beside else (None, "other", None)
        )
        theirs = [
            make_record("dog dog", tenant_id=their_tenant, namespace=their_namespace, embed=False)
            for _ in range(crowd)
        ]
        ours = [
            make_record("dog" + " and more" * k, namespace=ours_in, minutes=k, embed=False)
            for k in range(60)
        ]
        insert(store, *theirs, *reversed(ours))
        found = store.lexical_search(MemoryFilter("acme", namespace=ours_in), "dog", 20)
    finally:
        store.close()

    # Ours, the shortest (best) first, and as many as asked.
    assert [memory_id for memory_id, _ in found] == [r.id for r in ours[:20]]


def test_a_memory_moved_to_another_namespace_is_found_there_only(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    try:
        # Enough of other namespaces that each read matches inside its own namespace.
        crowd = [make_record(f"dog {i}", namespace=f"n{i % 7}", embed=False) for i in range(50)]
        moved = make_record("the dog barked at the mail", namespace="a", embed=False)
        insert(store, *crowd, moved)
        moved.namespace = "b"
        with store.transaction() as tx:
            tx.update(moved)
        in_a = store.lexical_search(MemoryFilter("acme", namespace="a"), "barked", 5)
        in_b = store.lexical_search(MemoryFilter("acme", namespace="b"), "barked", 5)
    finally:
        store.close()

    assert (in_a, [memory_id for memory_id, _ in in_b]) == ([], [moved.id])


@pytest.mark.parametrize(
    "text",
    [
        "Joanna: bye, Nate! (snake_case) -- it's 10:30 at the café",
        "tabs\tand\nnew lines\r\x0b\x0c\x1f and_under_scores__ 4x4 C3PO",
        "Kelvin \u212a and \u0130stanbul: lowercasing turns some into ASCII",
        "ŠKODA Ωmega 東京 naïve résumé",
        "",
        "!!! ??? ...",
    ],
)
def test_rescored_documents_are_split_into_the_words_the_index_counts(text: str) -> None:
    # The rescoring's document length and word counts must be those of the same words as the
    # partition's average length: runs of letters and digits, whatever the text's alphabet.
    assert lowered_words(text) == WORD.findall(text.lower())


def test_both_ways_of_counting_query_words_in_a_text_agree() -> None:
    # A rescored text's query words are counted one by one for a few words, all at once for
    # many: the counts (and so the ranking) must not depend on which.
    text = lowered_words("The dog and the dogs, a cat; the DOG sat with the cat and a bird " * 3)
    which = {"dog": "dog", "dogs": "dog", "cat": "cat", "bird": "bird", "fish": "fish"}
    for size in range(len(which) + 1):
        some = dict(list(which.items())[:size])
        assert _count_each(text, some) == _count_all(text, some)
    assert _count_all(text, which) == {"dog": 9, "cat": 6, "bird": 3}
