"""Per-partition term statistics of the SQLite backend, kept by triggers on ``memories``.

``term_stats`` holds, for each tenant and namespace (a memory without a namespace is under
``''``), how many searchable memories hold each term of the full-text index, and under the term
``''`` how many searchable memories there are and their total length in words. Searchable means
what a default read ranks in the primary full-text index: status ``active`` or ``compressed``,
and not a fact written by consolidation (those have an index of their own). The triggers of
schema v6 update the counts in the statement that changes a memory, so every path (write,
update, supersession, forgetting, restore, purge, import) keeps them exact, in the same
transaction.

The terms are those of the full-text index itself: :func:`index_terms` runs the text through an
FTS5 table with the same tokenizer (``porter unicode61``) in a private in-memory database, and the
triggers call it as the SQL function :data:`FUNCTION`, which every connection of the store
registers (:func:`register`). A tool that writes ``memories`` without py-cml (the ``sqlite3``
shell) fails with "no such function" instead of leaving the counts wrong.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence

from cml.storage.base import TermStatistics

__all__ = [
    "DOCUMENTS",
    "FUNCTION",
    "LENGTH_FUNCTION",
    "TOKENIZER",
    "WORD",
    "batch_terms",
    "index_terms",
    "lowered_words",
    "register",
    "term_statistics",
    "text_length",
    "word_terms",
]

FUNCTION = "cml_fts_terms"
"""Name of the SQL function returning the JSON array of a text's index terms (and ``''``)."""

LENGTH_FUNCTION = "cml_fts_length"
"""Name of the SQL function returning a text's :func:`text_length`."""

WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: what the ``unicode61`` tokenizer calls a token."""

# In ASCII text a WORD is a run of [A-Za-z0-9]: everything else becomes a space.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})

TOKENIZER = "porter unicode61"
"""The tokenizer of ``memories_fts`` and ``derived_fts`` (schema v1 and v3)."""

DOCUMENTS = ""
"""The term under which ``term_stats`` counts a partition's searchable memories."""

_local = threading.local()


def _scratch() -> sqlite3.Connection:
    """This thread's in-memory database with empty contentless FTS5 tables to tokenize with."""
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute(
            f"CREATE VIRTUAL TABLE scratch USING fts5(content, content='', tokenize='{TOKENIZER}')"
        )
        conn.execute("CREATE VIRTUAL TABLE scratch_terms USING fts5vocab(scratch, 'row')")
        conn.execute(
            f"CREATE VIRTUAL TABLE words USING fts5(word, content='', tokenize='{TOKENIZER}')"
        )
        conn.execute("CREATE VIRTUAL TABLE words_terms USING fts5vocab(words, 'instance')")
        _local.conn = conn
    return conn


def index_terms(text: str) -> list[tuple[str, int]]:
    """The distinct terms the full-text index holds for ``text``, sorted, with their counts.

    Example:
        >>> index_terms("Drinking coffees at the café, coffee")
        [('at', 1), ('cafe', 1), ('coffe', 2), ('drink', 1), ('the', 1)]
    """
    conn = _scratch()
    conn.execute("INSERT INTO scratch (rowid, content) VALUES (1, ?)", (text,))
    try:
        return [(str(t), int(n)) for t, n in conn.execute("SELECT term, cnt FROM scratch_terms")]
    finally:
        conn.execute("INSERT INTO scratch (scratch) VALUES ('delete-all')")


_WORD_CACHE = 65_536
"""Words whose terms :func:`word_terms` remembers (the oldest half is forgotten when full)."""

_known: dict[str, tuple[str, ...]] = {}
_known_lock = threading.Lock()


def word_terms(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The index terms of each word (usually one; none for what the tokenizer skips).

    Words seen before are remembered; the others go through the tokenizer in one pass.

    Example:
        >>> word_terms(["Drinking", "café"])
        {'Drinking': ('drink',), 'café': ('cafe',)}
    """
    found: dict[str, tuple[str, ...]] = {}
    missing: list[str] = []
    for word in dict.fromkeys(words):
        terms = _known.get(word)
        if terms is None:
            missing.append(word)
        else:
            found[word] = terms
    if missing:
        conn = _scratch()
        conn.executemany(
            "INSERT INTO words (rowid, word) VALUES (?, ?)", list(enumerate(missing, start=1))
        )
        try:
            rows = conn.execute("SELECT doc, term FROM words_terms ORDER BY doc, offset")
            split: dict[int, list[str]] = {}
            for doc, term in rows:
                split.setdefault(int(doc), []).append(str(term))
        finally:
            conn.execute("INSERT INTO words (words) VALUES ('delete-all')")
        with _known_lock:
            if len(_known) + len(missing) > _WORD_CACHE:
                for word in list(_known)[: len(_known) // 2]:
                    _known.pop(word, None)
            for n, word in enumerate(missing, start=1):
                found[word] = _known[word] = tuple(split.get(n, ()))
    return found


def batch_terms(texts: Sequence[str]) -> list[tuple[str, int]]:
    """Each term the full-text index holds for any of ``texts``, with how many texts hold it.

    The same terms :func:`index_terms` finds text by text, counted in one tokenizer pass.

    Example:
        >>> batch_terms(["Drinking coffee", "coffees at the cafe"])
        [('at', 1), ('cafe', 1), ('coffe', 2), ('drink', 1), ('the', 1)]
    """
    conn = _scratch()
    conn.executemany(
        "INSERT INTO scratch (rowid, content) VALUES (?, ?)", list(enumerate(texts, start=1))
    )
    try:
        return [(str(t), int(n)) for t, n in conn.execute("SELECT term, doc FROM scratch_terms")]
    finally:
        conn.execute("INSERT INTO scratch (scratch) VALUES ('delete-all')")


def _partition_terms(text: str | None) -> str:
    """The JSON array the triggers count: :data:`DOCUMENTS`, then the text's terms."""
    return json.dumps([DOCUMENTS, *(t for t, _ in index_terms(text or ""))])


def lowered_words(text: str) -> list[str]:
    """The :data:`WORD` runs of ``text`` lowercased, in order.

    ASCII text (most memories) is split by a translation table in C, at about half the cost of
    the regular expression, into the same runs.

    Example:
        >>> lowered_words("Joanna: bye, Nate! (snake_case)"), lowered_words("Café au lait")
        (['joanna', 'bye', 'nate', 'snake', 'case'], ['café', 'au', 'lait'])
    """
    lowered = text.lower()
    if lowered.isascii():
        return lowered.translate(_ASCII_SEPARATORS).split()
    return WORD.findall(lowered)


def text_length(text: str | None) -> int:
    """The length of ``text`` in words, as BM25 measures documents (see ``sqlite/lexical.py``).

    Example:
        >>> text_length("Joanna: bye, Nate! (snake_case)")
        5
    """
    return len(WORD.findall(text or ""))


def register(conn: sqlite3.Connection) -> None:
    """Make :data:`FUNCTION` and :data:`LENGTH_FUNCTION` callable on ``conn`` (schema v6)."""
    conn.create_function(FUNCTION, 1, _partition_terms, deterministic=True)
    conn.create_function(LENGTH_FUNCTION, 1, text_length, deterministic=True)


def term_statistics(
    conn: sqlite3.Connection, tenant_id: str, namespace: str | None, words: list[str]
) -> TermStatistics:
    """A partition's searchable memories and how many of them hold each word (see the protocol).

    A word the index splits into several terms counts as its rarest term.
    """
    terms = word_terms(words)
    wanted = sorted({DOCUMENTS, *(t for ts in terms.values() for t in ts)})
    marks = ", ".join("?" * len(wanted))
    scope, params = ("tenant_id = ?", [tenant_id])
    if namespace is not None:
        scope, params = ("tenant_id = ? AND namespace = ?", [tenant_id, namespace])
    found = {
        term: (int(documents), int(tokens))
        for term, documents, tokens in conn.execute(
            f"SELECT term, sum(documents), sum(tokens) FROM term_stats WHERE {scope}"
            f" AND term IN ({marks}) GROUP BY term",
            (*params, *wanted),
        )
    }
    counts = {
        word: min((found.get(t, (0, 0))[0] for t in ts), default=0) for word, ts in terms.items()
    }
    documents, tokens = found.get(DOCUMENTS, (0, 0))
    return TermStatistics(documents, counts, tokens)
