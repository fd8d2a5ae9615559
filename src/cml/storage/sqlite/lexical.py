"""Full-text search of the SQLite backend: FTS5 bm25, kept fast on large stores.

Two costs dominate a bm25 query over FTS5: scoring every document that matches any query word,
and joining each of them with ``memories`` to apply the tenant/status filter. A word that
appears in most memories (a name in a one-user store, "today" in a diary) makes both grow with
the store. So:

1. In a large index, a word found in more than half of the memories has no ranking value
   (bm25 gives it an idf of zero) and is dropped. Then, while the remaining words still match
   more than :data:`MATCH_BUDGET` documents, the most frequent is dropped (it has the lowest
   idf); the rarest word is always kept. Document frequencies come from FTS5 itself: counting a
   doclist costs a fraction of scoring it, and the count stops at half the index. When even
   the rarest word matches more than the budget (every word of the query is common), only its
   :data:`RECENT_WINDOW` newest matches are scored: such a word says little about relevance,
   the vector search still sees every memory, and the cost of the query stays bounded.
2. The best :data:`PREFILTER` documents are ranked inside FTS5 alone and only those are joined
   with ``memories``. If fewer than ``limit`` of them pass the filter (other tenants' memories
   crowd the top), the query runs again with the join over every match.

Facts written by consolidation live in an index of their own (``derived_fts``, see schema v3),
searched only when the filter admits semantic facts; the two lists merge by score.
"""

from __future__ import annotations

import sqlite3

from cml.storage.base import DEFAULT_STATUSES, MemoryFilter
from cml.storage.fts import match_expression, query_tokens
from cml.storage.sql.rows import filter_sql
from cml.storage.sqlite.dialect import SQLITE
from cml.storage.sqlite.terms import term_statistics

MATCH_BUDGET = 3_000
"""Documents a query may match before its most frequent words are dropped."""

PREFILTER = 500
"""Documents ranked by FTS5 alone before the join with the filter."""

RECENT_WINDOW = 1_000
"""Newest matches scored when a single word alone matches more than :data:`MATCH_BUDGET`."""


PRIMARY_INDEX = "memories_fts"
DERIVED_INDEX = "derived_fts"
"""Full-text index of derived memories: semantic facts whose metadata ``source`` is
``consolidation``."""


def _indexes(filt: MemoryFilter) -> tuple[str, ...]:
    """The full-text indexes that can hold memories the filter admits."""
    if filt.memory_types is None or "semantic_fact" in filt.memory_types:
        return (PRIMARY_INDEX, DERIVED_INDEX)
    return (PRIMARY_INDEX,)


def _document_frequencies(
    conn: sqlite3.Connection, index: str, tokens: list[str], cap: int
) -> dict[str, int]:
    """Documents of ``index`` matching each token, counted up to ``cap``."""
    return {
        token: int(
            conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {index} WHERE {index} MATCH ? LIMIT ?)",
                (match_expression([token]), cap),
            ).fetchone()[0]
        )
        for token in tokens
    }


def _indexed_rows(conn: sqlite3.Connection) -> int:
    # The largest rowid bounds the row count from above at the cost of one b-tree descent;
    # counting the FTS table would read all of it.
    row = conn.execute("SELECT max(pk) FROM memories").fetchone()
    return int(row[0] or 0)


def prune_tokens(frequencies: dict[str, int], budget: int, ceiling: int) -> list[str]:
    """The words worth scoring, in query order.

    Drops words that match nothing or more than ``ceiling`` documents, then the most frequent
    ones until the rest match at most ``budget`` documents (the rarest is always kept).

    Example:
        >>> frequencies = {"alice": 900, "dog": 40, "the": 4000, "note": 9000, "zebra": 0}
        >>> prune_tokens(frequencies, budget=1000, ceiling=5000)
        ['alice', 'dog']
    """
    kept = {token: df for token, df in frequencies.items() if 0 < df <= ceiling}
    for token, _ in sorted(kept.items(), key=lambda item: -item[1]):
        if sum(kept.values()) <= budget or len(kept) == 1:
            break
        del kept[token]
    return [token for token in frequencies if token in kept]


def lexical_search(
    conn: sqlite3.Connection, filt: MemoryFilter, query: str, limit: int
) -> list[tuple[str, float]]:
    """BM25-ranked matches of any (informative) word of ``query``, higher score first."""
    tokens = query_tokens(query)
    if not tokens or limit <= 0:
        return []
    hits: list[tuple[str, float]] = []
    for index in _indexes(filt):
        frequencies, ceiling = _frequencies(conn, index, filt, tokens)
        hits.extend(_search_index(conn, index, filt, tokens, limit, frequencies, ceiling))
    hits.sort(key=lambda hit: hit[1], reverse=True)
    return hits[:limit]


def _frequencies(
    conn: sqlite3.Connection, index: str, filt: MemoryFilter, tokens: list[str]
) -> tuple[dict[str, int], int]:
    """Each token's document frequency, and the frequency above which a token is dropped.

    The primary index takes them from the partition's statistics (a few lookups) when the
    filter reads only what they count; otherwise (the derived index, a read of retired or
    deleted memories) they are counted in the index, up to half of it.
    """
    if index == PRIMARY_INDEX and _counted(filt):
        documents, frequencies = term_statistics(conn, filt.tenant_id, filt.namespace, tokens)
        return frequencies, max(documents // 2, MATCH_BUDGET)
    # A small store is cheap to score in full, and there every match may be worth showing.
    ceiling = max(_indexed_rows(conn) // 2, MATCH_BUDGET)
    return _document_frequencies(conn, index, tokens, ceiling + 1), ceiling


def _counted(filt: MemoryFilter) -> bool:
    """Whether every memory ``filt`` admits is one the partition statistics count."""
    return (
        filt.statuses is not None
        and set(filt.statuses) <= set(DEFAULT_STATUSES)
        and filt.as_of is None
    )


def _search_index(
    conn: sqlite3.Connection,
    index: str,
    filt: MemoryFilter,
    tokens: list[str],
    limit: int,
    frequencies: dict[str, int],
    ceiling: int,
) -> list[tuple[str, float]]:
    kept = prune_tokens(frequencies, MATCH_BUDGET, ceiling)
    if not kept:
        return []
    match = match_expression(kept)
    where, params = filter_sql(SQLITE, filt)
    matched = sum(frequencies[t] for t in kept)
    if matched > MATCH_BUDGET:
        # Only the rarest word is left and it alone matches too much: score its newest matches.
        candidates = (
            f"SELECT rowid, rank FROM (SELECT rowid, bm25({index}) AS rank FROM {index}"
            f" WHERE {index} MATCH ? ORDER BY rowid DESC LIMIT {RECENT_WINDOW})"
            f" ORDER BY rank LIMIT {PREFILTER}"
        )
    else:
        candidates = (
            f"SELECT rowid, bm25({index}) AS rank FROM {index}"
            f" WHERE {index} MATCH ? ORDER BY rank LIMIT {PREFILTER}"
        )
    rows = conn.execute(
        f"WITH top AS ({candidates})"
        " SELECT m.id, top.rank FROM top JOIN memories AS m ON m.pk = top.rowid"
        f" WHERE {where} ORDER BY top.rank LIMIT ?",
        (match, *params, limit),
    ).fetchall()
    # Fewer than ``limit`` survivors is final only when the prefilter saw every match.
    if len(rows) < limit and matched > PREFILTER:
        rows = conn.execute(
            f"SELECT m.id, bm25({index}) AS rank FROM {index}"
            f" JOIN memories AS m ON m.pk = {index}.rowid"
            f" WHERE {index} MATCH ? AND {where} ORDER BY rank LIMIT ?",
            (match, *params, limit),
        ).fetchall()
    # bm25() is smaller for better matches; flip it so that higher is better.
    return [(memory_id, -float(rank)) for memory_id, rank in rows]
