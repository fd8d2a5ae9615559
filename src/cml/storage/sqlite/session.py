"""Session order for the SQLite backend: which memories follow a memory in its session.

Retrieval lets a matched memory lend some of its lexical score to the memories that come right
after it in the same session (an answer is often worded in terms of the question before it).
Order within a session is ``(created_at, id)``: ids are UUIDv7, so memories that share a
timestamp keep the order in which they were written.

One statement answers every anchor (SQLite has no ``LATERAL``; a correlated ``IN`` subquery
with its own ``LIMIT`` plays that part): each anchor is found through ``(tenant_id, id)`` and
its successors by a short range scan of ``ix_memories_tenant_session_order``, however long the
session. The anchors' index is forced: left to itself, SQLite walks the session index over
every memory of the tenant that has a session (15 ms at 100k memories), because
``session_id IS NOT NULL`` looks like a usable range to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from cml.storage.base import MemoryFilter
from cml.storage.sql.rows import filter_sql
from cml.storage.sqlite.dialect import SQLITE


def session_successors(
    conn: sqlite3.Connection, filt: MemoryFilter, ids: Sequence[str], count: int
) -> dict[str, list[str]]:
    """For each memory among ``ids`` that has a session, up to ``count`` memories after it.

    Args:
        conn: A reading connection.
        filt: Which memories may be returned as successors (tenant, namespace, status, ...).
        ids: The anchors (memories of ``filt.tenant_id``; others are ignored).
        count: How many successors per anchor, nearest first.

    Returns:
        ``{anchor id: [successor ids in session order]}``; anchors without a session or
        without successors are absent.
    """
    if count <= 0 or not ids:
        return {}
    where, params = filter_sql(SQLITE, filt)
    following: dict[str, list[str]] = {}
    for part in SQLITE.chunks(list(dict.fromkeys(ids))):
        among, among_params = SQLITE.in_list("a.id", part)
        rows = conn.execute(
            "SELECT a.id, f.id FROM memories AS a"
            f"{SQLITE.hint('ix_memories_tenant_id')}, memories AS f"
            f" WHERE a.tenant_id = ? AND {among} AND a.session_id IS NOT NULL"
            " AND f.pk IN (SELECT m.pk FROM memories AS m"
            f" WHERE {where} AND m.session_id = a.session_id AND m.namespace IS a.namespace"
            " AND (m.created_at, m.id) > (a.created_at, a.id)"
            " ORDER BY m.created_at, m.id LIMIT ?)"
            " ORDER BY a.id, f.created_at, f.id",
            (filt.tenant_id, *among_params, *params, count),
        )
        for anchor, successor in rows:
            following.setdefault(anchor, []).append(successor)
    return following
