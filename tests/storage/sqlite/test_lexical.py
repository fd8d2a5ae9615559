"""Full-text search of the SQLite backend on a store where words are common."""

from __future__ import annotations

from pathlib import Path

import pytest

from cml.storage import MemoryFilter
from cml.storage.sqlite import SQLiteStore
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


@pytest.mark.parametrize("crowd", [30, 300])
def test_matches_the_filter_turns_away_leave_the_best_admitted_ones(
    tmp_path: Path, crowd: int
) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    try:
        # Another namespace's short memories rank above every one of ours in the whole index:
        # some (30) or all (300) of the best matches read first are turned away by the filter.
        theirs = [make_record("dog dog", namespace="b", embed=False) for _ in range(crowd)]
        ours = [
            make_record("dog" + " and more" * k, namespace="a", minutes=k, embed=False)
            for k in range(60)
        ]
        insert(store, *theirs, *reversed(ours))
        found = store.lexical_search(MemoryFilter("acme", namespace="a"), "dog", 20)
    finally:
        store.close()

    # Ours, the shortest (best) first, and as many as asked.
    assert [memory_id for memory_id, _ in found] == [r.id for r in ours[:20]]


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
