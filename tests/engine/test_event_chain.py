"""The tamper-evident event log: raw SQL changes, removes or reorders stored events, and the
verification names the exact first broken link (event id and position)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import psycopg
import pytest

from cml.engine import Engine, EngineConfig
from cml.models import ForgetRequest, UpdateRequest, WriteRequest

TENANT = "acme"


def _sql(config: EngineConfig, statement: str, params: Sequence[Any] = ()) -> None:
    """Run one statement on the engine's database behind py-cml's back (``?`` marks)."""
    url = config.database_url
    assert url is not None
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            conn.execute(statement, params)
            conn.commit()
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(statement.replace("?", "%s"), params)


def _history(engine: Engine) -> list[int]:
    """Write, update and forget: returns the tenant's event ids, oldest first."""
    ids = [
        engine.memories.write(TENANT, WriteRequest(content=f"Fact number {n} about the launch"))
        for n in range(4)
    ]
    first = ids[0].memory_id
    assert first is not None
    engine.memories.update(TENANT, UpdateRequest(memory_id=first, importance=0.9))
    engine.memories.forget(TENANT, ForgetRequest(memory_ids=[ids[1].memory_id or ""]))
    engine.memories.write("globex", WriteRequest(content="Another tenant's fact"))
    events = engine.store.events_after(TENANT, 0, limit=1000)
    assert len(events) >= 6
    return [e.id or 0 for e in events]


def test_an_untouched_log_verifies_with_its_count(engine: Engine) -> None:
    ids = _history(engine)
    report = engine.admin.verify_log(TENANT)
    assert (report.ok, report.events, report.broken) == (True, len(ids), None)
    assert report.head_hash == engine.store.events_after(TENANT, 0, limit=1000)[-1].hash
    assert engine.admin.verify_log("nobody").model_dump() == {
        "tenant_id": "nobody",
        "ok": True,
        "events": 0,
        "head_hash": None,
        "broken": None,
    }


def test_a_changed_event_is_the_first_broken_link(engine: Engine, config: EngineConfig) -> None:
    ids = _history(engine)
    _sql(config, "UPDATE events SET actor = ? WHERE id = ?", ("key:forged", ids[2]))
    report = engine.admin.verify_log(TENANT)
    assert not report.ok
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.position) == (ids[2], 3)
    assert "changed" in report.broken.reason
    assert report.events == 3
    assert engine.admin.verify_log("globex").ok  # another tenant's chain is its own


def test_a_changed_payload_or_time_is_found(engine: Engine, config: EngineConfig) -> None:
    ids = _history(engine)
    _sql(config, "UPDATE events SET operation = 'noop' WHERE id = ?", (ids[4],))
    report = engine.admin.verify_log(TENANT)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.position) == (ids[4], 5)


def test_a_deleted_event_breaks_the_link_of_the_next(engine: Engine, config: EngineConfig) -> None:
    ids = _history(engine)
    _sql(config, "DELETE FROM events WHERE id = ?", (ids[1],))
    report = engine.admin.verify_log(TENANT)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.position) == (ids[2], 2)
    assert "removed" in report.broken.reason


def test_a_deleted_last_event_is_found_by_the_head(engine: Engine, config: EngineConfig) -> None:
    ids = _history(engine)
    _sql(config, "DELETE FROM events WHERE id = ?", (ids[-1],))
    report = engine.admin.verify_log(TENANT)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.position) == (ids[-1], len(ids))
    assert "removed from the end" in report.broken.reason


def test_reordered_events_break_at_the_first_moved_one(
    engine: Engine, config: EngineConfig
) -> None:
    ids = _history(engine)
    before = engine.store.events_after(TENANT, 0, limit=1000)
    columns = ("event_type", "operation", "created_at", "actor", "memory_ids", "payload")
    chained = (*columns, "prev_hash", "hash")
    # Swap everything but the ids of the 2nd and 3rd events: their order is what changes.
    assignments = ", ".join(f"{c} = o.{c}" for c in chained)
    _sql(
        config,
        f"UPDATE events SET {assignments} FROM (SELECT * FROM events) AS o"
        " WHERE (events.id = ? AND o.id = ?) OR (events.id = ? AND o.id = ?)",
        (ids[1], ids[2], ids[2], ids[1]),
    )
    moved = engine.store.events_after(TENANT, 0, limit=1000)
    assert (moved[1].hash, moved[2].hash) == (before[2].hash, before[1].hash)
    report = engine.admin.verify_log(TENANT)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.position) == (ids[1], 2)


def test_an_event_inserted_outside_py_cml_is_found(engine: Engine, config: EngineConfig) -> None:
    ids = _history(engine)
    _sql(
        config,
        "INSERT INTO events (tenant_id, event_type, operation, created_at, actor, memory_ids,"
        " payload) SELECT tenant_id, event_type, operation, created_at, actor, memory_ids,"
        " payload FROM events WHERE id = ?",
        (ids[0],),
    )
    report = engine.admin.verify_log(TENANT)
    assert report.broken is not None
    assert report.broken.position == len(ids) + 1
    assert "outside py-cml" in report.broken.reason


def test_events_from_before_the_chain_are_sealed_once(engine: Engine, config: EngineConfig) -> None:
    ids = _history(engine)
    # As a store upgraded from schema 5 (PostgreSQL revision 0003) holds them: no hashes.
    _sql(config, "UPDATE events SET prev_hash = NULL, hash = NULL")
    _sql(config, "DELETE FROM event_chain")
    report = engine.admin.verify_log(TENANT)
    assert (report.ok, report.events) == (True, len(ids))
    assert all(e.hash for e in engine.store.events_after(TENANT, 0, limit=1000))
    engine.memories.write(TENANT, WriteRequest(content="Written after the upgrade"))
    assert engine.admin.verify_log(TENANT).events == len(ids) + 1
    # A tenant's next append seals its old events too, without a verification first.
    assert engine.admin.verify_log("globex").ok
    _sql(config, "DELETE FROM event_chain WHERE tenant_id = 'globex'")
    _sql(config, "UPDATE events SET prev_hash = NULL, hash = NULL WHERE tenant_id = 'globex'")
    engine.memories.write("globex", WriteRequest(content="The second fact of globex"))
    assert (engine.admin.verify_log("globex").ok, engine.admin.verify_log("globex").events) == (
        True,
        2,
    )


@pytest.mark.parametrize("writers", [6])
def test_concurrent_writers_keep_one_valid_chain(engine: Engine, writers: int) -> None:
    def write(n: int) -> None:
        engine.memories.write(TENANT, WriteRequest(content=f"Concurrent fact {n} of the day"))

    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(write, range(30)))
    report = engine.admin.verify_log(TENANT)
    assert (report.ok, report.events) == (True, 30)
