"""The SQLite backend: one file (or ``:memory:``), WAL, FTS5 and an in-memory vector index."""

from __future__ import annotations

from cml.storage.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
