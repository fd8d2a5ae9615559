"""The write-ahead log is checkpointed off the reads' commits, and still stays small.

A read's access-count commit does not checkpoint the log (it used to pay 120-160 ms for
everyone's writes when it happened to take the log past SQLite's threshold); a thread of the
store does it after such commits. What a user notices: counts are there right after
each read, and the ``-wal`` file does not grow with the number of reads and writes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

from cml.storage.sqlite import SQLiteStore
from cml.storage.sqlite.checkpoints import RESTART_FRAMES, Checkpointer

from ..conftest import T0, insert, make_record

READS = 3000
WAL_BOUND = 8 * 1024 * 1024
"""Twice what SQLite's own automatic checkpoint keeps the log near: 1,000 pages of 4 kB."""


def test_counts_are_visible_after_each_read_and_the_log_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    store = SQLiteStore(path)
    try:
        store.check_embedding_model("hash-384", 384)
        records = insert(store, *(make_record(f"note {i} about coffee") for i in range(30)))
        read = [r.id for r in records[:5]]
        for n in range(1, READS + 1):
            store.record_access("acme", read, T0 + timedelta(seconds=n))
            counted = store.get("acme", read[n % 5])
            assert counted is not None
            assert counted.access_count == n
            assert counted.last_accessed_at == T0 + timedelta(seconds=n)
            if n % 100 == 0:
                insert(store, make_record(f"written between reads {n}"))
        # Every commit appends at least one page (4 kB and a frame header) to the log: without
        # checkpoints it would hold more than READS * 4 kB = 12 MB.
        assert READS * 4096 > WAL_BOUND
        assert Path(f"{path}-wal").stat().st_size <= WAL_BOUND
    finally:
        store.close()
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # closing merged the log


def test_a_closed_store_leaves_no_checkpoint_thread(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    store.check_embedding_model("hash-384", 384)
    insert(store, make_record("one note"))
    store.close()
    assert not [t for t in threading.enumerate() if t.name == "cml-sqlite-checkpoint"]


def test_closing_while_the_thread_wants_the_write_lock_does_not_hang(tmp_path: Path) -> None:
    """Closing holds the write lock and waits for the thread: the thread must not wait for it."""
    path = tmp_path / "log.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE notes (body BLOB)")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM notes").fetchone()  # a snapshot no checkpoint passes
    for _ in range(RESTART_FRAMES + 200):
        writer.execute("INSERT INTO notes VALUES (zeroblob(100))")
    lock = threading.RLock()
    checkpointer = Checkpointer(str(path), lock)
    closed = threading.Event()

    def close_as_the_store_does() -> None:
        with lock:
            checkpointer.committed(writer)
            time.sleep(0.3)  # the thread's first pass leaves the log behind and wants the lock
            checkpointer.stop()
        closed.set()

    threading.Thread(target=close_as_the_store_does, daemon=True).start()
    try:
        assert closed.wait(10), "stop() waited for a thread that waits for the caller's lock"
    finally:
        reader.close()
        writer.close()
