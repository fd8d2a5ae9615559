"""Connections of the PostgreSQL backend: a psycopg pool and the unit of work on top of it.

Pooled connections run in autocommit mode, so a read is one round trip; a unit of work borrows
one connection for its whole ``BEGIN ... COMMIT``. While a thread has a unit of work open, its
reads use that same connection (they see its own writes, as with SQLite, and a pool of one
connection cannot deadlock). psycopg failures are turned into the engine's errors here, in one
place: a lost or refused connection is :class:`UnavailableError`, a value PostgreSQL refuses is
:class:`InvalidInputError`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from cml.errors import EngineError, InvalidInputError, UnavailableError
from cml.storage.postgres.vectors import register_vector

logger = logging.getLogger(__name__)

_HINT = "Check CML_DATABASE_URL and that PostgreSQL is running and reachable."
EF_SEARCH = 100
"""Default ``hnsw.ef_search``: candidates the HNSW graph walk keeps (pgvector's default is 40)."""


def _configure(conn: psycopg.Connection[Any]) -> None:
    register_vector(conn)
    # UTC datetimes come back as UTC; a wider HNSW beam makes filtered queries fill up more often.
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")


class Connections:
    """The connection pool of one store.

    Args:
        conninfo: libpq connection string.
        location: ``user@host:port/db`` (no password), for messages.
        min_size: Connections kept open.
        max_size: Most connections open at once.
        timeout: Seconds to wait for a free connection before giving up.
    """

    def __init__(
        self, conninfo: str, location: str, *, min_size: int, max_size: int, timeout: float = 30
    ) -> None:
        self.location = location
        self._local = threading.local()
        self._closed = False
        self.pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max(max_size, min_size),
            kwargs={"autocommit": True},
            configure=_configure,
            timeout=timeout,
            name="cml",
            open=False,
        )
        try:
            self.pool.open(wait=True, timeout=timeout)
        except PoolTimeout as exc:
            self.pool.close()
            raise UnavailableError(
                f"Could not open connections to PostgreSQL at {location} within {timeout:g} s.",
                hint=_HINT,
            ) from exc

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def error(self, exc: psycopg.Error) -> EngineError:
        """The engine error for a psycopg failure."""
        if isinstance(exc, pg_errors.DataException | pg_errors.IntegrityError):
            return InvalidInputError(f"PostgreSQL refused a value: {str(exc).strip()}")
        return UnavailableError(
            f"PostgreSQL at {self.location} failed: {str(exc).strip()}", hint=_HINT
        )

    def in_transaction(self) -> bool:
        """Whether the calling thread has a unit of work open."""
        return getattr(self._local, "conn", None) is not None

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection for reading: this thread's unit of work, or one from the pool."""
        if self._closed:
            raise UnavailableError(f"The store {self.location} is closed.")
        own: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if own is not None:
            yield own
            return
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise UnavailableError(
                f"No free connection to PostgreSQL at {self.location}.",
                hint="Raise CML_DB_POOL_MAX or lower the load.",
            ) from exc
        except psycopg.Error as exc:
            raise self.error(exc) from exc

    @contextmanager
    def write(self) -> Iterator[psycopg.Connection[Any]]:
        """``BEGIN`` on a pooled connection; commit on success, roll back on any exception.

        Raises:
            RuntimeError: The calling thread already has a unit of work open.
            UnavailableError: The database cannot be reached or fails.
            InvalidInputError: PostgreSQL refused a value.
        """
        if self.in_transaction():
            raise RuntimeError("transactions cannot be nested")
        with self.read() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield conn
            except psycopg.Error as exc:
                raise self.error(exc) from exc
            finally:
                self._local.conn = None

    def close(self) -> None:
        """Close every connection (safe to call twice)."""
        if not self._closed:
            self._closed = True
            self.pool.close()
