"""What the SQLite vector index reads from the database and records in it.

Besides loading a tenant's rows, it keeps the bookkeeping of graph snapshots (schema version
6): ``vector_snapshots`` holds, per tenant with a saved graph, the token that names the graph's
files and the last ``vector_log`` entry they include; triggers on ``memories`` append to
``vector_log`` every change to such a tenant's rows, in the same transaction as the change. A
snapshot is therefore brought up to date after a crash by replaying the log past its entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from cml.storage.sqlite.conn import Connections
from cml.storage.sqlite.fields import INDEX_COLUMNS, IndexRow

CHUNK = 50_000
"""Rows read per query while building a large tenant's index."""

_IDS_PER_QUERY = 500


class VectorSource:
    """The vector index's access to one SQLite database.

    Args:
        db: The store's connections.
        path: The database file (``None`` in memory: snapshots are not kept).
    """

    def __init__(self, db: Connections, path: Path | None) -> None:
        self._db = db
        self.directory = None if path is None else path.with_name(path.name + ".vectors")
        self.write_lock: AbstractContextManager[object] = db.write_lock
        """The store's writer lock (re-entrant): no commit lands while it is held."""

    def can_write(self) -> bool:
        """Whether the calling thread may write now (it has no transaction of its own open)."""
        return not self._db.in_transaction()

    def count(self, tenant_id: str) -> int:
        """How many of the tenant's memories have an embedding."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT count(*) FROM memories WHERE tenant_id = ? AND embedding IS NOT NULL",
                (tenant_id,),
            ).fetchone()
        return int(row[0])

    def rows(self, tenant_id: str) -> list[IndexRow]:
        """Every embedded memory of the tenant, oldest first, all of the most common width.

        Rows of another width can only come from outside tampering; they are unsearchable.
        """
        rows = [row for chunk in self.chunks(tenant_id) for row in chunk]
        if rows:
            width = len(rows[-1][1])
            rows = [row for row in rows if len(row[1]) == width]
        return rows

    def chunks(self, tenant_id: str, size: int = CHUNK) -> Iterator[list[IndexRow]]:
        """The tenant's embedded memories, oldest first, ``size`` rows at a time."""
        after = -1
        while True:
            with self._db.read() as conn:
                found = conn.execute(
                    f"SELECT pk, {INDEX_COLUMNS} FROM memories WHERE tenant_id = ?"
                    " AND embedding IS NOT NULL AND pk > ? ORDER BY pk LIMIT ?",
                    (tenant_id, after, size),
                ).fetchall()
            if not found:
                return
            after = found[-1][0]
            yield [tuple(row[1:]) for row in found]

    def vectors(self, tenant_id: str, ids: Sequence[str]) -> dict[str, bytes]:
        """The stored embeddings of those of ``ids`` that are the tenant's."""
        found: dict[str, bytes] = {}
        with self._db.read() as conn:
            for start in range(0, len(ids), _IDS_PER_QUERY):
                part = ids[start : start + _IDS_PER_QUERY]
                marks = ",".join("?" * len(part))
                found.update(
                    conn.execute(
                        "SELECT id, embedding FROM memories WHERE tenant_id = ?"
                        f" AND id IN ({marks}) AND embedding IS NOT NULL",
                        (tenant_id, *part),
                    ).fetchall()
                )
        return found

    def snapshot(self, tenant_id: str) -> tuple[str, int] | None:
        """The token and log entry of the tenant's recorded snapshot, if any."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT token, seq FROM vector_snapshots WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def changed_since(self, tenant_id: str, seq: int) -> tuple[list[IndexRow], list[str]]:
        """The tenant's rows logged after entry ``seq``.

        Returns:
            The rows that have an embedding, and the ids of the others (deleted, or their
            embedding removed).
        """
        with self._db.read() as conn:
            ids = [
                memory_id
                for (memory_id,) in conn.execute(
                    "SELECT DISTINCT memory_id FROM vector_log WHERE tenant_id = ? AND seq > ?",
                    (tenant_id, seq),
                )
            ]
            rows: list[IndexRow] = []
            for start in range(0, len(ids), _IDS_PER_QUERY):
                part = ids[start : start + _IDS_PER_QUERY]
                marks = ",".join("?" * len(part))
                rows.extend(
                    conn.execute(
                        f"SELECT {INDEX_COLUMNS} FROM memories WHERE tenant_id = ?"
                        f" AND id IN ({marks}) AND embedding IS NOT NULL ORDER BY pk",
                        (tenant_id, *part),
                    ).fetchall()
                )
        present = {row[0] for row in rows}
        return rows, [memory_id for memory_id in ids if memory_id not in present]

    def record(self, tenant_id: str, token: str) -> None:
        """Record that the tenant's snapshot ``token`` holds every change committed so far.

        Call it holding the writer lock, after the files are written, with no transaction open.
        The log entries it includes are dropped.
        """
        with self._db.write() as conn:
            (seq,) = conn.execute("SELECT coalesce(max(seq), 0) FROM vector_log").fetchone()
            conn.execute(
                "INSERT INTO vector_snapshots (tenant_id, token, seq) VALUES (?, ?, ?)"
                " ON CONFLICT (tenant_id) DO UPDATE SET token = excluded.token, seq = excluded.seq",
                (tenant_id, token, seq),
            )
            conn.execute(
                "DELETE FROM vector_log WHERE tenant_id = ? AND seq <= ?", (tenant_id, seq)
            )

    def forget(self, tenant_id: str) -> None:
        """Drop the tenant's snapshot record and log (its files are then stale)."""
        with self._db.write() as conn:
            conn.execute("DELETE FROM vector_snapshots WHERE tenant_id = ?", (tenant_id,))
            conn.execute("DELETE FROM vector_log WHERE tenant_id = ?", (tenant_id,))
