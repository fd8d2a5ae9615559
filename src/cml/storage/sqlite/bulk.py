"""Bulk inserts of the SQLite backend: the term statistics of a batch counted once.

Row by row, the insert trigger of ``term_stats`` tokenizes each memory through a Python
function and upserts one row per term: about half the cost of an import of pre-embedded
memories. :func:`terms_counted_in_bulk` pauses that trigger for the rows a block inserts (the
row of ``term_stats_paused``, schema v9, lives only inside the open transaction), then counts
the new searchable rows of each partition in one tokenizer pass (:func:`~cml.storage.sqlite.
terms.batch_terms`) and adds the sums. The counts equal what the trigger would have written,
in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from cml.storage.sqlite.schema import searchable
from cml.storage.sqlite.terms import DOCUMENTS, batch_terms, text_length

__all__ = ["terms_counted_in_bulk"]

_ADD = (
    "INSERT INTO term_stats (tenant_id, namespace, term, documents, tokens)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, namespace, term)"
    " DO UPDATE SET documents = documents + excluded.documents,"
    " tokens = tokens + excluded.tokens"
)


@contextmanager
def terms_counted_in_bulk(conn: sqlite3.Connection) -> Iterator[None]:
    """Count the term statistics of the memories inserted inside the block, all at once.

    Call it inside an open write transaction; when the block raises, nothing is counted (the
    caller rolls the transaction back).
    """
    (last,) = conn.execute("SELECT coalesce(max(pk), 0) FROM memories").fetchone()
    conn.execute("INSERT INTO term_stats_paused (one) VALUES (1)")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("DELETE FROM term_stats_paused")
    _count_after(conn, int(last))


def _count_after(conn: sqlite3.Connection, last: int) -> None:
    """Add the searchable memories with a ``pk`` above ``last`` to their partitions' counts."""
    partitions: dict[tuple[str, str], list[str]] = {}
    for tenant_id, namespace, content in conn.execute(
        "SELECT tenant_id, coalesce(namespace, ''), content FROM memories AS m"
        f" WHERE pk > ? AND {searchable('m')}",
        (last,),
    ):
        partitions.setdefault((tenant_id, namespace), []).append(content or "")
    added: list[tuple[str, str, str, int, int]] = []
    for (tenant_id, namespace), texts in partitions.items():
        tokens = sum(map(text_length, texts))
        added.append((tenant_id, namespace, DOCUMENTS, len(texts), tokens))
        added.extend((tenant_id, namespace, t, n, 0) for t, n in batch_terms(texts))
    conn.executemany(_ADD, added)
