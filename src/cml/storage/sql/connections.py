"""What the shared statements need from a backend's driver and connection handling.

Both drivers (the standard ``sqlite3`` module and psycopg) speak enough of DB-API 2.0 for the
shared code: ``execute`` returning a cursor with ``fetchone``/``fetchall``/``rowcount``, and a
cursor's ``executemany``. How connections are kept, locked and committed stays with each backend
(a single writer for SQLite, a pool for PostgreSQL); :class:`Connections` names the three ways the
shared code asks for one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

__all__ = ["ConnT", "Connection", "Connections", "Cursor", "read_all", "read_one"]


class Cursor(Protocol):
    """The part of a DB-API cursor the shared statements use."""

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""

    def fetchone(self) -> Any:
        """The next row, or ``None``."""

    def fetchall(self) -> list[Any]:
        """The remaining rows."""

    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> object:
        """Run one statement once per parameter row."""

    def close(self) -> None:
        """Release the cursor."""


class Connection(Protocol):
    """The part of a DB-API connection the shared statements use."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor:
        """Run one statement."""

    def cursor(self) -> Cursor:
        """A new cursor."""


ConnT = TypeVar("ConnT", bound=Connection)
"""A backend's connection type: the shared store, transaction and webhooks are generic in it."""
C_co = TypeVar("C_co", bound=Connection, covariant=True)


class Connections(Protocol[C_co]):
    """How the shared statements get a connection from a backend.

    Every method is a context manager; leaving it normally commits what the block wrote (or,
    inside a unit of work, leaves that to the unit of work), and driver errors come out as the
    engine's errors (:class:`~cml.errors.UnavailableError` and its kin).
    """

    @property
    def closed(self) -> bool:
        """Whether the store has been closed."""

    def in_transaction(self) -> bool:
        """Whether the calling thread has a unit of work open."""

    def read(self) -> AbstractContextManager[C_co]:
        """A connection for reading: the calling thread's unit of work if it has one open."""

    def own_write(self) -> AbstractContextManager[C_co]:
        """A connection whose writes commit at the end of the block, outside any unit of work.

        For the writes other processes must see at once (leases).
        """

    def best_effort(self) -> AbstractContextManager[C_co]:
        """A connection for a write that must not hold up the read it follows.

        The calling thread's unit of work if it has one open (the write is then part of it);
        otherwise a short transaction of its own that waits little for a busy database and
        may be lost in a crash (access counts). The caller does not read the results of its
        statements (a backend may send them in one batch with the transaction's own).
        """


def read_one(db: Connections[Connection], sql: str, params: Sequence[Any] = ()) -> Any:
    """The first row of one read statement, or ``None`` (see :meth:`Connections.read`)."""
    with db.read() as conn:
        return conn.execute(sql, params).fetchone()


def read_all(db: Connections[Connection], sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Every row of one read statement (see :meth:`Connections.read`)."""
    with db.read() as conn:
        return conn.execute(sql, params).fetchall()
