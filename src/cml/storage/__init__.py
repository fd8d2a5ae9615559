"""Storage backends behind one protocol, chosen by the database URL.

Example:
    >>> store = open_store("sqlite:///:memory:")
    >>> store.backend
    'sqlite'
    >>> store.close()
"""

from __future__ import annotations

from cml.errors import InvalidInputError
from cml.storage.base import (
    ALL_EVENTS,
    DEFAULT_STATUSES,
    AccessCounter,
    EventFilter,
    EventLog,
    EventRecord,
    IdempotencyRecord,
    IdempotencyStore,
    IntegrityFindings,
    KeyRecord,
    KeyStore,
    Leases,
    Lifecycle,
    MemoryFilter,
    MemoryReader,
    MemoryRecord,
    MemoryStore,
    Search,
    StoreTransaction,
    TenantDirectory,
    TenantRecord,
    Transactions,
    Vector,
    VersionRecord,
)
from cml.storage.ids import new_id

__all__ = [
    "ALL_EVENTS",
    "DEFAULT_STATUSES",
    "AccessCounter",
    "EventFilter",
    "EventLog",
    "EventRecord",
    "IdempotencyRecord",
    "IdempotencyStore",
    "IntegrityFindings",
    "KeyRecord",
    "KeyStore",
    "Leases",
    "Lifecycle",
    "MemoryFilter",
    "MemoryReader",
    "MemoryRecord",
    "MemoryStore",
    "Search",
    "StoreTransaction",
    "TenantDirectory",
    "TenantRecord",
    "Transactions",
    "Vector",
    "VersionRecord",
    "new_id",
    "open_store",
]

_ACCEPTED = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: "
    "or postgresql://user:password@host:5432/dbname"
)


def open_store(database_url: str, *, pool_min: int = 1, pool_max: int = 10) -> MemoryStore:
    """Open the store a database URL names.

    A SQLite file is created and migrated if needed, and so is its directory (the server's data
    directory): callers prepare nothing on disk themselves. A PostgreSQL database must already
    have the schema of this py-cml (``cml db upgrade`` applies it): a server never migrates it.

    Args:
        database_url: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``,
            ``sqlite:///:memory:`` or ``postgresql://user:password@host:5432/dbname``
            (``postgres://`` works too).
        pool_min: PostgreSQL: connections kept open (ignored by SQLite).
        pool_max: PostgreSQL: most connections open at once (ignored by SQLite).

    Raises:
        InvalidInputError: The URL has an unsupported scheme or cannot be read.
        UnavailableError: The database cannot be reached, or its file or directory cannot be
            created or written: the directory is a file, cannot be created or is not writable
            (the message names it and says what to change).
        StoreMismatchError: The database was written by a newer py-cml, or (PostgreSQL) its
            schema is missing or older: run ``cml db upgrade``.
        ImportError: A PostgreSQL URL without the ``postgres`` extra installed.
    """
    url = database_url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or url == "sqlite:///":
            raise InvalidInputError(
                f"Cannot read the SQLite URL {database_url!r}.",
                field="database_url",
                hint=f"Use {_ACCEPTED}.",
            )
        path = url[len("sqlite:///") :].split("?", 1)[0]
        # Imported here so that reading the protocol does not pull in numpy-backed modules.
        from cml.storage.sqlite import SQLiteStore

        return SQLiteStore(path)
    if scheme in ("postgresql", "postgres") or scheme.startswith(("postgresql+", "postgres+")):
        try:
            from cml.storage.postgres import PostgresStore
        except ImportError as exc:
            raise ImportError(
                'The PostgreSQL backend needs the postgres extra: pip install "py-cml[postgres]"'
            ) from exc
        return PostgresStore(url, pool_min=pool_min, pool_max=pool_max)
    raise InvalidInputError(
        f"Unsupported database URL {database_url!r}.",
        field="database_url",
        hint=f"Use {_ACCEPTED}.",
    )
