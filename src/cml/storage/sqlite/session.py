"""Session order for the SQLite backend: which memories follow a memory in its session.

Retrieval lets a matched memory lend some of its lexical score to the memories that come right
after it in the same session (an answer is often worded in terms of the question before it).
Order within a session is ``(created_at, id)``: ids are UUIDv7, so memories that share a
timestamp keep the order in which they were written. The index
``ix_memories_tenant_session_order`` makes each lookup a short range scan, however long the
session.
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
    anchors: list[tuple[str, str | None, str, float]] = []
    for part in SQLITE.chunks(list(dict.fromkeys(ids))):
        among, among_params = SQLITE.in_list("id", part)
        anchors.extend(
            conn.execute(
                "SELECT id, namespace, session_id, created_at FROM memories WHERE tenant_id = ?"
                f" AND session_id IS NOT NULL AND {among}",
                (filt.tenant_id, *among_params),
            ).fetchall()
        )
    where, params = filter_sql(SQLITE, filt)
    statement = (
        f"SELECT m.id FROM memories AS m WHERE {where} AND m.session_id = ?"
        " AND m.namespace IS ? AND (m.created_at, m.id) > (?, ?)"
        " ORDER BY m.created_at, m.id LIMIT ?"
    )
    following: dict[str, list[str]] = {}
    for anchor, namespace, session_id, created_at in anchors:
        rows = conn.execute(
            statement, (*params, session_id, namespace, created_at, anchor, count)
        ).fetchall()
        if rows:
            following[anchor] = [row[0] for row in rows]
    return following
