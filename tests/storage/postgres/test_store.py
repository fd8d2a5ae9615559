"""PostgreSQL specifics: schema revisions, health facts, the HNSW path, and several processes.

The behaviour every backend shares is in the contract tests (``store`` runs them on PostgreSQL
too); this module covers what only PostgreSQL has.
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from cml.errors import StoreMismatchError, UnavailableError
from cml.storage import IdempotencyRecord, MemoryFilter, open_store
from cml.storage.postgres import PostgresStore
from cml.storage.postgres.migrate import current, head, upgrade
from cml.storage.postgres.schema import HEAD_REVISION, REVISIONS
from pg_helpers import PostgresServer

from ..conftest import T0, insert, make_record, query_vector


def test_head_revision_is_alembics_head() -> None:
    assert head() == HEAD_REVISION
    assert REVISIONS[-1] == HEAD_REVISION


def test_a_database_without_schema_is_refused_with_the_command_to_run(
    postgres: PostgresServer,
) -> None:
    url = postgres.empty_database()
    with pytest.raises(StoreMismatchError, match="no py-cml schema") as caught:
        open_store(url)
    assert "cml db upgrade" in (caught.value.hint or "")

    assert current(url) is None
    assert upgrade(url) == (None, HEAD_REVISION)
    assert upgrade(url) == (HEAD_REVISION, HEAD_REVISION)  # a second run changes nothing
    open_store(url).close()


def _set_revision(url: str, revision: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s", (revision,))


def test_a_schema_from_a_newer_py_cml_is_refused(postgres: PostgresServer) -> None:
    url = postgres.new_database()
    _set_revision(url, "9999")
    with pytest.raises(StoreMismatchError, match="newer py-cml") as caught:
        open_store(url)
    assert "Upgrade py-cml" in (caught.value.hint or "")


def test_an_unreachable_server_is_unavailable_and_the_password_never_shown() -> None:
    with pytest.raises(UnavailableError) as caught:
        open_store("postgresql://cml:s3cret-pw@127.0.0.1:1/cml?connect_timeout=2")
    assert "s3cret-pw" not in caught.value.message
    assert "127.0.0.1" in caught.value.message
    assert caught.value.hint


def test_describe_reports_versions_pool_and_latency(postgres_url: str) -> None:
    store = open_store(postgres_url, pool_min=2, pool_max=5)
    try:
        store.check_embedding_model("hash-384", 384)
        facts = store.describe()
    finally:
        store.close()
    assert facts["backend"] == "postgres"
    assert facts["server_version"].split(".")[0].isdigit()
    assert facts["pgvector_version"]
    assert facts["schema_revision"] == HEAD_REVISION
    assert facts["embedding_dimensions"] == 384
    assert facts["latency_ms"] >= 0
    assert facts["pool"]["min"] == 2
    assert facts["pool"]["max"] == 5
    assert facts["pool"]["open"] >= 2
    assert facts["storage_bytes"] > 0
    assert "password" not in str(facts).lower()


def test_filtered_vector_search_fills_up_through_the_hnsw_index(postgres_url: str) -> None:
    store = open_store(postgres_url, pool_max=2)
    try:
        store.check_embedding_model("hash-384", 384)
        # 200 memories in one namespace, 5 in another: the HNSW walk over everything would
        # rarely reach the small namespace, the store must still return all of it.
        insert(store, *(make_record(f"common memory number {i}") for i in range(200)))
        rare = insert(store, *(make_record(f"rare memory {i}", namespace="rare") for i in range(5)))
        with psycopg.connect(postgres_url) as conn:
            # At this size a sequential scan is cheaper; what matters is that the index can
            # answer the query shape the store sends.
            conn.execute("SET enable_seqscan = off")
            plan = conn.execute(
                "EXPLAIN SELECT id FROM memories"
                " ORDER BY embedding::vector(384) <=> %s::vector(384) LIMIT 10",
                (str(query_vector("x").tolist()),),
            ).fetchall()
        assert "ix_memories_embedding_hnsw" in " ".join(row[0] for row in plan)

        everyone = store.vector_search(MemoryFilter("acme"), query_vector("common memory"), 20)
        in_rare = store.vector_search(
            MemoryFilter("acme", namespace="rare"), query_vector("common memory"), 10
        )
    finally:
        store.close()
    assert len(everyone) == 20
    assert {i for i, _ in in_rare} == {r.id for r in rare}


def _contend(url: str, owner: str, start: Any, results: Any) -> None:
    store = PostgresStore(url, pool_max=1)
    try:
        start.wait()
        now = datetime(2026, 1, 1, tzinfo=UTC)
        won = store.try_acquire_lease("consolidate:acme", owner, 60, now)
        with store.transaction() as tx:
            key = IdempotencyRecord("acme", "shared-key", owner, {"owner": owner}, T0)
            stored = tx.put_idempotency(key)
        results.put((owner, won, stored))
    finally:
        store.close()


def test_two_processes_contend_for_one_lease_and_one_idempotency_key(postgres_url: str) -> None:
    # fork: the children start in milliseconds; each opens its own connections.
    context = multiprocessing.get_context("fork")
    processes = 3
    start = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(target=_contend, args=(postgres_url, f"replica-{n}", start, results))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    results.close()
    results.join_thread()

    lease_winners = [owner for owner, won, _ in outcomes if won]
    key_winners = [owner for owner, _, stored in outcomes if stored]
    assert len(lease_winners) == 1
    assert len(key_winners) == 1
    store = open_store(postgres_url)
    try:
        record = store.get_idempotency("acme", "shared-key")
        assert record is not None
        assert record.request_hash == key_winners[0]
        # The lease is held by the winner: nobody else gets it before it expires.
        now = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
        assert not store.try_acquire_lease("consolidate:acme", "latecomer", 60, now)
    finally:
        store.close()


def test_a_revision_0001_database_gains_the_time_columns_in_place(postgres: PostgresServer) -> None:
    url = postgres.empty_database()
    assert upgrade(url, "0001") == (None, "0001")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO memories (id, tenant_id, content, memory_type, created_at, updated_at,"
            " status, importance, confidence, stored_at)"
            " VALUES ('old-1', 'acme', 'Ann lives in Lyon', 'episodic_event', %s, %s, 'active',"
            " 0.5, 0.9, %s)",
            (T0, T0, T0),
        )
    with pytest.raises(StoreMismatchError, match="revision 0001"):
        open_store(url)

    assert upgrade(url) == ("0001", HEAD_REVISION)
    store = open_store(url)
    try:
        record = store.get("acme", "old-1")
        assert record is not None
        assert record.content == "Ann lives in Lyon"
        assert record.valid_from == T0
        assert (record.valid_to, record.superseded_at, record.superseded_by) == (None, None, None)
        assert record.type_given
    finally:
        store.close()


def test_a_revision_0003_database_counts_its_memories_terms_on_upgrade(
    postgres: PostgresServer,
) -> None:
    url = postgres.empty_database()
    assert upgrade(url, "0003") == (None, "0003")
    with psycopg.connect(url, autocommit=True) as conn:
        for n, (tenant, namespace, content, status) in enumerate(
            [
                ("acme", None, "Ann walks her dog", "active"),
                ("acme", None, "Ann sold the dogs", "deleted"),
                ("acme", "work", "The dog of the office", "active"),
                ("other", None, "A dog and a cat", "active"),
            ]
        ):
            conn.execute(
                "INSERT INTO memories (id, tenant_id, namespace, content, memory_type, created_at,"
                " updated_at, status, importance, confidence, stored_at)"
                " VALUES (%s, %s, %s, %s, 'episodic_event', %s, %s, %s, 0.5, 0.9, %s)",
                (f"old-{n}", tenant, namespace, content, T0, T0, status, T0),
            )
    assert upgrade(url) == ("0003", HEAD_REVISION)
    store = open_store(url)
    try:
        words = ["dogs", "ann", "cat"]
        assert store.term_statistics("acme", None, words)[:2] == (
            2,
            {"dogs": 2, "ann": 1, "cat": 0},
        )
        assert store.term_statistics("acme", "work", words)[:2] == (
            1,
            {"dogs": 1, "ann": 0, "cat": 0},
        )
        assert store.term_statistics("other", None, words)[:2] == (
            1,
            {"dogs": 1, "ann": 0, "cat": 1},
        )
    finally:
        store.close()


def _downgrade(url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", "cml.storage.postgres:migrations")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def test_every_revision_downgrades_to_the_one_before(postgres: PostgresServer) -> None:
    url = postgres.empty_database()
    upgrade(url)
    _downgrade(url, "0002")
    assert current(url) == "0002"
    assert {"webhooks", "term_stats", "event_chain"}.isdisjoint(_tables(url))

    _downgrade(url, "base")
    assert current(url) is None
    assert _tables(url) == {"alembic_version"}

    assert upgrade(url) == (None, HEAD_REVISION)
    open_store(url).close()


def test_the_integrity_check_says_what_it_checked_and_what_it_could_not(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        store.check_embedding_model("hash-384", 384)
        insert(store, make_record("Water the ferns on Fridays"))
        findings = store.check_integrity()
        assert findings.problems == ()
        assert any("amcheck" in what for what in findings.not_checked)
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
            except psycopg.errors.FeatureNotSupported:
                return  # this PostgreSQL ships without amcheck: what it said above is all
            except psycopg.errors.UndefinedFile:
                return
        findings = store.check_integrity()
        assert findings.problems == ()
        assert any("bt_index_check" in what for what in findings.checks)
        assert any("hnsw" in what for what in findings.not_checked)  # amcheck cannot read it
    finally:
        store.close()
