"""How the PostgreSQL backend stores values: the :data:`POSTGRES` dialect of the shared statements.

Timestamps are ``timestamptz`` (read back as UTC datetimes: connections run in UTC), lists and
dicts ``jsonb``, embeddings pgvector ``vector`` (see :mod:`cml.storage.postgres.vectors`), so
psycopg's adapters do the reading. Naive datetimes are taken to be UTC. A list parameter is one
array (``= ANY(%s)``), however long. Rows an ``UPDATE`` takes are locked in a stated order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from cml.storage.sql.dialect import Dialect, dump_json

__all__ = ["POSTGRES", "jsonb", "utc"]


def utc(value: datetime) -> datetime:
    """``value`` as an aware datetime (a naive one counts as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def jsonb(value: Any) -> Jsonb:
    """A ``jsonb`` parameter (values JSON cannot hold are written as their ``str``)."""
    return Jsonb(value, dumps=dump_json)


def _as_read(value: Any) -> Any:
    return value


POSTGRES = Dialect(
    name="postgres",
    mark="%s",
    array_lists=True,
    chunk_size=1_000_000,
    time_in=utc,
    time_out=_as_read,
    json_in=jsonb,
    json_out=_as_read,
    vector_in=_as_read,
    vector_out=_as_read,
    json_key=str,
    json_value="%s",
    json_any="{column} ?| {values}",
    epoch_day="CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 86400) AS BIGINT)",
    row_lock=" FOR UPDATE",
)
"""The shared statements as PostgreSQL runs them."""
