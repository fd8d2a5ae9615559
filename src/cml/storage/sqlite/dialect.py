"""How the SQLite backend stores values: the :data:`SQLITE` dialect of the shared statements.

Timestamps are REAL epoch seconds (UTC), lists and dicts compact JSON text, embeddings float32
bytes. Naive datetimes are taken to be UTC. A list parameter is one ``?`` per value, at most
:data:`CHUNK` at a time (SQLite bounds the parameters of one statement).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np

from cml.storage.base import Vector
from cml.storage.sql.dialect import Dialect, dump_json

__all__ = ["CHUNK", "SQLITE", "from_epoch", "to_epoch"]

CHUNK = 500
"""Ids per ``IN (...)`` list, well under SQLite's bound-parameter limit."""


def to_epoch(value: datetime) -> float:
    """Epoch seconds of ``value`` (a naive datetime counts as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def from_epoch(value: float) -> datetime:
    """A timezone-aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(value, tz=UTC)


def _vector_bytes(vector: Vector) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).reshape(-1).tobytes()


def _vector_from_bytes(data: bytes) -> Vector:
    return np.frombuffer(data, dtype=np.float32).copy()


def _json_path(key: str) -> str:
    # A quoted label, so that dots and dollars in a key are taken literally (keys with a
    # double quote are refused by the filter's validation: SQLite paths cannot escape one).
    return f'$."{key}"'


SQLITE = Dialect(
    name="sqlite",
    mark="?",
    array_lists=False,
    chunk_size=CHUNK,
    time_in=to_epoch,
    time_out=from_epoch,
    json_in=dump_json,
    json_out=json.loads,
    vector_in=_vector_bytes,
    vector_out=_vector_from_bytes,
    json_key=_json_path,
    json_value="json(?)",
    json_any="EXISTS (SELECT 1 FROM json_each({column}) AS t WHERE t.value IN ({values}))",
    # Stored times are epoch seconds after 1970: truncating is flooring.
    epoch_day="CAST({column} / 86400 AS INTEGER)",
    index_hint=" INDEXED BY {}",
)
"""The shared statements as SQLite runs them."""
