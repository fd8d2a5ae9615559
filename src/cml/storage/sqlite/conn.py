"""Connections of the SQLite backend: one writer, per-thread readers, and their locks.

One writer connection is used only under a re-entrant lock, so writes are serialised inside this
process (``BEGIN IMMEDIATE`` plus ``busy_timeout`` covers other processes). For a file, each
reading thread has its own connection; with WAL, reads never wait for the writer. A best-effort
commit (a read's access counts) never checkpoints the log: a :class:`~.checkpoints.Checkpointer`
does it after such commits, on a thread of its own, so no read waits for a checkpoint (other
writes checkpoint as SQLite does by itself). A ``:memory:`` database cannot be shared between
connections, so there one connection serves reads and writes, under the same lock.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import NoReturn

from cml.errors import DatabaseDamagedError, DatabaseUnavailableError, UnavailableError
from cml.storage.base import IntegrityFindings
from cml.storage.sqlite import integrity, terms
from cml.storage.sqlite.checkpoints import Checkpointer
from cml.storage.sqlite.errors import (
    damaged_error,
    damaged_serving_error,
    opening_error,
    serving_error,
)

logger = logging.getLogger("cml.storage.sqlite")

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5000
AUTOCHECKPOINT_PAGES = 1000
"""SQLite's own threshold: a commit taking the log past it checkpoints (best-effort ones do not)."""
BEST_EFFORT_WAIT_MS = 100
"""How long a best-effort write (access counts) waits for another process's write lock."""
CLOSE_WAIT_SECONDS = 5.0
"""How long closing waits for reads in progress on other threads."""
_HINT_DATA_DIR = "Choose a writable data directory (CML_DATA_DIR) or fix its permissions."


def prepare_directory(directory: Path) -> None:
    """Create a data directory (and its parents) and check that files can be created in it.

    Raises:
        DatabaseUnavailableError: Naming the directory and what is wrong with it.
    """
    if directory.exists() and not directory.is_dir():
        raise DatabaseUnavailableError(
            f"The data directory {directory} is a file, not a directory.",
            hint="Point CML_DATA_DIR (--data-dir) at a directory, or move the file away.",
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailableError(
            f"Cannot create the data directory {directory}: {exc.strerror or exc}.",
            hint=_HINT_DATA_DIR,
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise DatabaseUnavailableError(
            f"The data directory {directory} is not writable.", hint=_HINT_DATA_DIR
        )


def prepare_file(path: Path) -> None:
    """Create the parent directories and check that the database file can be written.

    Raises:
        DatabaseUnavailableError: Naming the directory or file that cannot be created or written.
    """
    prepare_directory(path.parent)
    if path.exists() and (path.is_dir() or not os.access(path, os.R_OK | os.W_OK)):
        raise DatabaseUnavailableError(
            f"The database file {path} cannot be read and written"
            f"{' (it is a directory)' if path.is_dir() else ''}.",
            hint=_HINT_DATA_DIR,
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
        # Reader connections a thread is using right now: close() waits for them, since closing
        # a connection while another thread steps a statement on it crashes the interpreter.
        self._busy: dict[int, int] = {}
        self._idle = threading.Condition(self._readers_lock)
        self._closed = False
        self.damage: DatabaseDamagedError | None = None
        """Set once a query finds the file damaged; health reports it until a restart."""
        self._checkpointer = None if self.in_memory else Checkpointer(location, self.write_lock)
        self._start_check: integrity.StartCheck | None = None
        try:
            self.writer = self._connect()
        except sqlite3.Error as exc:
            raise self.opening_error(exc) from exc

    def check_intact(self) -> None:
        """Run SQLite's ``quick_check`` on the writer and raise if the file is damaged.

        Raises:
            DatabaseDamagedError: Naming the first problems and how to recover.
        """
        if self.in_memory:
            return
        with self.write_lock:
            self.check_open()
            self.record_damage(integrity.problems(self.writer))
        self.raise_damage()

    def check_after_opening(self) -> None:
        """Start ``quick_check`` on a thread of its own (:class:`.integrity.StartCheck`).

        Damage it finds is remembered as :meth:`check_intact`'s would be: every read and write
        refuses from then on, health reports it, and the server log names the recovery.
        """
        if self.in_memory or self._start_check is not None:
            return
        self._start_check = integrity.StartCheck(self.location, self._found_after_opening)
        self._start_check.start()

    def wait_for_start_check(self, timeout: float | None = None) -> bool:
        """Wait for the check :meth:`check_after_opening` started (``True`` at once if none).

        Returns:
            ``False`` if ``timeout`` seconds passed first.
        """
        check = self._start_check
        return check is None or check.wait(timeout)

    def _found_after_opening(self, found: list[str]) -> None:
        self.record_damage(found)
        if self.damage is not None:
            logger.error("%s %s", self.damage.message, self.damage.hint)

    def check_full(self) -> IntegrityFindings:
        """Run the full check (:func:`.integrity.full_check`) and remember damage found.

        Returns:
            What was checked and found; an in-memory database is not checked.
        """
        if self.in_memory:
            return IntegrityFindings(
                checks=(), not_checked=("an in-memory database has no file to check",)
            )
        self.check_open()
        try:
            findings = integrity.full_check(self.location)
        except sqlite3.Error as exc:
            self.fail(exc)
        self.record_damage(list(findings.problems))
        return findings

    def record_damage(self, found: list[str]) -> None:
        """Remember that the file is damaged: from now on every read and write refuses."""
        if found:
            summary = "; ".join(found[:3]) + (f"; {len(found) - 3} more" if len(found) > 3 else "")
            self.damage = damaged_error(self.location, summary)

    def raise_damage(self) -> None:
        """Raise the damage a query or a check found earlier, if any (health probes call this)."""
        if self.damage is not None:
            raise self.damage

    def refuse_if_damaged(self) -> None:
        """Refuse a request once the file is known damaged (the API's words: no path)."""
        if self.damage is not None:
            raise damaged_serving_error()

    def opening_error(self, exc: sqlite3.Error) -> DatabaseUnavailableError | DatabaseDamagedError:
        """The error of a database that cannot be opened or migrated (names the file)."""
        return opening_error(exc, self.location, BUSY_TIMEOUT_MS / 1000)

    def fail(self, exc: sqlite3.Error) -> NoReturn:
        """Raise the engine error of a database failing while serving.

        Environment faults (locked, full, read-only, I/O) become
        :class:`DatabaseUnavailableError`, a damaged file :class:`DatabaseDamagedError` (and is
        remembered for health); a programming error is raised as it is.
        """
        error = serving_error(exc, self.location, BUSY_TIMEOUT_MS / 1000)
        if error is None:
            raise exc
        if isinstance(error, DatabaseDamagedError):
            self.damage = damaged_error(self.location, str(exc).strip() or type(exc).__name__)
        raise error from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.location,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # we issue BEGIN/COMMIT ourselves
            check_same_thread=False,  # guarded by our locks; closed from any thread
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.in_memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            terms.register(conn)
        except BaseException:
            conn.close()
            raise
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
        self.refuse_if_damaged()
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
            with self._readers_lock:
                if self._closed:  # closed while this thread was connecting
                    raise UnavailableError(f"The store {self.location} is closed.")
                self._busy[id(conn)] = self._busy.get(id(conn), 0) + 1
            try:
                yield conn
            finally:
                with self._idle:
                    left = self._busy.pop(id(conn)) - 1
                    if left:
                        self._busy[id(conn)] = left
                    self._idle.notify_all()
        except sqlite3.Error as exc:
            self.fail(exc)

    def in_transaction(self) -> bool:
        """Whether the calling thread has a write transaction open."""
        return bool(getattr(self._local, "in_transaction", False))

    @contextmanager
    def write(
        self, *, wait_ms: int = BUSY_TIMEOUT_MS, checkpoint: bool = True
    ) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` on the writer; commit on success, roll back on any exception.

        Args:
            wait_ms: How long to wait for another process's write lock (best-effort writes
                wait less, so that a locked file does not hold up the read they follow).
            checkpoint: Whether the commit may checkpoint the log when it takes it past
                :data:`AUTOCHECKPOINT_PAGES`; without, the checkpoint thread does it soon after.

        Raises:
            RuntimeError: The calling thread already has a transaction open.
            DatabaseUnavailableError: The database is locked for too long or failing.
        """
        with self.write_lock:
            self.check_open()
            self.refuse_if_damaged()
            if self.in_transaction():
                raise RuntimeError("transactions cannot be nested")
            conn = self.writer
            try:
                if wait_ms != BUSY_TIMEOUT_MS:
                    conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
                try:
                    conn.execute("BEGIN IMMEDIATE")
                finally:
                    if wait_ms != BUSY_TIMEOUT_MS:
                        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            except sqlite3.Error as exc:
                self.fail(exc)
            self._local.in_transaction = True
            deferred = not checkpoint and self._checkpointer is not None
            try:
                yield conn
                if deferred:
                    conn.execute("PRAGMA wal_autocheckpoint = 0")
                try:
                    conn.execute("COMMIT")
                finally:
                    if deferred:
                        conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
            except sqlite3.Error as exc:
                # Locked beyond busy_timeout, disk full, I/O error: the database is the problem
                # (serving_error tells those from programming errors, which stay as they are).
                self._rollback(conn)
                self.fail(exc)
            except BaseException:
                self._rollback(conn)
                raise
            finally:
                self._local.in_transaction = False
            if deferred and self._checkpointer is not None:
                self._checkpointer.committed(conn)

    def own_write(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction of its own, committed at the end of the block (leases)."""
        return self.write()

    @contextmanager
    def best_effort(self) -> Iterator[sqlite3.Connection]:
        """This thread's unit of work, or a transaction that waits little for the write lock.

        Another process holding the lock for longer than :data:`BEST_EFFORT_WAIT_MS` makes it
        fail with :class:`UnavailableError` instead of holding up the read it follows.
        """
        with self.write_lock:
            if self.in_transaction():
                yield self.writer  # already inside this thread's unit of work
                return
            with self.write(wait_ms=BEST_EFFORT_WAIT_MS, checkpoint=False) as conn:
                yield conn

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        # SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def close(self, *, merge_log: bool = True) -> None:
        """Close every connection (safe to call twice).

        Args:
            merge_log: Checkpoint the write-ahead log first (not after a failed open).
        """
        with self.write_lock:
            if self._closed:
                return
            if self._start_check is not None:
                self._start_check.stop()
            with self._idle:
                self._closed = True
                # Reads in progress finish first (bounded: a read on this very thread, or one
                # stuck for long, keeps its connection open rather than being cut under it).
                self._idle.wait_for(lambda: not self._busy, timeout=CLOSE_WAIT_SECONDS)
                readers = [c for c in self._readers if id(c) not in self._busy]
                self._readers = []
            for conn in readers:
                conn.close()
            if self._checkpointer is not None:
                self._checkpointer.stop()
            if merge_log and not self.in_memory:
                checkpoint(self.writer, self.location)
            self.writer.close()


def checkpoint(conn: sqlite3.Connection, location: str) -> None:
    """Merge the write-ahead log into the database file and empty it (``TRUNCATE``).

    Afterwards the database file alone holds every committed write, so copying it is a complete
    copy. A failure (another process reading, a damaged file) is logged, never raised: closing
    must not fail, and the log is merged by the next connection that opens the file.
    """
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as exc:
        logger.warning("Could not checkpoint the write-ahead log of %s: %s", location, exc)
        return
    if busy:
        logger.warning("The write-ahead log of %s is still in use by another process", location)
