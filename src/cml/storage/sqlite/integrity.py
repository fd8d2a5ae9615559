"""Whether a SQLite file is intact: ``PRAGMA quick_check`` at start, ``integrity_check`` on demand.

A damaged page that is not read at start would otherwise go unnoticed until a request touches
it. ``quick_check`` reads every page and checks its structure (it skips only the comparison of
indexes with their tables), so it finds overwritten or truncated pages in about a second per GB
from the page cache; ``integrity_check`` also compares every index with its table, and the full
check then asks each full-text index to check itself (FTS5 ``integrity-check``).

A file of :data:`CHECK_AFTER_OPEN_FROM` bytes or more is checked after the store has opened, by
a :class:`StartCheck` on a thread and a connection of its own (decision 90): the open no longer
waits seconds per GB, requests are served meanwhile, and damage found then stops every request
as damage found by any other check does.

What no check can see: SQLite keeps no checksum of the data in a page, so a flipped byte inside
a stored text, a metadata value or an embedding that leaves the page's structure valid reads back
as a different value (``docs/reliability.md`` counts how often that happens).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing

from cml.storage.base import IntegrityFindings

__all__ = [
    "CHECK_AFTER_OPEN_FROM",
    "FULL_TEXT_TABLES",
    "MAX_PROBLEMS",
    "StartCheck",
    "full_check",
    "problems",
]

logger = logging.getLogger("cml.storage.sqlite")

CHECK_AFTER_OPEN_FROM = 256 * 1024 * 1024
"""Bytes of database file from which ``quick_check`` runs after the open instead of before it
(a quarter of a second of the open below, seconds per GB above)."""

READ_AHEAD_BYTES = 64 * 1024 * 1024
"""The file is read ahead of the check in parts of this size (closing stops between parts)."""

CHECK_NICENESS = 10
"""How much lower the check thread's CPU priority is than the process's (Linux): on a busy
machine the first requests, not the check, get the CPU."""

MAX_PROBLEMS = 20
"""How many problems a check reports at most (SQLite stops there too)."""

FULL_TEXT_TABLES = ("memories_fts", "derived_fts")
"""The FTS5 indexes the full check asks to check themselves."""


def problems(conn: sqlite3.Connection, *, full: bool = False) -> list[str]:
    """The problems SQLite finds in the database of ``conn``; ``[]`` when it is intact.

    Args:
        conn: A connection to the database (no transaction of its own open).
        full: Run ``integrity_check`` (indexes too) instead of ``quick_check``.

    Returns:
        SQLite's own descriptions of what is damaged, at most :data:`MAX_PROBLEMS`.

    Raises:
        sqlite3.Error: The check failed for another reason than damage (I/O, disk full, lock).
    """
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
    except sqlite3.DatabaseError as exc:
        # Damage in the schema pages stops the check itself; any other failure (I/O, full disk,
        # a lock) is not damage and is raised for the caller to report as what it is.
        if not _is_damage(exc):
            raise
        return [str(exc).strip() or type(exc).__name__]
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def full_check(location: str) -> IntegrityFindings:
    """``integrity_check`` and each full-text index's own check, on a connection of their own.

    The connection reads a snapshot of the file (write-ahead logging), so writes go on
    meanwhile; the check takes about a second per 100 MB.

    Args:
        location: The database file.

    Returns:
        What was checked and the problems found (empty when intact).

    Raises:
        sqlite3.Error: The check failed for another reason than damage (I/O, a lock).
    """
    checks = ["PRAGMA integrity_check (every page, every index against its table)"]
    with closing(sqlite3.connect(location, isolation_level=None)) as conn:
        found = problems(conn, full=True)
        for table in FULL_TEXT_TABLES:
            checks.append(f"FTS5 integrity-check of {table}")
            try:
                conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                if not _is_damage(exc):
                    raise
                found.append(f"{table}: {str(exc).strip()}")
    return IntegrityFindings(checks=tuple(checks), problems=tuple(found[:MAX_PROBLEMS]))


class StartCheck:
    """``quick_check`` of a store that has opened, on a thread and a connection of its own.

    The connection reads a snapshot of the file (write-ahead logging), so requests and writes
    go on meanwhile.

    Args:
        location: The database file.
        found: Called on the check's thread with the problems found, when there are any,
            before :meth:`wait` returns.
    """

    def __init__(self, location: str, found: Callable[[list[str]], None]) -> None:
        self._location = location
        self._found = found
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._stopping = False
        self._conn: sqlite3.Connection | None = None
        self._thread = threading.Thread(
            target=self._run, name="cml-sqlite-start-check", daemon=True
        )

    def start(self) -> None:
        """Start the check on its thread."""
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the check has finished (or was stopped).

        Returns:
            ``False`` if ``timeout`` seconds passed first.
        """
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Interrupt the check and wait for its thread: closing does not wait for a whole read."""
        with self._lock:
            self._stopping = True
        while self._thread.is_alive() and self._thread is not threading.current_thread():
            with self._lock:
                if self._conn is not None:
                    # An interrupt that lands before the check's statement starts is lost, so it
                    # is repeated until the thread ends.
                    self._conn.interrupt()
            self._thread.join(0.05)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            _yield_to_requests()
            found = self._check()
            if found is None:
                return
            if found:
                self._found(found)
            else:
                logger.info(
                    "quick_check of %s after opening: ok (%.1f s)",
                    self._location,
                    time.perf_counter() - started,
                )
        finally:
            self._done.set()

    def _read_ahead(self) -> None:
        """Read the file into the page cache from start to end before the check (Linux).

        ``quick_check`` reads pages in B-tree order, one at a time: from a cold cache 41-62 s
        for a 2.4 GB file, against 1.4-4.6 s for reading it in order. The file is sent to
        ``/dev/null`` (``sendfile``: no copy into the process, 0.1 s of CPU for 2.4 GB) a part
        at a time, stopping when the store closes. Skipped when the file is more than half
        the machine's memory (its first pages would be dropped again before the check reached
        them).
        """
        if sys.platform != "linux":
            return
        size = os.path.getsize(self._location)
        if size > os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2:
            return
        try:
            with open(self._location, "rb") as file, open(os.devnull, "wb") as null:
                offset = 0
                while offset < size and not self._stopping:
                    sent = os.sendfile(null.fileno(), file.fileno(), offset, READ_AHEAD_BYTES)
                    if sent == 0:  # the file is shorter now: the check will say why
                        return
                    offset += sent
        except OSError as exc:  # only a head start: the check reads what it needs itself
            logger.debug("Read-ahead of %s stopped: %s", self._location, exc)

    def _check(self) -> list[str] | None:
        """The problems found; ``None`` when stopped or when the check itself failed."""
        try:
            with self._lock:
                if self._stopping:
                    return None
                conn = sqlite3.connect(
                    self._location, isolation_level=None, check_same_thread=False
                )
                self._conn = conn
            try:
                self._read_ahead()
                return problems(conn)
            finally:
                with self._lock:
                    self._conn = None
                conn.close()
        except sqlite3.Error as exc:
            if not self._stopping:
                # Not damage (an I/O error, a lock): the store goes on; the next check tells.
                logger.warning("quick_check of %s after opening failed: %s", self._location, exc)
            return None


def _yield_to_requests() -> None:
    """Lower the calling thread's CPU priority by :data:`CHECK_NICENESS` (Linux only).

    Linux keeps a nice value per thread; elsewhere ``setpriority`` would renice the whole
    process (or whichever process has the thread's number), so it is left alone there.
    """
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        niceness = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness + CHECK_NICENESS))
    except OSError:  # not permitted here: the check runs at the process's priority
        pass


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
