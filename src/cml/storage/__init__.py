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
    DEFAULT_STATUSES,
    EventRecord,
    IdempotencyRecord,
    KeyRecord,
    MemoryFilter,
    MemoryRecord,
    MemoryStore,
    StoreTransaction,
    Vector,
    VersionRecord,
)
from cml.storage.ids import new_id

__all__ = [
    "DEFAULT_STATUSES",
    "EventRecord",
    "IdempotencyRecord",
    "KeyRecord",
    "MemoryFilter",
    "MemoryRecord",
    "MemoryStore",
    "StoreTransaction",
    "Vector",
    "VersionRecord",
    "new_id",
    "open_store",
]

_ACCEPTED = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:///:memory: "
    "(postgresql://... once the PostgreSQL backend ships)"
)


def open_store(database_url: str) -> MemoryStore:
    """Open (creating and migrating if needed) the store a database URL names.

    Args:
        database_url: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or
            ``sqlite:///:memory:``.

    Raises:
        InvalidInputError: The URL has an unsupported scheme, or names PostgreSQL (not
            available yet).
        UnavailableError: The database file or its directory cannot be written.
        StoreMismatchError: The database was written by a newer py-cml.
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
    if scheme.startswith(("postgresql", "postgres")):
        raise InvalidInputError(
            "The PostgreSQL backend is not available yet in this version of py-cml.",
            field="database_url",
            hint="Use a SQLite URL such as sqlite:///./cml-data/cml.db for now.",
        )
    raise InvalidInputError(
        f"Unsupported database URL {database_url!r}.",
        field="database_url",
        hint=f"Use {_ACCEPTED}.",
    )
