"""PostgreSQL plans a read with table statistics and for its values (decision 92).

Without statistics (rows loaded before autovacuum looked) or with a generic plan (psycopg
prepares a statement after its fifth run) the planner chose scans of the whole tenant where an
index answers; the store analyses a stale table when it opens and keeps plans custom.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import psycopg

from cml.storage import MemoryFilter, open_store
from cml.storage.postgres import PostgresStore
from cml.storage.postgres.planner import MIN_CHANGES

from ..conftest import insert, make_record, query_vector


def _stats(url: str, *columns: str) -> tuple[Any, ...]:
    """Columns of ``pg_stat_user_tables`` for ``memories``."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f"SELECT {', '.join(columns)} FROM pg_stat_user_tables"
            " WHERE relid = 'memories'::regclass"
        ).fetchone()
    assert row is not None
    return tuple(row)


def _table_stats(url: str) -> tuple[int, datetime | None]:
    changed, analysed = _stats(url, "n_mod_since_analyze", "last_analyze")
    return int(changed), analysed


def test_a_store_opened_on_rows_never_analysed_analyses_them_once(postgres_url: str) -> None:
    store = open_store(postgres_url, pool_max=2)
    try:
        insert(store, *(make_record(f"note {i} on the garden") for i in range(MIN_CHANGES + 200)))
    finally:
        store.close()
    # The writers' counters reach the statistics when their sessions end.
    deadline = time.monotonic() + 10
    while _table_stats(postgres_url)[0] < MIN_CHANGES and time.monotonic() < deadline:
        time.sleep(0.1)
    changed, analysed = _table_stats(postgres_url)
    assert changed >= MIN_CHANGES
    assert analysed is None

    open_store(postgres_url).close()
    changed, analysed = _table_stats(postgres_url)
    assert analysed is not None
    assert changed < MIN_CHANGES

    open_store(postgres_url).close()
    assert _table_stats(postgres_url)[1] == analysed  # fresh statistics: not analysed again


def test_a_small_store_is_left_to_autovacuum(postgres_url: str) -> None:
    store = open_store(postgres_url, pool_max=2)
    try:
        insert(store, *(make_record(f"note {i}") for i in range(20)))
    finally:
        store.close()
    open_store(postgres_url).close()
    assert _table_stats(postgres_url)[1] is None


def test_a_read_statement_run_often_keeps_plans_made_for_its_values(postgres_url: str) -> None:
    store = open_store(postgres_url, pool_min=1, pool_max=1)
    assert isinstance(store, PostgresStore)
    try:
        insert(store, *(make_record(f"note {i}") for i in range(30)))
        facts = MemoryFilter("acme", memory_types=["semantic_fact"])
        for _ in range(12):  # psycopg prepares the statement at its fifth run
            assert not store.any_memory(facts)
        with store._db.read() as conn:  # the pool's only connection: the one that ran them
            plans: list[Any] = conn.execute(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE 'SELECT EXISTS%'"
            ).fetchall()
    finally:
        store.close()
    assert plans, "the facts check was never prepared"
    assert all(generic == 0 and custom > 0 for generic, custom in plans)


def test_the_rows_an_hnsw_index_is_built_over_are_vacuumed(postgres_url: str) -> None:
    store = open_store(postgres_url, pool_max=2)
    try:
        insert(store, *(make_record(f"note {i} on the pond") for i in range(MIN_CHANGES + 200)))
        with psycopg.connect(postgres_url) as conn:
            index = conn.execute("SELECT to_regclass('ix_memories_embedding_hnsw')").fetchone()
        assert index == (None,)  # the model is not recorded yet: no index
        store.check_embedding_model("hash-test", len(query_vector("pond")))
    finally:
        store.close()
    vacuumed, analysed = _stats(postgres_url, "last_vacuum", "last_analyze")
    assert vacuumed is not None
    assert analysed is not None
