"""SIGKILL a real ``cml serve`` in the middle of batch writes, restart it, and check the store.

Three writer threads send ``batch_write`` calls of 25 items (and some single writes) through
the SDK, every call with its own idempotency key and a unique word in every item. After a
number of acknowledged calls the server is killed with SIGKILL while requests are in flight,
then restarted on the same data directory; three rounds, killed at different points. After
each kill:

* the store opens cleanly: ``PRAGMA integrity_check`` says ok, the FTS index matches its table,
  a full-text lookup of each item's unique word finds exactly that item, ``/health`` is ok;
* every acknowledged write is stored, exactly once, with the ids the server answered;
* no call is half-written: each batch's items are all stored or none are;
* retrying each unacknowledged call with the same idempotency key stores it exactly once, and
  returns the stored ids when the kill only lost the answer.
"""

from __future__ import annotations

import json
import random
import sqlite3
import string
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import cml

API_KEY = "crash-writer-key"
ADMIN_KEY = "crash-admin-key"
WRITERS = 3
BATCH_ITEMS = 25
KILL_AFTER_ACKS = (4, 11, 19)
"""Acknowledged calls (across all writers) before each round's SIGKILL."""


@dataclass
class Op:
    """One call sent to the server (a batch, or a single write) and what became of it."""

    key: str
    single: bool
    items: list[dict[str, Any]] = field(init=False)
    acked_ids: list[str] | None = None
    """The ids the server answered with; ``None`` while unacknowledged."""

    def __post_init__(self) -> None:
        rng = random.Random(self.key)  # the same words for the same key, run after run

        def word() -> str:
            # Lowercase letters only: never a secret, PII or a number to the write gate.
            return "".join(rng.choice(string.ascii_lowercase) for _ in range(10))

        self.items = [
            {
                "content": f"{word()} {' '.join(word() for _ in range(4))} drill",
                "metadata": {"op": self.key, "item": index},
            }
            for index in range(1 if self.single else BATCH_ITEMS)
        ]

    def unique_word(self, index: int) -> str:
        """The first word of an item's content: in no other item."""
        content: str = self.items[index]["content"]
        return content.split()[0]


@dataclass
class Ledger:
    """Every call of every round; shared by the writer threads."""

    ops: list[Op] = field(default_factory=list)
    acks: int = 0
    target: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_op(self, key: str, *, single: bool) -> Op:
        op = Op(key, single)
        with self.lock:
            self.ops.append(op)
        return op

    def acknowledge(self, op: Op, ids: list[str]) -> None:
        with self.lock:
            op.acked_ids = ids
            self.acks += 1
            if self.acks >= self.target:
                self.reached.set()


@dataclass
class Figures:
    kills: int = 0
    committed_unanswered: int = 0
    not_stored: int = 0
    calls: int = 0
    memories: int = 0


def _send(client: cml.CognitiveMemoryLayer, op: Op) -> list[str]:
    if op.single:
        (item,) = op.items
        result = client.write(item["content"], metadata=item["metadata"], idempotency_key=op.key)
        assert result.memory_id is not None
        assert not result.deduplicated
        return [result.memory_id]
    results = client.batch_write(op.items, idempotency_key=op.key)
    assert not any(r.deduplicated for r in results)
    return [r.memory_id for r in results if r.memory_id is not None]


def _writer(base_url: str, ledger: Ledger, name: str, stop: threading.Event) -> None:
    try:
        with closing(cml.CognitiveMemoryLayer(API_KEY, base_url=base_url, max_retries=0)) as c:
            for n in range(100_000):
                if stop.is_set():
                    return
                op = ledger.new_op(f"{name}-{n}", single=n % 4 == 3)
                try:
                    ids = _send(c, op)
                except cml.APIConnectionError:
                    return  # killed: this call stays unacknowledged
                ledger.acknowledge(op, ids)
    except BaseException as exc:  # reported by the test, not lost with the thread
        ledger.errors.append(exc)
        ledger.reached.set()


@dataclass
class Stored:
    id: str
    pk: int
    content: str


def _inspect(db: Path) -> dict[str, list[Stored]]:
    """Check the file of a killed server; return the stored items of each call."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # FTS5's own check of every full-text index: "database disk image is malformed" if an
        # index and its table disagree.
        indexes = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%fts5%'"
            )
        ]
        assert "memories_fts" in indexes
        for name in indexes:
            conn.execute(f"INSERT INTO {name} ({name}) VALUES ('integrity-check')")
        by_op: dict[str, list[Stored]] = {}
        for memory_id, pk, content, metadata in conn.execute(
            "SELECT id, pk, content, metadata FROM memories"
        ):
            by_op.setdefault(json.loads(metadata)["op"], []).append(Stored(memory_id, pk, content))
        for stored in by_op.values():
            for item in stored:
                word = item.content.split()[0]
                hits = conn.execute(
                    "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?", (word,)
                ).fetchall()
                assert hits == [(item.pk,)], f"full-text lookup of {word!r} found {hits}"
    return by_op


def _check(ledger: Ledger, by_op: dict[str, list[Stored]]) -> list[Op]:
    """All or nothing, and exactly once, over every call so far; return the unacknowledged."""
    assert set(by_op) <= {op.key for op in ledger.ops}
    unacked = []
    for op in ledger.ops:
        stored = by_op.get(op.key, [])
        contents = [item.content for item in stored]
        assert len(contents) == len(set(contents)), f"{op.key} stored an item twice"
        assert len(stored) in (0, len(op.items)), (
            f"{op.key} is half-written: {len(stored)} of {len(op.items)} items stored"
        )
        if op.acked_ids is None:
            unacked.append(op)
        else:
            assert sorted(op.acked_ids) == sorted(item.id for item in stored), (
                f"acknowledged call {op.key} is not stored as acknowledged"
            )
    return unacked


@contextmanager
def _restarted(
    launcher: Any, env: dict[str, str], data_dir: Path, ledger: Ledger, figures: Figures
) -> Iterator[Any]:
    """Check the killed server's store, restart it, and retry every unacknowledged call."""
    by_op = _inspect(data_dir / "cml.db")
    unacked = _check(ledger, by_op)
    with launcher.serve(env, data_dir) as server:
        assert httpx.get(f"{server.url}/health", timeout=10).json()["database"] == "ok"
        base_url = f"http://127.0.0.1:{server.port}"
        with closing(cml.CognitiveMemoryLayer(API_KEY, base_url=base_url, max_retries=0)) as c:
            for op in unacked:
                ids = _send(c, op)  # the same key and body as the call that got no answer
                if op.key in by_op:
                    figures.committed_unanswered += 1
                    assert sorted(ids) == sorted(item.id for item in by_op[op.key])
                else:
                    figures.not_stored += 1
                ledger.acknowledge(op, ids)
            # Recall finds acknowledged memories by their unique word after the restart.
            for op in ledger.ops[:: max(1, len(ledger.ops) // 8)]:
                assert op.acked_ids is not None
                found = c.read(op.unique_word(0), max_results=3, format="list")
                assert op.acked_ids[0] in [m.id for m in found.memories]
        yield server


@pytest.fixture
def figures() -> Iterator[Figures]:
    found = Figures()
    yield found
    # Shown with -s: the figures of docs/reliability.md come from this line.
    print(
        f"\ncrash: {found.kills} SIGKILLs; {found.calls} calls, {found.memories} memories; "
        f"unacknowledged at a kill: {found.committed_unanswered} had committed (answer lost), "
        f"{found.not_stored} had not; all retried with their key and stored once"
    )


def test_sigkill_during_batch_writes_loses_nothing_acknowledged(
    launcher: Any, tmp_path: Path, figures: Figures
) -> None:
    data_dir = tmp_path / "data"
    # Eight writers share one key: the limits by work would refuse some batches (the test is
    # about crashes, not limits), so the rate limit and the per-key batch cap are off.
    env = launcher.env(
        data_dir,
        CML_API_KEY=API_KEY,
        CML_ADMIN_API_KEY=ADMIN_KEY,
        CML_RATE_LIMIT_PER_SECOND="0",
        CML_MAX_CONCURRENT_BATCHES_PER_KEY="0",
    )
    ledger = Ledger()
    for round_no, kill_after in enumerate(KILL_AFTER_ACKS, start=1):
        serving = (
            launcher.serve(env, data_dir)
            if round_no == 1
            else _restarted(launcher, env, data_dir, ledger, figures)
        )
        with serving as server:
            ledger.target = ledger.acks + kill_after
            ledger.reached.clear()
            stop = threading.Event()
            base_url = f"http://127.0.0.1:{server.port}"
            threads = [
                threading.Thread(target=_writer, args=(base_url, ledger, f"r{round_no}w{w}", stop))
                for w in range(WRITERS)
            ]
            for thread in threads:
                thread.start()
            assert ledger.reached.wait(60), "the writers made no progress"
            server.process.kill()  # SIGKILL: no shutdown handler, no final commit
            server.process.wait()
            stop.set()
            for thread in threads:
                thread.join(30)
            assert not ledger.errors, ledger.errors
            figures.kills += 1

    with _restarted(launcher, env, data_dir, ledger, figures) as server:
        admin = cml.CognitiveMemoryLayer(
            API_KEY, admin_api_key=ADMIN_KEY, base_url=f"http://127.0.0.1:{server.port}"
        )
        with closing(admin):
            listed = [m.id for m in admin.iter_memories(batch_size=500)]
    acknowledged = [memory_id for op in ledger.ops for memory_id in op.acked_ids or []]
    assert len(acknowledged) == sum(len(op.items) for op in ledger.ops)
    assert sorted(listed) == sorted(acknowledged)  # every call stored, each item exactly once
    assert figures.committed_unanswered + figures.not_stored >= len(KILL_AFTER_ACKS)
    figures.calls, figures.memories = len(ledger.ops), len(listed)
