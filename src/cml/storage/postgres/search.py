"""Lexical (tsvector/GIN) and vector (pgvector HNSW) candidate queries.

Lexical: user text never reaches PostgreSQL's query parser as syntax. Its words are extracted in
Python (the same tokenizer and stopwords as the SQLite backend), joined with ``or`` and handed to
``websearch_to_tsquery``, which never raises on its input; the English configuration stems them
like the indexed text. Matches are ranked with ``ts_rank_cd`` (cover density).

Vector: when the embedding dimension is known the query orders by ``embedding::vector(n) <=> q``,
which the HNSW expression index answers. HNSW applies the tenant and other filters *after* the
graph walk, so a selective filter can leave fewer than ``limit`` rows (pgvector 0.6 has no
iterative scan); the store then falls back to the exact query below, which the b-tree indexes on
the filter columns make cheap precisely when the filter is that selective.
"""

from __future__ import annotations

from typing import Any

from cml.storage.base import MemoryFilter
from cml.storage.fts import query_tokens
from cml.storage.postgres.dialect import POSTGRES
from cml.storage.sql.rows import filter_sql

MAX_WORD_CHARS = 200
"""Longer "words" are noise (and PostgreSQL would skip them with a notice)."""


def search_words(text: str) -> list[str]:
    """The words of ``text`` a full-text search looks for (see :func:`websearch_text`)."""
    return [w for w in query_tokens(text) if len(w) <= MAX_WORD_CHARS]


def websearch_text(text: str) -> str | None:
    """``websearch_to_tsquery`` input matching any word of ``text``; ``None`` if none is usable.

    Example:
        >>> websearch_text('what does "Alice" like? -x OR y')
        'alice or like or x or y'
    """
    words = search_words(text)
    # Tokens are runs of letters, digits and underscores, so they carry no websearch operator
    # (quotes, a leading '-'); "or" itself is a stopword and never a token.
    return " or ".join(words) if words else None


def lexical_sql(filt: MemoryFilter, text: str, limit: int) -> tuple[str, list[Any]]:
    """The ranked full-text query and its parameters."""
    where, params = filter_sql(POSTGRES, filt)
    sql = (
        "SELECT m.id, ts_rank_cd(m.content_tsv, q.query) AS rank"
        " FROM memories AS m, websearch_to_tsquery('english', %s) AS q(query)"
        f" WHERE m.content_tsv @@ q.query AND {where}"
        " ORDER BY rank DESC, m.id LIMIT %s"
    )
    return sql, [text, *params, limit]


def partition_lexical_sql(
    filt: MemoryFilter,
    words: list[str],
    kept: str,
    window: int | None,
    limit: int,
    *,
    skip: int | None = None,
) -> tuple[str, list[Any]]:
    """The bounded full-text probe of a partition (see :mod:`cml.storage.textrank`).

    Matches of ``kept`` (``websearch_to_tsquery`` input) the filter admits, only the ``window``
    newest when given, ranked by ``ts_rank_cd``; for the ``limit`` best, rows ``(id, length,
    word, count, matches)``: the number of lexemes of the memory, how often it holds each of
    ``words`` (a row with ``word`` ``NULL`` for a memory holding none), and how many matches
    the window held.

    ``skip`` (with ``window``) looks for the window only among memories no older than the
    tenant's ``skip + 1``-th newest (a walk of ``ix_memories_tenant_created``), so that a
    common word's heap rows are read for the newest part of the tenant only, not for every
    match. The window is the same as without ``skip`` whenever it is full (``matches ==
    window``: every match left out is older than every match kept); otherwise the caller asks
    again without ``skip``.
    """
    where, params = filter_sql(POSTGRES, filt)
    newest = "" if window is None else f" ORDER BY m.created_at DESC, m.id DESC LIMIT {window:d}"
    recent, recent_params = "", []
    if window is not None and skip is not None:
        recent = (
            " AND m.created_at >= (SELECT s.created_at FROM memories AS s WHERE s.tenant_id = %s"
            " ORDER BY s.created_at DESC OFFSET %s LIMIT 1)"
        )
        recent_params = [filt.tenant_id, skip]
    sql = (
        "WITH words AS (SELECT w.word, l.lexeme FROM unnest(%s::text[]) AS w(word),"
        " unnest(tsvector_to_array(to_tsvector('english', w.word))) AS l(lexeme)),"
        " q AS (SELECT websearch_to_tsquery('english', %s) AS query),"
        " matches AS (SELECT m.id, m.content_tsv FROM memories AS m, q"
        f" WHERE m.content_tsv @@ q.query AND {where}{recent}{newest}),"
        " best AS (SELECT matches.id, matches.content_tsv FROM matches, q"
        " ORDER BY ts_rank_cd(matches.content_tsv, q.query) DESC, matches.id LIMIT %s)"
        " SELECT best.id, length(best.content_tsv), hit.word, hit.n,"
        " (SELECT count(*) FROM matches) FROM best"
        " LEFT JOIN LATERAL (SELECT words.word, coalesce(array_length(u.positions, 1), 1) AS n"
        " FROM unnest(best.content_tsv) AS u JOIN words ON words.lexeme = u.lexeme) AS hit"
        " ON true"
    )
    return sql, [words, kept, *params, *recent_params, limit]


def recent_skip(window: int, matched: int, documents: int) -> int | None:
    """How many of the tenant's newest memories to skip past for :func:`partition_lexical_sql`.

    Enough to hold about twice ``window`` of the ``matched`` memories if they are spread evenly
    over the ``documents`` of the partition; ``None`` when that is half the partition or more
    (reading every match's row is then as cheap as the walk).

    Example:
        >>> recent_skip(1000, 10_000, 100_000)
        20000
        >>> recent_skip(1000, 3_500, 100_000) is None
        True
    """
    skip = 2 * window * documents // max(matched, 1)
    return skip if skip < documents // 2 else None


def term_statistics_sql(
    tenant_id: str, namespace: str | None, words: list[str]
) -> tuple[str, list[Any]]:
    """The query reading a partition's document count and each word's document frequency.

    Rows ``(word, documents, length)``: first ``(NULL, memories, their length)``, then one per
    word, counted under the rarest lexeme the English configuration makes of it (0 for a
    stopword or an unknown word).
    """
    scope, params = "s.tenant_id = %s", [tenant_id]
    if namespace is not None:
        scope, params = "s.tenant_id = %s AND s.namespace = %s", [tenant_id, namespace]
    sql = (
        "WITH words AS (SELECT w.word, l.term FROM unnest(%s::text[]) AS w(word)"
        " LEFT JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', w.word)))"
        " AS l(term) ON true),"
        " counts AS (SELECT s.term, sum(s.documents) AS documents, sum(s.tokens) AS tokens"
        " FROM term_stats AS s"
        f" WHERE {scope} AND s.term IN (SELECT term FROM words UNION ALL SELECT '')"
        " GROUP BY s.term)"
        " SELECT NULL, coalesce(sum(documents), 0), coalesce(sum(tokens), 0) FROM counts"
        " WHERE term = ''"
        " UNION ALL SELECT words.word, min(coalesce(counts.documents, 0)), 0 FROM words"
        " LEFT JOIN counts ON counts.term = words.term GROUP BY words.word"
    )
    return sql, [words, *params]


def vector_sql(
    filt: MemoryFilter, vector: Any, limit: int, dimensions: int | None
) -> tuple[str, list[Any]]:
    """Nearest neighbours by cosine distance.

    Through the HNSW index when ``dimensions`` is given (approximate), or exactly when it is
    ``None``.
    """
    where, params = filter_sql(POSTGRES, filt)
    column = "m.embedding" if dimensions is None else f"m.embedding::vector({int(dimensions)})"
    probe = "%s" if dimensions is None else f"%s::vector({int(dimensions)})"
    sql = (
        f"SELECT m.id, {column} <=> {probe} AS distance FROM memories AS m"
        f" WHERE m.embedding IS NOT NULL AND {where}"
        f" ORDER BY {column} <=> {probe} LIMIT %s"
    )
    return sql, [vector, *params, vector, limit]


def session_successors_sql(filt: MemoryFilter, ids: list[str], count: int) -> tuple[str, list[Any]]:
    """The memories that follow each anchor in its session.

    For each anchor among ``ids`` with a session: up to ``count`` memories after it in
    ``(created_at, id)`` order, as rows ``(anchor, successor)`` in that order.

    One statement: a ``LATERAL`` range scan per anchor on ``ix_memories_tenant_session_order``.
    """
    where, params = filter_sql(POSTGRES, filt)
    sql = (
        "SELECT a.id, s.id FROM memories AS a CROSS JOIN LATERAL ("
        f" SELECT m.id, m.created_at FROM memories AS m WHERE {where}"
        " AND m.session_id = a.session_id AND m.namespace IS NOT DISTINCT FROM a.namespace"
        " AND (m.created_at, m.id) > (a.created_at, a.id)"
        " ORDER BY m.created_at, m.id LIMIT %s) AS s"
        " WHERE a.tenant_id = %s AND a.session_id IS NOT NULL AND a.id = ANY(%s)"
        " ORDER BY a.id, s.created_at, s.id"
    )
    return sql, [*params, count, filt.tenant_id, ids]
