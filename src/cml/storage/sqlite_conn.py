"""Connections of the SQLite backend: one writer, per-thread readers, and their locks.

One writer connection is used only under a re-entrant lock, so writes are serialised inside this
process (``BEGIN IMMEDIATE`` plus ``busy_timeout`` covers other processes). For a file, each
reading thread has its own connection; with WAL, reads never wait for the writer. A ``:memory:``
database cannot be shared between connections, so there one connection serves reads and writes,
under the same lock.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cml.errors import UnavailableError

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5000
_HINT_DATA_DIR = "Choose a writable data directory (CML_DATA_DIR) or fix its permissions."


def prepare_file(path: Path) -> None:
    """Create the parent directories and check that the database file can be written.

    Raises:
        UnavailableError: Naming the directory or file that cannot be created or written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UnavailableError(
            f"Cannot create the data directory {path.parent}: {exc.strerror or exc}",
            hint=_HINT_DATA_DIR,
        ) from exc
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UnavailableError(
            f"The data directory {path.parent} is not writable.", hint=_HINT_DATA_DIR
        )
    if path.exists() and (path.is_dir() or not os.access(path, os.R_OK | os.W_OK)):
        raise UnavailableError(
            f"The database file {path} cannot be read and written.", hint=_HINT_DATA_DIR
        )


class Connections:
    """The writer and reader connections of one database.

    Args:
        location: A file path or ``":memory:"``.
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self.in_memory = location == MEMORY
        self.write_lock = threading.RLock()
        """Held for every write; re-entrant so that a writing thread may also read."""
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self.writer = self._connect()

    def unavailable(self, exc: BaseException) -> UnavailableError:
        """The engine error for a failing database."""
        return UnavailableError(
            f"SQLite database {self.location} failed: {exc}",
            hint="Check that the file is a py-cml database on a writable, healthy disk.",
        )

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.location,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,  # guarded by our locks; closed from any thread
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.in_memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise self.unavailable(exc) from exc
        return conn

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def check_open(self) -> None:
        """Raise :class:`UnavailableError` once the store is closed."""
        if self._closed:
            raise UnavailableError(f"The store {self.location} is closed.")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading: this thread's own, or the shared one for ``:memory:``."""
        self.check_open()
        try:
            if self.in_memory:
                with self.write_lock:
                    yield self.writer
                return
            conn: sqlite3.Connection | None = getattr(self._local, "reader", None)
            if conn is None:
                conn = self._connect()
                self._local.reader = conn
                with self._readers_lock:
                    self._readers.append(conn)
            yield conn
        except sqlite3.OperationalError as exc:
            raise self.unavailable(exc) from exc

    def in_transaction(self) -> bool:
        """Whether the calling thread has a write transaction open."""
        return bool(getattr(self._local, "in_transaction", False))

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` on the writer; commit on success, roll back on any exception.

        Raises:
            RuntimeError: The calling thread already has a transaction open.
            UnavailableError: The database is locked for too long or failing.
        """
        with self.write_lock:
            self.check_open()
            if self.in_transaction():
                raise RuntimeError("transactions cannot be nested")
            conn = self.writer
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self.unavailable(exc) from exc
            self._local.in_transaction = True
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                # Locked beyond busy_timeout, disk full, I/O error: the database is the problem.
                self._rollback(conn)
                raise self.unavailable(exc) from exc
            except BaseException:
                self._rollback(conn)
                raise
            finally:
                self._local.in_transaction = False

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        # SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close every connection (safe to call twice)."""
        with self.write_lock:
            if self._closed:
                return
            self._closed = True
            with self._readers_lock:
                readers, self._readers = self._readers, []
            for conn in readers:
                conn.close()
            self.writer.close()
