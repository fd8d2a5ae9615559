"""Full-text search of the SQLite backend: FTS5 matches, ranked with the partition's statistics.

Two costs dominate a bm25 query over FTS5: scoring every document that matches any query word,
and joining each of them with ``memories`` to apply the tenant/status filter. A word that
appears in most memories (a name in a one-user store, "today" in a diary) makes both grow with
the store. So:

1. The words are chosen by :func:`cml.storage.textrank.probe_words` from the partition's term
   statistics (looked up, never counted); when the rarest word alone matches more than the
   budget, only its :data:`~cml.storage.textrank.RECENT_WINDOW` newest matches are scored.
2. The best :data:`PREFILTER` documents are ranked inside FTS5 alone and only those are joined
   with ``memories``. A partition that holds a small share of the index is matched inside it:
   each memory's partition is a token of the index's column :data:`PART_COLUMN` (schema v12),
   so FTS5 ranks the partition's matches only instead of every match in the table. If fewer
   than needed pass the filter and the prefilter was cut short, the query runs again with the
   join over every match.
3. FTS5's bm25 weighs words by the whole index, across tenants and namespaces; the
   :func:`~cml.storage.textrank.rescore_size` best of its matches are scored again with the
   partition's statistics (:func:`~cml.storage.textrank.bm25`), words split as the index splits
   them (:func:`~cml.storage.sqlite.terms.word_terms`).

A read the statistics do not describe (retired or deleted memories included, ``as_of``) keeps
FTS5's bm25 and counts its words' matches in the index instead.

Facts written by consolidation live in an index of their own (``derived_fts``, see schema v3),
searched only when the filter admits semantic facts, ranked by FTS5's bm25 over that index; the
two lists merge by score.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from cml.storage.base import MemoryFilter
from cml.storage.fts import match_expression, query_tokens
from cml.storage.sql.rows import filter_sql
from cml.storage.sqlite.dialect import CHUNK, SQLITE
from cml.storage.sqlite.terms import lowered_words, term_statistics, word_terms
from cml.storage.textrank import (
    MATCH_BUDGET,
    RECENT_WINDOW,
    Candidate,
    described_by_statistics,
    plan_probe,
    probe_words,
    rank_in_partition,
    rescore_size,
)

PREFILTER = 500
"""Documents ranked by FTS5 alone before the join with the filter."""

PART_COLUMN = "fts_part"
"""The column of ``memories_fts`` holding a memory's partition token, and the generated column of
``memories`` it is read from (schema v12). It weighs nothing in a ranking (:data:`_RANK`)."""

PART_EXPRESSION = "'p' || hex(tenant_id) || 'x' || hex(coalesce(namespace, '')) || '0'"
"""SQL of a memory's partition token: its tenant and namespace in hexadecimal (one token to the
tokenizer, never stemmed: it ends with a digit), the tenant's part a prefix of every namespace's."""

PARTITION_SHARE = 4
"""A read matches inside its partition when the partition holds at most 1/this of the index.

Matching inside costs FTS5 a pass over the partition's entries (bm25 weighs every phrase of
the query, the partition's too); ranking every match costs one per match in the whole index.
"""

PRIMARY_INDEX = "memories_fts"
DERIVED_INDEX = "derived_fts"
"""Full-text index of derived memories: semantic facts whose metadata ``source`` is
``consolidation``."""


_RANK = {
    PRIMARY_INDEX: f"bm25({PRIMARY_INDEX}, 1.0, 0.0)",
    DERIVED_INDEX: f"bm25({DERIVED_INDEX})",
}
"""Each index's ranking expression (FTS5's bm25: smaller is better)."""


def partition_phrase(tenant_id: str, namespace: str | None) -> str:
    """The FTS5 phrase matching a partition's memories in ``memories_fts``.

    A namespace's memories, or with ``namespace`` None every memory of the tenant (a prefix of
    :data:`PART_EXPRESSION`'s tokens). A query's words are matched in every column: limiting
    them to ``content`` costs a tenth more per probe, and a word could only match a partition
    token by being one, which adds memories of the partition at no score.

    Example:
        >>> partition_phrase("t", "a")
        'fts_part : "p74x610"'
        >>> partition_phrase("t", None)
        'fts_part : "p74x" *'
    """
    tenant = "p" + tenant_id.encode().hex() + "x"
    if namespace is None:
        return f'{PART_COLUMN} : "{tenant}" *'
    return f'{PART_COLUMN} : "{tenant}{namespace.encode().hex()}0"'


def partition_match(tenant_id: str, namespace: str | None, words: list[str]) -> str:
    """The FTS5 expression matching the partition's memories that hold any of ``words``.

    Example:
        >>> partition_match("t", "a", ["dog", "cat"])
        'fts_part : "p74x610" AND ("dog" OR "cat")'
    """
    # AND binds tighter than OR in FTS5: the words' alternatives are one operand.
    return f"{partition_phrase(tenant_id, namespace)} AND ({match_expression(words)})"


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


def lexical_search(
    conn: sqlite3.Connection, filt: MemoryFilter, query: str, limit: int
) -> list[tuple[str, float]]:
    """BM25-ranked matches of any (informative) word of ``query``, higher score first."""
    tokens = query_tokens(query)
    if not tokens or limit <= 0:
        return []
    hits: list[tuple[str, float]] = []
    for index in _indexes(filt):
        if index == PRIMARY_INDEX and described_by_statistics(filt):
            hits.extend(_search_partition(conn, filt, tokens, limit))
        else:
            # A small store is cheap to score in full, and there every match may be worth showing.
            ceiling = max(_indexed_rows(conn) // 2, MATCH_BUDGET)
            frequencies = _document_frequencies(conn, index, tokens, ceiling + 1)
            kept = probe_words(frequencies, MATCH_BUDGET, ceiling)
            matched = sum(frequencies[t] for t in kept)
            match = match_expression(kept) if kept else ""
            rows = _search_index(conn, index, filt, match, matched, limit)
            hits.extend((memory_id, -rank) for memory_id, rank, _ in rows)
    hits.sort(key=lambda hit: hit[1], reverse=True)
    return hits[:limit]


def _search_partition(
    conn: sqlite3.Connection, filt: MemoryFilter, tokens: list[str], limit: int
) -> list[tuple[str, float]]:
    """The primary index's matches, scored with the partition's statistics."""
    statistics = term_statistics(conn, filt.tenant_id, filt.namespace, tokens)
    probe = plan_probe(statistics)
    match = match_expression(probe.words) if probe.words else ""
    if match and statistics.documents * PARTITION_SHARE <= _indexed_rows(conn):
        match = partition_match(filt.tenant_id, filt.namespace, probe.words)
    rows = _search_index(conn, PRIMARY_INDEX, filt, match, probe.matched, rescore_size(limit))
    texts = [lowered_words(content) for _, _, content in rows]
    which = _query_words(tokens, set().union(*texts))
    # A few words of the texts are query words: counting each of them (in C) is cheaper than
    # counting every word of the text, up to about :data:`COUNTED_ONE_BY_ONE` of them.
    tally = _count_each if len(which) <= COUNTED_ONE_BY_ONE else _count_all
    candidates = [
        Candidate(memory_id, len(words), tally(words, which))
        for (memory_id, _, _), words in zip(rows, texts, strict=True)
    ]
    return rank_in_partition(candidates, statistics, limit)


COUNTED_ONE_BY_ONE = 4
"""Most words of a query a rescored text is searched for one by one (``list.count``); with more,
the text's words are counted once (``Counter``), which costs about as much as four searches."""


def _count_each(words: list[str], which: dict[str, str]) -> dict[str, int]:
    """How often each query token occurs among ``words`` (one search of them per word)."""
    counts: dict[str, int] = {}
    for word, token in which.items():
        found = words.count(word)
        if found:
            counts[token] = counts.get(token, 0) + found
    return counts


def _count_all(words: list[str], which: dict[str, str]) -> dict[str, int]:
    """How often each query token occurs among ``words`` (every word counted once)."""
    present = Counter(words)
    counts: dict[str, int] = {}
    for word in present.keys() & which.keys():
        token = which[word]
        counts[token] = counts.get(token, 0) + present[word]
    return counts


def _query_words(tokens: list[str], words: set[str]) -> dict[str, str]:
    """Which of ``words`` the index reads as which query token (words that are none left out).

    A word can only stem to a token's term if it starts like it: only those words go through
    the tokenizer (a Porter stem keeps the word's first letters; an accent the tokenizer folds
    away at the start of a word is the rare miss).
    """
    wanted = {term: token for token, terms in word_terms(tokens).items() for term in terms}
    starts = {term[:3] for term in wanted}
    maybe = [word for word in words if word[:3] in starts]
    return {
        word: wanted[term]
        for word, terms in word_terms(maybe).items()
        for term in terms
        if term in wanted
    }


def _search_index(
    conn: sqlite3.Connection,
    index: str,
    filt: MemoryFilter,
    match: str,
    matched: int,
    limit: int,
) -> list[tuple[str, float, str]]:
    """Up to ``limit`` matches of ``match`` the filter admits: ``(id, bm25, content)``, best first.

    ``matched`` is how many documents the partition holds the words in (it decides whether to
    score a window). FTS5's bm25 is smaller for better matches.
    """
    if not match:
        return []
    where, params = filter_sql(SQLITE, filt)
    rank = _RANK[index]
    windowed = matched > MATCH_BUDGET
    if windowed:
        # Only the rarest word is left and it alone matches too much: score its newest matches.
        candidates = (
            f"SELECT rowid, rank FROM (SELECT rowid, {rank} AS rank FROM {index}"
            f" WHERE {index} MATCH ? ORDER BY rowid DESC LIMIT {RECENT_WINDOW})"
            f" ORDER BY rank LIMIT {PREFILTER}"
        )
    else:
        candidates = (
            f"SELECT rowid, {rank} AS rank FROM {index}"
            f" WHERE {index} MATCH ? ORDER BY rank LIMIT {PREFILTER}"
        )
    top = conn.execute(candidates, (match,)).fetchall()
    rows = _admitted(conn, top, where, params, limit)
    # Fewer than ``limit`` survivors is final only when the prefilter saw every match.
    if len(rows) < limit and (windowed or len(top) == PREFILTER):
        rows = conn.execute(
            f"SELECT m.id, {rank} AS rank, m.content FROM {index}"
            f" JOIN memories AS m ON m.pk = {index}.rowid"
            f" WHERE {index} MATCH ? AND {where} ORDER BY rank LIMIT ?",
            (match, *params, limit),
        ).fetchall()
    return [(str(memory_id), float(rank), str(content)) for memory_id, rank, content in rows]


def _admitted(
    conn: sqlite3.Connection,
    top: list[tuple[int, float]],
    where: str,
    params: list[Any],
    limit: int,
) -> list[tuple[str, float, str]]:
    """The first ``limit`` of ``top`` (``(rowid, bm25)``, best first) the filter admits.

    Only the memories needed are read: the first ``limit``, and the rest only when the filter
    turned some of those away (joining all of ``top`` with ``memories`` read every row: 0.5 ms
    of a read at 100k). ``NOT INDEXED`` keeps SQLite on the rowids instead of walking the
    filter's index over the tenant.
    """
    admitted: list[tuple[str, float, str]] = []
    start, size = 0, min(limit, CHUNK)
    while start < len(top) and len(admitted) < limit:
        part = top[start : start + size]
        among, among_params = SQLITE.in_list("m.pk", [rowid for rowid, _ in part])
        found = {
            rowid: (memory_id, content)
            for rowid, memory_id, content in conn.execute(
                f"SELECT m.pk, m.id, m.content FROM memories AS m NOT INDEXED"
                f" WHERE {among} AND {where}",
                (*among_params, *params),
            )
        }
        for rowid, rank in part:
            if rowid in found:
                memory_id, content = found[rowid]
                admitted.append((memory_id, rank, content))
        start, size = start + size, CHUNK
    return admitted[:limit]
