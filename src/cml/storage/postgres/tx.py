"""The unit of work of the PostgreSQL backend: the shared statements, large inserts counted once.

Row by row, the term trigger of revision 0004 upserts each inserted memory's lexemes: most of
the cost of an import. From :data:`~cml.storage.sql.tx.BULK_FROM` rows on, an insert sets
``cml.bulk_terms`` for its transaction (the trigger then leaves inserted rows alone, revision
0006) and adds the new rows' counts in one statement, ``cml_count_inserted``. A failed insert
aborts the transaction, and the setting goes with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from cml.storage.base import MemoryRecord
from cml.storage.postgres.dialect import POSTGRES
from cml.storage.sql.tx import BULK_FROM, SQLTransaction

__all__ = ["PostgresTransaction"]


class PostgresTransaction(SQLTransaction[psycopg.Connection[Any]]):
    """The shared statements on a pooled connection inside its transaction."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, POSTGRES)

    def insert(self, records: Sequence[MemoryRecord]) -> None:
        """Insert new memories; a record's ``stored_at`` is set to now when it is ``None``.

        From :data:`~cml.storage.sql.tx.BULK_FROM` records on, their term statistics are
        counted in one statement instead of row by row (same counts).
        """
        if len(records) < BULK_FROM:
            super().insert(records)
            return
        self._conn.execute("SELECT set_config('cml.bulk_terms', 'on', true)")
        super().insert(records)
        self._conn.execute("SELECT set_config('cml.bulk_terms', 'off', true)")
        self._conn.execute(
            "SELECT cml_count_inserted(%s, %s)",
            ([r.tenant_id for r in records], [r.id for r in records]),
        )
