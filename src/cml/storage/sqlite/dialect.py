"""How the SQLite backend stores values: the :data:`SQLITE` dialect of the shared statements.

Timestamps are REAL epoch seconds (UTC), lists and dicts compact JSON text, embeddings float32
bytes. Naive datetimes are taken to be UTC. A list parameter is one ``?`` per value, at most
:data:`CHUNK` at a time (SQLite bounds the parameters of one statement).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np

from cml.storage.base import Vector
from cml.storage.sql.dialect import Dialect, as_utc, dump_json

__all__ = ["CHUNK", "SQLITE", "SQLiteDialect", "from_epoch", "to_epoch"]

CHUNK = 500
"""Ids per ``IN (...)`` list, well under SQLite's bound-parameter limit."""

_FLOAT32 = np.dtype(np.float32)
"""A read converts every candidate's embedding: the dtype object, not the type, is passed (a
third of the conversion's cost is resolving ``dtype=np.float32``)."""


def to_epoch(value: datetime) -> float:
    """Epoch seconds of ``value`` (a naive datetime counts as UTC)."""
    return as_utc(value).timestamp()


def from_epoch(value: float) -> datetime:
    """A timezone-aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(value, UTC)  # positional: a third cheaper than ``tz=UTC``


def _json_out(value: str) -> Any:
    # Most memories have no tags, metadata or provenance: three parses per row a read fetches.
    if value == "[]":
        return []
    if value == "{}":
        return {}
    return json.loads(value)


class SQLiteDialect(Dialect):
    """The shared statements as SQLite runs them: every stored time, list and vector converted."""

    mark = "?"
    chunk_size = CHUNK
    json_value = "json(?)"
    json_any = "EXISTS (SELECT 1 FROM json_each({column}) AS t WHERE t.value IN ({values}))"
    # Stored times are epoch seconds after 1970: truncating is flooring.
    epoch_day = "CAST({column} / 86400 AS INTEGER)"
    index_hint = " INDEXED BY {}"

    # Plain functions, not methods: a read converts several values of every row it fetches.
    time_in = staticmethod(to_epoch)
    time_out = staticmethod(from_epoch)
    json_in = staticmethod(dump_json)
    json_out = staticmethod(_json_out)

    def vector_in(self, vector: Vector) -> bytes:
        """An embedding as float32 bytes."""
        return np.ascontiguousarray(vector, dtype=np.float32).reshape(-1).tobytes()

    def vector_out(self, value: bytes) -> Vector:
        """Float32 bytes as an embedding of its own (a copy, not a view of the row buffer)."""
        return np.frombuffer(value, _FLOAT32).copy()

    def json_key(self, key: str) -> str:
        """A quoted JSON path label, so that dots and dollars in a key are taken literally.

        Keys with a double quote are refused by the filter's validation: SQLite paths cannot
        escape one.
        """
        return f'$."{key}"'


SQLITE = SQLiteDialect()
"""The shared statements as SQLite runs them."""
