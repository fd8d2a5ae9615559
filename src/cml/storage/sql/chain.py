"""Appending to a tenant's hash-chained event log, the same statements on both backends.

The chain's head of each tenant is a row of ``event_chain``. An append first takes that row's
write lock with a no-op upsert, then reads the head, so two transactions appending for one
tenant at the same time never link to the same previous event (which would fork the chain):
on PostgreSQL the second waits on the row lock until the first commits, and then reads the new
head (each statement of a READ COMMITTED transaction sees what committed before it); on SQLite
the writer's ``BEGIN IMMEDIATE`` already admits one writing transaction at a time. The event's
id is assigned after the lock is held, so id order is chain order within a tenant.

Events written before the log was chained have no hash: the first append (or
:func:`seal_legacy`, which ``verify`` calls) chains them in id order, under the same lock.
"""

from __future__ import annotations

from dataclasses import replace

from cml.storage.base import ChainHead, EventRecord
from cml.storage.chain import event_hash
from cml.storage.sql.columns import EVENT_COLUMNS, EVENT_INSERT_COLUMNS
from cml.storage.sql.connections import Connection
from cml.storage.sql.dialect import Dialect
from cml.storage.sql.rows import event_params, row_to_event

__all__ = ["append_event", "read_head", "seal_legacy"]


def read_head(conn: Connection, d: Dialect, tenant_id: str) -> ChainHead | None:
    """The tenant's chain head as stored, or ``None`` if it has none."""
    row = conn.execute(
        f"SELECT head_hash, event_count, last_event_id FROM event_chain WHERE tenant_id = {d.mark}",
        (tenant_id,),
    ).fetchone()
    return None if row is None else ChainHead(row[0], int(row[1]), row[2])


def _locked_head(conn: Connection, d: Dialect, tenant_id: str) -> ChainHead:
    # The no-op update takes the row's lock (or the new row's), held until the commit.
    conn.execute(
        "INSERT INTO event_chain (tenant_id, head_hash, event_count)"
        f" VALUES ({d.mark}, '', 0) ON CONFLICT (tenant_id)"
        " DO UPDATE SET event_count = event_chain.event_count",
        (tenant_id,),
    )
    head = read_head(conn, d, tenant_id)
    assert head is not None  # the upsert above wrote it
    return head if head.length else _seal(conn, d, tenant_id, head)


def _seal(conn: Connection, d: Dialect, tenant_id: str, head: ChainHead) -> ChainHead:
    rows = conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = {d.mark} AND hash IS NULL"
        " ORDER BY id",
        (tenant_id,),
    ).fetchall()
    for row in rows:
        event = row_to_event(d, row)
        digest = event_hash(event, head.hash)
        conn.execute(
            f"UPDATE events SET prev_hash = {d.mark}, hash = {d.mark} WHERE id = {d.mark}",
            (head.hash, digest, event.id),
        )
        head = _advance(conn, d, tenant_id, head, digest, event.id)
    return head


def _advance(
    conn: Connection, d: Dialect, tenant_id: str, head: ChainHead, digest: str, event_id: int | None
) -> ChainHead:
    moved = ChainHead(digest, head.length + 1, event_id)
    conn.execute(
        f"UPDATE event_chain SET head_hash = {d.mark}, event_count = {d.mark},"
        f" last_event_id = {d.mark} WHERE tenant_id = {d.mark}",
        (moved.hash, moved.length, moved.last_event_id, tenant_id),
    )
    return moved


def seal_legacy(conn: Connection, d: Dialect, tenant_id: str) -> None:
    """Chain the tenant's events written before the log was chained, on ``conn``'s transaction."""
    _locked_head(conn, d, tenant_id)


def append_event(conn: Connection, d: Dialect, event: EventRecord) -> int:
    """Append ``event`` after the tenant's chain head on ``conn``'s open transaction.

    Returns:
        The id the database gave the event.
    """
    head = _locked_head(conn, d, event.tenant_id)
    chained = replace(event, prev_hash=head.hash, hash=event_hash(event, head.hash))
    event_id = int(
        conn.execute(
            f"INSERT INTO events ({EVENT_INSERT_COLUMNS}) VALUES ({d.marks(9)}) RETURNING id",
            event_params(d, chained),
        ).fetchone()[0]
    )
    assert chained.hash is not None
    _advance(conn, d, event.tenant_id, head, chained.hash, event_id)
    return event_id
