"""Closing a SQLite store while another thread reads waits for the read instead of crashing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from cml.errors import UnavailableError
from cml.storage.sqlite.conn import Connections


def test_close_waits_for_a_read_in_progress_on_another_thread(tmp_path: Path) -> None:
    connections = Connections(str(tmp_path / "cml.db"))
    with connections.write() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    reading = threading.Event()
    finish = threading.Event()
    seen: list[int] = []

    def reader() -> None:
        with connections.read() as conn:
            cursor = conn.execute("SELECT x FROM t ORDER BY x")
            seen.extend(row[0] for row in cursor.fetchmany(10))
            reading.set()
            finish.wait(5)
            # The statement is still stepping on this connection: it must not have been closed.
            seen.extend(row[0] for row in cursor.fetchall())

    thread = threading.Thread(target=reader)
    thread.start()
    assert reading.wait(5)
    closer = threading.Thread(target=connections.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive()  # waiting for the read, not cutting it
    finish.set()
    thread.join(5)
    closer.join(5)
    assert not closer.is_alive()
    assert seen == list(range(1000))
    with pytest.raises(UnavailableError), connections.read():
        pass
