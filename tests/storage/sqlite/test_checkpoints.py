"""The write-ahead log is checkpointed off the reads' commits, and still stays small.

A read's access-count commit does not checkpoint the log (it used to pay 120-160 ms for
everyone's writes when it happened to take the log past SQLite's threshold); a thread of the
store does it after such commits. What a user notices: counts are there right after
each read, and the ``-wal`` file does not grow with the number of reads and writes.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from cml.storage.sqlite import SQLiteStore

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
