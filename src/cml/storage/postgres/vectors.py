"""psycopg adapters between numpy float32 arrays and pgvector's ``vector`` type.

pgvector's binary format is a big-endian ``int16`` dimension, an unused ``int16`` and the
big-endian ``float32`` values; loading it gives a native-order float32 array, so a vector reads
back bit for bit as it was written.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import psycopg
from psycopg.abc import Buffer
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

from cml.storage.base import Vector

_HEADER = struct.Struct(">HH")


def to_vector_bytes(vector: Vector) -> bytes:
    """The pgvector binary form of a 1-d float vector."""
    values = np.ascontiguousarray(vector, dtype=">f4").reshape(-1)
    return _HEADER.pack(values.shape[0], 0) + values.tobytes()


def from_vector_bytes(data: Buffer) -> Vector:
    """A native float32 array from pgvector's binary form."""
    (dims, _) = _HEADER.unpack_from(data)
    return np.frombuffer(data, dtype=">f4", count=dims, offset=_HEADER.size).astype(np.float32)


class _VectorDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj: Any) -> Buffer:
        return to_vector_bytes(obj)


class _VectorTextLoader(Loader):
    format = Format.TEXT

    def load(self, data: Buffer) -> Vector:
        text = bytes(data).decode("ascii").strip("[]")
        return np.array(text.split(",") if text else [], dtype=np.float32)


class _VectorBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data: Buffer) -> Vector:
        return from_vector_bytes(data)


def register_vector(conn: psycopg.Connection[Any]) -> None:
    """Teach ``conn`` to send numpy arrays as ``vector`` and to read ``vector`` as numpy.

    Raises:
        psycopg.ProgrammingError: The ``vector`` extension is not installed in the database.
    """
    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise psycopg.ProgrammingError("the pgvector extension is not installed")
    dumper = type("VectorDumper", (_VectorDumper,), {"oid": info.oid})
    conn.adapters.register_dumper(np.ndarray, dumper)
    conn.adapters.register_loader(info.oid, _VectorTextLoader)
    conn.adapters.register_loader(info.oid, _VectorBinaryLoader)
