"""Write-ahead log checkpoints on a thread of their own, so that no read waits for one.

SQLite's automatic checkpoint runs inside the ``COMMIT`` that takes the log past 1,000 pages:
that commit then copies the whole log into the database file and syncs it, tens to hundreds of
milliseconds. The commit that paid was often a read's access-count write, so a read that changed
one counter waited for the checkpoint of everyone's writes. Best-effort commits (the access
counts) therefore commit with ``wal_autocheckpoint = 0`` (other writes checkpoint as before);
each of them wakes a :class:`Checkpointer` instead, whose thread runs a ``PASSIVE`` checkpoint
on its own connection, at most once every :data:`CHECKPOINT_INTERVAL_SECONDS`. A passive
checkpoint waits for no reader and no writer: it copies what no reader still needs. The next
write starts the log again from its beginning only if all of it was copied, which a steady
stream of commits during the copy prevents; so when the log is past :data:`RESTART_FRAMES` and
the copy left commits behind, a second pass copies those few under the write lock, and the log
starts again. Commits faster than the thread can follow (a burst of reads) are bounded: after
:data:`BACKLOG_COMMITS` commits without a complete copy, the committing thread checkpoints by
itself.

The thread starts with the first commit and ends after :data:`IDLE_SECONDS` without one (an idle
store holds no thread), or when the store closes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

logger = logging.getLogger("cml.storage.sqlite")

CHECKPOINT_INTERVAL_SECONDS = 1.0
"""The least time between two checkpoints (the log holds at most this long of writes more)."""
RESTART_FRAMES = 1000
"""A log this long is copied completely (SQLite's own automatic checkpoint threshold)."""
BACKLOG_COMMITS = 400
"""Commits since the last complete copy after which the committing thread checkpoints itself."""
LOCK_RETRY_SECONDS = 0.05
"""How long the second pass waits for the write lock before it checks whether the store closes."""
IDLE_SECONDS = 30.0
"""How long the thread waits for a commit before it ends (the next commit starts it again)."""


class Checkpointer:
    """Runs passive checkpoints of one database file after its commits.

    Args:
        location: The database file.
        write_lock: The lock held by every commit of this process (the second pass holds it).
    """

    def __init__(self, location: str, write_lock: threading.RLock) -> None:
        self._location = location
        self._write_lock = write_lock
        self._lock = threading.Lock()
        self._committed = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._backlog = 0
        """Commits since the log was last copied completely."""

    def committed(self, writer: sqlite3.Connection) -> None:
        """Note a commit: a checkpoint follows soon, on the checkpoint thread.

        Args:
            writer: The connection that committed (under the write lock, still held): it
                checkpoints by itself when the thread has fallen :data:`BACKLOG_COMMITS` behind.
        """
        with self._lock:
            self._backlog += 1
            behind = self._backlog > BACKLOG_COMMITS
        if behind:
            self._checkpoint(writer, restart=False)
        self._committed.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="cml-sqlite-checkpoint", daemon=True
                    )
                    self._thread.start()

    def stop(self) -> None:
        """End the thread (its checkpoint in progress finishes first); safe to call twice."""
        with self._lock:
            self._stopping.set()
            thread = self._thread
        self._committed.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while self._wait_for_commit():
                self._committed.clear()
                if conn is None:
                    conn = sqlite3.connect(self._location, check_same_thread=False)
                self._checkpoint(conn, restart=True)
                self._stopping.wait(CHECKPOINT_INTERVAL_SECONDS)
        except sqlite3.Error as exc:  # cannot even connect: the next open merges the log
            logger.warning("Checkpoints of %s stopped: %s", self._location, exc)
        finally:
            if conn is not None:
                conn.close()
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _wait_for_commit(self) -> bool:
        """Whether a commit is waiting for a checkpoint; False once idle or stopping."""
        while not self._committed.wait(IDLE_SECONDS):
            with self._lock:
                if not self._committed.is_set():
                    self._thread = None  # a commit from now on starts a new thread
                    return False
        return not self._stopping.is_set()

    def _take_write_lock(self) -> bool:
        """Take the write lock for the second pass, unless the store is stopping.

        Closing holds the write lock while it waits for this thread to end, so the thread never
        blocks on that lock for good: it retries briefly and gives up once :meth:`stop` began.
        """
        while not self._stopping.is_set():
            if self._write_lock.acquire(timeout=LOCK_RETRY_SECONDS):
                return True
        return False

    def _checkpoint(self, conn: sqlite3.Connection, *, restart: bool) -> None:
        """Copy the log; with ``restart``, copy what commits left behind under the write lock."""
        with self._lock:
            before = self._backlog
        try:
            _, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if restart and log > RESTART_FRAMES and copied < log and self._take_write_lock():
                try:
                    _, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                finally:
                    self._write_lock.release()
            if copied == log:
                with self._lock:
                    self._backlog = max(0, self._backlog - before)
        except sqlite3.Error as exc:  # busy or failing: the next commit tries again
            logger.debug("Checkpoint of %s skipped: %s", self._location, exc)
