"""Connections of the PostgreSQL backend: a psycopg pool and the unit of work on top of it.

Pooled connections run in autocommit mode, so a read is one round trip; a unit of work borrows
one connection for its whole ``BEGIN ... COMMIT``. While a thread has a unit of work open, its
reads use that same connection (they see its own writes, as with SQLite, and a pool of one
connection cannot deadlock). psycopg failures are turned into the engine's errors here, in one
place: a lost, refused or failing database is :class:`DatabaseUnavailableError` (a full disk
:class:`StorageFullError`), a value PostgreSQL refuses is :class:`InvalidInputError`, and a
statement PostgreSQL cannot run (a bug) stays what it is.

When PostgreSQL goes away, requests must fail at once with a clear 503 instead of each waiting
out the pool timeout, and the server must recover by itself when PostgreSQL is back. So:

* a broken connection, or a request that finds no connection within :data:`FIRST_WAIT`, asks
  whether PostgreSQL is reachable by opening one connection of its own (at most once every
  :data:`PROBE_INTERVAL`, shared by all threads); unreachable means an outage;
* during an outage every request does the same cheap check before touching the pool: a 503
  while PostgreSQL stays away, and on its return the pool drops the connections the restart
  broke (:meth:`psycopg_pool.ConnectionPool.check`) and serves again;
* the pool retries a lost connection for at most :data:`RECONNECT_TIMEOUT` in the background
  and then reconnects on demand, so its backoff never grows to minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, NoReturn

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from cml.errors import (
    DatabaseUnavailableError,
    InvalidInputError,
    StorageFullError,
    UnavailableError,
)
from cml.storage.postgres.planner import CUSTOM_PLANS
from cml.storage.postgres.vectors import register_vector

logger = logging.getLogger(__name__)

_HINT = "Check CML_DATABASE_URL and that PostgreSQL is running and reachable."
_RETRY_HINT = (
    "Retry with backoff (the SDK does); the server reconnects by itself, no restart is needed. "
    "Operators: check that PostgreSQL is running (GET /api/v1/admin/components shows its state)."
)
EF_SEARCH = 100
"""Default ``hnsw.ef_search``: candidates the HNSW graph walk keeps (pgvector's default is 40)."""
FIRST_WAIT = 1.0
"""Seconds a request waits for a pooled connection before checking that PostgreSQL is up."""
PROBE_TIMEOUT = 2
"""``connect_timeout`` of the reachability check, in seconds (libpq's smallest)."""
PROBE_INTERVAL = 1.0
"""Seconds a reachability answer is reused by every thread before a new check."""
RECONNECT_TIMEOUT = 10.0
"""Seconds the pool retries a lost connection in the background before reconnecting on demand."""

# SQLSTATEs of a connection that is gone or going: connection exceptions (class 08) and the
# server shutting down, crashing or starting (57P01-57P03).
_LOST = ("08", "57P01", "57P02", "57P03")


def _configure(conn: psycopg.Connection[Any]) -> None:
    register_vector(conn)
    # UTC datetimes come back as UTC; a wider HNSW beam makes filtered queries fill up more often;
    # statements psycopg prepares are planned for their values each time (see .planner).
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
    conn.execute(CUSTOM_PLANS)


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (libpq adds hints on further lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def cannot_connect(
    location: str, exc: BaseException, hint: str = _HINT
) -> DatabaseUnavailableError:
    """The error of a direct connection (outside the pool) that PostgreSQL refused or dropped.

    Args:
        location: ``user@host:port/db`` (no password).
        exc: What psycopg raised.
        hint: What to check, for the command that connected.
    """
    return DatabaseUnavailableError(
        f"Cannot connect to PostgreSQL at {location}: {first_line(exc)}", hint=hint
    )


def _reason(exc: psycopg.Error) -> str:
    """Why PostgreSQL failed, in words that name no host, path or user (API callers see it)."""
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate in ("57P01", "57P02"):
        return "it is shutting down"
    if sqlstate == "57P03":
        return "it is starting up or shutting down"
    if sqlstate == "53300":
        return "it has no free connection slots"
    if sqlstate.startswith("53"):
        return "it is out of resources"
    if sqlstate == "57014":
        return "a query was cancelled or timed out"
    if sqlstate.startswith("40"):
        return "a transaction conflicted with another one"
    if sqlstate.startswith("08") or not sqlstate:
        return "the connection to it failed or was lost"
    return f"it reported SQLSTATE {sqlstate}"


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
        self._conninfo = conninfo
        self._timeout = timeout
        self._local = threading.local()
        self._closed = False
        self._probe_lock = threading.Lock()
        self._probed_at = float("-inf")
        self._probe_error: psycopg.Error | None = None
        self._suspect = False
        """A connection broke: check that PostgreSQL is reachable before the next checkout."""
        self._outage = False
        """PostgreSQL was found unreachable and has not been found reachable since."""
        self.pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max(max_size, min_size),
            kwargs={"autocommit": True},
            configure=_configure,
            timeout=timeout,
            reconnect_timeout=RECONNECT_TIMEOUT,
            name="cml",
            open=False,
        )
        try:
            self.pool.open(wait=True, timeout=timeout)
        except PoolTimeout as exc:
            self.pool.close()
            raise DatabaseUnavailableError(
                f"Could not open connections to PostgreSQL at {location} within {timeout:g} s.",
                hint=_HINT,
            ) from exc

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def error(self, exc: psycopg.Error) -> BaseException:
        """The engine error for a psycopg failure (``exc`` itself for a programming error)."""
        if isinstance(exc, pg_errors.DataException | pg_errors.IntegrityError):
            return InvalidInputError(f"PostgreSQL refused a value: {first_line(exc)}")
        if not isinstance(exc, psycopg.OperationalError):
            return exc  # a statement PostgreSQL cannot run is a bug, not an outage
        logger.warning("PostgreSQL at %s failed: %s", self.location, first_line(exc))
        if isinstance(exc, pg_errors.DiskFull):
            return StorageFullError(
                "The disk holding the database is full: nothing was stored by this request, and "
                "nothing stored before is lost.",
                hint="Operators: free disk space on the PostgreSQL server; writes succeed again "
                "at once, without a restart.",
            )
        return self._unavailable(exc)

    def fail(self, exc: psycopg.Error, conn: psycopg.Connection[Any] | None = None) -> NoReturn:
        """Raise the engine error of ``exc`` (see :meth:`error`), noting a lost connection."""
        sqlstate = getattr(exc, "sqlstate", None) or ""
        if conn is not None and (conn.broken or conn.closed or sqlstate.startswith(_LOST)):
            self._suspect = True
        error = self.error(exc)
        if error is exc:
            raise exc
        raise error from exc

    def _unavailable(
        self, exc: psycopg.Error, reason: str | None = None
    ) -> DatabaseUnavailableError:
        return DatabaseUnavailableError(
            f"The database is unavailable (PostgreSQL: {reason or _reason(exc)}). Requests "
            "succeed again as soon as it answers.",
            hint=_RETRY_HINT,
        )

    def in_transaction(self) -> bool:
        """Whether the calling thread has a unit of work open."""
        return getattr(self._local, "conn", None) is not None

    # -- reachability ----------------------------------------------------------------------------
    def _reachable(self) -> psycopg.Error | None:
        """``None`` when PostgreSQL accepts a new connection, else the error (cached briefly)."""
        with self._probe_lock:
            if time.monotonic() - self._probed_at < PROBE_INTERVAL:
                return self._probe_error
            try:
                with psycopg.connect(
                    self._conninfo, connect_timeout=PROBE_TIMEOUT, autocommit=True
                ) as conn:
                    conn.execute("SELECT 1")
                error = None
            except psycopg.Error as exc:
                error = exc
            self._probe_error, self._probed_at = error, time.monotonic()
            return error

    def _outage_check(self) -> None:
        """Raise at once while PostgreSQL is away; on its return, drop the broken connections."""
        error = self._reachable()
        if error is not None:
            if not self._outage:
                self._outage = True
                logger.warning(
                    "PostgreSQL at %s is unreachable: %s", self.location, first_line(error)
                )
            raise self._unavailable(error, "it does not accept connections") from error
        if self._outage:
            logger.warning("PostgreSQL at %s is reachable again", self.location)
        if self._outage or self._suspect:
            self._outage = self._suspect = False
            # Idle connections from before a restart are dead; check() replaces them now rather
            # than letting one request fail on each.
            self.pool.check()

    def _checkout(self) -> psycopg.Connection[Any]:
        if self._outage or self._suspect:
            self._outage_check()
        try:
            return self.pool.getconn(timeout=min(FIRST_WAIT, self._timeout))
        except PoolTimeout:
            pass
        # No connection within a second: the pool may be busy, or PostgreSQL may be gone.
        self._outage_check()
        try:
            return self.pool.getconn(timeout=max(self._timeout - FIRST_WAIT, 0.001))
        except PoolTimeout as exc:
            raise DatabaseUnavailableError(
                f"The database is too busy: no connection to PostgreSQL was free within "
                f"{self._timeout:g} s.",
                hint="Retry with backoff (the SDK does). Operators: raise CML_DB_POOL_MAX or "
                "lower the load.",
            ) from exc

    # -- connections -----------------------------------------------------------------------------
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
            conn = self._checkout()
        except psycopg.Error as exc:  # e.g. the pool closed under a waiting request
            self.fail(exc)
        try:
            with conn:  # rolls back a failed transaction; a pooled connection stays open
                yield conn
        except psycopg.Error as exc:
            self.fail(exc, conn)
        finally:
            self.pool.putconn(conn)  # a broken connection is discarded and replaced

    @contextmanager
    def write(self) -> Iterator[psycopg.Connection[Any]]:
        """``BEGIN`` on a pooled connection; commit on success, roll back on any exception.

        Raises:
            RuntimeError: The calling thread already has a unit of work open.
            DatabaseUnavailableError: The database cannot be reached or fails.
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
                self.fail(exc, conn)
            finally:
                self._local.conn = None

    def own_write(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        """A pooled connection in autocommit mode: each statement commits by itself (leases)."""
        return self.read()

    @contextmanager
    def best_effort(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's unit of work, or a transaction that does not wait for the WAL flush.

        Access counts are best effort on the read path: a crash may lose the last few, nothing
        else, and the read does not pay for a disk flush. The statements are pipelined (sent
        together, their results awaited once): ``BEGIN``, the setting, the caller's statements
        (whose results it must not read) and ``COMMIT`` cost one round trip, not four.
        """
        if self.in_transaction():
            with self.read() as conn:  # this thread's unit of work
                yield conn
            return
        with self.read() as conn, conn.pipeline(), conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = off")
            yield conn

    def close(self) -> None:
        """Close every connection (safe to call twice)."""
        if not self._closed:
            self._closed = True
            self.pool.close()
