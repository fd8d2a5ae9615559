"""The unit of work of the PostgreSQL backend: the shared statements, large inserts in bulk.

Row by row, an insert is one statement per memory and the term trigger of revision 0004 upserts
each memory's lexemes: most of the cost of an import. From :data:`~cml.storage.sql.tx.BULK_FROM`
rows on, an insert instead

1. copies the rows (``COPY ... FROM STDIN``, binary) into a temporary table of the
   transaction, typed like ``memories`` (:data:`_STAGE`);
2. sets ``cml.bulk_terms`` for its transaction, so the term trigger leaves inserted rows alone
   (revision 0006), and moves the rows into ``memories`` with one ``INSERT ... SELECT`` whose
   ``RETURNING`` feeds ``cml_count_rows`` (revision 0007): the batch's term statistics are
   counted once, from the rows just written, without reading ``memories`` back.

Same rows, same constraints (a duplicate id fails the whole batch), same counts as row by row.
A failed insert aborts the transaction, and the temporary table and the setting go with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from cml.storage.base import MemoryRecord
from cml.storage.postgres.dialect import POSTGRES
from cml.storage.postgres.migrations.versions.r0004_term_stats import searchable
from cml.storage.sql.columns import MEMORY_COLUMNS
from cml.storage.sql.rows import memory_params
from cml.storage.sql.tx import BULK_FROM, SQLTransaction, stamp_stored_at

__all__ = ["PostgresTransaction"]

_COLUMNS = ", ".join(MEMORY_COLUMNS)

_STAGE = (
    f"CREATE TEMPORARY TABLE cml_staged ON COMMIT DROP AS SELECT {_COLUMNS} FROM memories"
    " WITH NO DATA"
)
"""A scratch table of the transaction with the columns (and types) ``memories`` has."""

_STAGED_TYPES = (
    "SELECT array_agg(atttypid::integer ORDER BY attnum) FROM pg_attribute"
    " WHERE attrelid = 'cml_staged'::regclass AND attnum > 0 AND NOT attisdropped"
)

_COPY = f"COPY cml_staged ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"

_MOVE_STAGED = f"""
    WITH new AS (
        INSERT INTO memories ({_COLUMNS}) SELECT {_COLUMNS} FROM cml_staged
        RETURNING tenant_id, coalesce(namespace, '') AS namespace, content_tsv,
            {searchable("memories")} AS counted
    )
    SELECT cml_count_rows(array_agg(tenant_id), array_agg(namespace), array_agg(content_tsv))
    FROM new WHERE counted
"""
"""Staged rows into ``memories``, and their term statistics counted in the same statement."""


_COUNT_MEMORY = "64MB"
"""``work_mem`` of a bulk insert's transaction (PostgreSQL's default, 4 MB, spills its sort)."""


class PostgresTransaction(SQLTransaction[psycopg.Connection[Any]]):
    """The shared statements on a pooled connection inside its transaction."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, POSTGRES)

    def insert(self, records: Sequence[MemoryRecord]) -> None:
        """Insert new memories; a record's ``stored_at`` is set to now when it is ``None``.

        From :data:`~cml.storage.sql.tx.BULK_FROM` records on, the rows are copied in and
        their term statistics counted in one statement instead of row by row (same counts).
        """
        if len(records) < BULK_FROM:
            super().insert(records)
            return
        stamp_stored_at(records)
        conn = self._conn
        conn.execute(_STAGE)
        row = conn.execute(_STAGED_TYPES).fetchone()
        assert row is not None  # the table was just created
        with conn.cursor() as cursor, cursor.copy(_COPY) as copy:
            copy.set_types(row[0])
            for record in records:
                copy.write_row(memory_params(POSTGRES, record))
        conn.execute("SELECT set_config('cml.bulk_terms', 'on', true)")
        # The count sorts ~10 terms per row: in memory, not spilled to disk (for this
        # transaction only, like the setting above).
        conn.execute(f"SELECT set_config('work_mem', '{_COUNT_MEMORY}', true)")
        conn.execute(_MOVE_STAGED)
        conn.execute("SELECT set_config('cml.bulk_terms', 'off', true)")
        conn.execute("DROP TABLE cml_staged")
