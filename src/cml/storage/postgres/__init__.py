"""The PostgreSQL backend (pgvector + tsvector), for many server replicas on one database.

Needs the ``postgres`` extra (``pip install "py-cml[postgres]"``). The schema is managed with
Alembic: ``cml db upgrade`` applies it, and a store refuses to open an older one.
"""

from __future__ import annotations

from cml.storage.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
