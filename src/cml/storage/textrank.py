"""The bounded full-text probe and the partition's BM25, shared by both backends.

A full-text read has two costs that grow with the store when every query word is common:
scoring every document that holds a query word, and the ranking function reading each one. The
partition's term statistics (:meth:`~cml.storage.base.Search.term_statistics`) bound both
without counting anything at read time:

1. :func:`probe_words` keeps the words worth matching: a word held by more than half of the
   partition has no ranking value and is dropped; then, while the rest still match more than
   :data:`MATCH_BUDGET` of the partition's memories, the most frequent goes (it has the lowest
   idf); the rarest word always stays. If even that word matches more than the budget, the
   backend looks only at its :data:`RECENT_WINDOW` newest matches.
2. The backend ranks the matches cheaply (FTS5's own bm25, or PostgreSQL's ``ts_rank_cd``) and
   keeps :func:`rescore_size` of them; :func:`bm25` then scores those with the partition's
   statistics, so a word common in this partition weighs little even when it is rare in the rest
   of the store, and the reverse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from cml.storage.base import DEFAULT_STATUSES, MemoryFilter, TermStatistics

__all__ = [
    "K1",
    "MATCH_BUDGET",
    "RECENT_WINDOW",
    "B",
    "bm25",
    "described_by_statistics",
    "idf",
    "plan_probe",
    "probe_words",
    "rank_in_partition",
    "rescore_size",
]

MATCH_BUDGET = 3_000
"""Memories of the partition a probe may match before its most frequent words are dropped."""

RECENT_WINDOW = 1_000
"""Newest matches looked at when a single word alone matches more than :data:`MATCH_BUDGET`."""

K1 = 1.2
"""BM25's term-frequency saturation (FTS5's value)."""

B = 0.75
"""BM25's length normalisation (FTS5's value)."""


def described_by_statistics(filt: MemoryFilter) -> bool:
    """Whether every memory ``filt`` admits is one the partition statistics count.

    A read of retired or deleted memories, or of the past (``as_of``), is not.
    """
    return (
        filt.statuses is not None
        and set(filt.statuses) <= set(DEFAULT_STATUSES)
        and filt.as_of is None
    )


def probe_words(frequencies: Mapping[str, int], budget: int, ceiling: int) -> list[str]:
    """The words worth matching, in query order.

    Drops words that match nothing or more than ``ceiling`` documents, then the most frequent
    ones until the rest match at most ``budget`` documents (the rarest is always kept).

    Example:
        >>> frequencies = {"alice": 900, "dog": 40, "the": 4000, "note": 9000, "zebra": 0}
        >>> probe_words(frequencies, budget=1000, ceiling=5000)
        ['alice', 'dog']
    """
    kept = {token: df for token, df in frequencies.items() if 0 < df <= ceiling}
    for token, _ in sorted(kept.items(), key=lambda item: -item[1]):
        if sum(kept.values()) <= budget or len(kept) == 1:
            break
        del kept[token]
    return [token for token in frequencies if token in kept]


class Probe(NamedTuple):
    """What to match: the words :func:`probe_words` keeps, and how many memories they match."""

    words: list[str]
    matched: int

    @property
    def windowed(self) -> bool:
        """Whether only the :data:`RECENT_WINDOW` newest matches are looked at."""
        return self.matched > MATCH_BUDGET


def plan_probe(statistics: TermStatistics) -> Probe:
    """The probe of a partition for the words its statistics describe."""
    frequencies = statistics.frequencies
    ceiling = max(statistics.documents // 2, MATCH_BUDGET)
    words = probe_words(frequencies, MATCH_BUDGET, ceiling)
    return Probe(words, sum(frequencies[w] for w in words))


def rescore_size(limit: int) -> int:
    """How many of the cheaply ranked matches :func:`bm25` scores again for ``limit`` results."""
    return 2 * limit


def idf(documents: int, frequency: int) -> float:
    """The inverse document frequency of a word held by ``frequency`` of ``documents``.

    The form that never goes negative (a word in most documents weighs almost nothing, never
    less than nothing).

    Example:
        >>> round(idf(1000, 10), 2), round(idf(1000, 900), 2)
        (4.55, 0.11)
    """
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def bm25(
    counts: Mapping[str, int], length: int, weights: Mapping[str, float], average: float
) -> float:
    """BM25 of one document.

    Args:
        counts: How often the document holds each query word (absent: 0).
        length: The document's length in words.
        weights: Each query word's :func:`idf` in the partition.
        average: The average length of the documents compared.

    Example:
        >>> weights = {"dog": idf(100, 5), "walk": idf(100, 50)}
        >>> bm25({"dog": 1}, 4, weights, 8.0) > bm25({"walk": 1}, 4, weights, 8.0)
        True
    """
    norm = K1 * (1 - B + B * length / average) if average > 0 else K1
    score = 0.0
    for word, weight in weights.items():
        tf = counts.get(word, 0)
        if tf:
            score += weight * tf * (K1 + 1) / (tf + norm)
    return score


class Candidate(NamedTuple):
    """A full-text match to score: its id, length in words, and how often it holds each word."""

    memory_id: str
    length: int
    counts: Mapping[str, int]


def rank_in_partition(
    candidates: Sequence[Candidate], statistics: TermStatistics, limit: int
) -> list[tuple[str, float]]:
    """The ``limit`` best candidates by :func:`bm25` with the partition's statistics.

    A candidate's score depends on the partition alone, never on the other candidates: the
    average length is the partition's.

    Args:
        candidates: The matches to score.
        statistics: The partition's statistics of the query words.
        limit: How many to return.

    Returns:
        ``(memory_id, score)``, best first (ties in the candidates' order).
    """
    documents = statistics.documents
    weights = {word: idf(documents, n) for word, n in statistics.frequencies.items()}
    average = statistics.average_length
    scored = [(c.memory_id, bm25(c.counts, c.length, weights, average)) for c in candidates]
    scored.sort(key=lambda hit: hit[1], reverse=True)
    return scored[:limit]
