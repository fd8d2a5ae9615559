"""Per-partition term statistics of the SQLite backend, kept by triggers on ``memories``.

``term_stats`` holds, for each tenant and namespace (a memory without a namespace is under
``''``), how many searchable memories hold each term of the full-text index, and under the term
``''`` how many searchable memories there are. Searchable means what a default read ranks in the
primary full-text index: status ``active`` or ``compressed``, and not a fact written by
consolidation (those have an index of their own). The triggers of schema v6 update the counts in
the statement that changes a memory, so every path (write, update, supersession, forgetting,
restore, purge, import) keeps them exact, in the same transaction.

The terms are those of the full-text index itself: :func:`index_terms` runs the text through an
FTS5 table with the same tokenizer (``porter unicode61``) in a private in-memory database, and the
triggers call it as the SQL function :data:`FUNCTION`, which every connection of the store
registers (:func:`register`). A tool that writes ``memories`` without py-cml (the ``sqlite3``
shell) fails with "no such function" instead of leaving the counts wrong.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from functools import lru_cache

__all__ = [
    "DOCUMENTS",
    "FUNCTION",
    "TOKENIZER",
    "index_terms",
    "register",
    "term_statistics",
    "word_terms",
]

FUNCTION = "cml_fts_terms"
"""Name of the SQL function returning the JSON array of a text's index terms (and ``''``)."""

TOKENIZER = "porter unicode61"
"""The tokenizer of ``memories_fts`` and ``derived_fts`` (schema v1 and v3)."""

DOCUMENTS = ""
"""The term under which ``term_stats`` counts a partition's searchable memories."""

_local = threading.local()


def _scratch() -> sqlite3.Connection:
    """This thread's in-memory database with an empty contentless FTS5 table."""
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute(
            f"CREATE VIRTUAL TABLE scratch USING fts5(content, content='', tokenize='{TOKENIZER}',"
            " detail=none)"
        )
        conn.execute("CREATE VIRTUAL TABLE scratch_terms USING fts5vocab(scratch, 'row')")
        _local.conn = conn
    return conn


def index_terms(text: str) -> list[str]:
    """The distinct terms the full-text index holds for ``text``, sorted.

    Example:
        >>> index_terms("Drinking coffees at the café")
        ['at', 'cafe', 'coffe', 'drink', 'the']
    """
    conn = _scratch()
    conn.execute("INSERT INTO scratch (rowid, content) VALUES (1, ?)", (text,))
    try:
        return [row[0] for row in conn.execute("SELECT term FROM scratch_terms")]
    finally:
        conn.execute("INSERT INTO scratch (scratch) VALUES ('delete-all')")


def _partition_terms(text: str | None) -> str:
    """The JSON array the triggers count: :data:`DOCUMENTS`, then the text's terms."""
    return json.dumps([DOCUMENTS, *index_terms(text or "")])


def register(conn: sqlite3.Connection) -> None:
    """Make :data:`FUNCTION` callable on ``conn`` (the triggers of schema v6 need it)."""
    conn.create_function(FUNCTION, 1, _partition_terms, deterministic=True)


@lru_cache(maxsize=16_384)
def word_terms(word: str) -> tuple[str, ...]:
    """The index terms of one query word (usually one; none for a word the index skips)."""
    return tuple(index_terms(word))


def term_statistics(
    conn: sqlite3.Connection, tenant_id: str, namespace: str | None, words: list[str]
) -> tuple[int, dict[str, int]]:
    """Searchable memories of a partition, and how many of them hold each word (see the protocol).

    A word the index splits into several terms counts as its rarest term.
    """
    terms = {word: word_terms(word) for word in words}
    wanted = sorted({DOCUMENTS, *(t for ts in terms.values() for t in ts)})
    marks = ", ".join("?" * len(wanted))
    scope, params = ("tenant_id = ?", [tenant_id])
    if namespace is not None:
        scope, params = ("tenant_id = ? AND namespace = ?", [tenant_id, namespace])
    found = dict(
        conn.execute(
            f"SELECT term, sum(documents) FROM term_stats WHERE {scope} AND term IN ({marks})"
            " GROUP BY term",
            (*params, *wanted),
        ).fetchall()
    )
    counts = {
        word: min((int(found.get(t, 0)) for t in ts), default=0) for word, ts in terms.items()
    }
    return int(found.get(DOCUMENTS, 0)), counts
