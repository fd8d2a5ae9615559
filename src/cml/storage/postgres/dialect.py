"""How the PostgreSQL backend stores values: the :data:`POSTGRES` dialect of the shared statements.

Timestamps are ``timestamptz`` (read back as UTC datetimes: connections run in UTC), lists and
dicts ``jsonb``, embeddings pgvector ``vector`` (see :mod:`cml.storage.postgres.vectors`), so
psycopg's adapters do the reading and :class:`~cml.storage.sql.dialect.Dialect`'s pass-through
conversions serve. Naive datetimes are taken to be UTC. A list parameter is one array
(``= ANY(%s)``), however long. Rows an ``UPDATE`` takes are locked in a stated order.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from cml.storage.sql.dialect import Dialect, dump_json

__all__ = ["POSTGRES", "PostgresDialect"]


class PostgresDialect(Dialect):
    """The shared statements as PostgreSQL runs them."""

    mark = "%s"
    array_lists = True
    json_value = "%s"
    json_any = "{column} ?| {values}"
    epoch_day = "CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 86400) AS BIGINT)"
    row_lock = " FOR UPDATE"

    def json_in(self, value: Any) -> Jsonb:
        """A ``jsonb`` parameter (values JSON cannot hold are written as their ``str``)."""
        return Jsonb(value, dumps=dump_json)


POSTGRES = PostgresDialect()
"""The shared statements as PostgreSQL runs them."""
