"""PostgreSQL's bulk paths: term statistics of a large insert counted once, the vector index
rebuilt once after a bulk load; what a later read sees is what row-by-row writes give."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from cml.embeddings import HashEmbedder
from cml.engine.transfer import import_lines, memory_line
from cml.storage import MemoryFilter, MemoryRecord, open_store
from cml.storage.postgres.schema import HNSW_INDEX
from cml.storage.sql.tx import BULK_FROM
from pg_helpers import PostgresServer

from ..conftest import insert_batches, query_vector, varied_records

EMBEDDER = HashEmbedder()


def term_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT tenant_id, namespace, term, documents, tokens FROM term_stats"
            " ORDER BY tenant_id, namespace, term"
        ).fetchall()


def has_vector_index(url: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (HNSW_INDEX,)).fetchone()
    return bool(row and row[0])


def written(url: str, batches: list[list[MemoryRecord]]) -> list[tuple[Any, ...]]:
    insert_batches(open_store(url), batches)
    return term_rows(url)


def test_bulk_counts_equal_row_by_row_counts(postgres: PostgresServer) -> None:
    records = varied_records(3 * BULK_FROM + 5)
    one_by_one = written(postgres.new_database(), [[r] for r in records])
    cut = BULK_FROM - 1
    mixed = written(postgres.new_database(), [records[:cut], records[cut:]])
    assert mixed == one_by_one
    terms = {(tenant, ns, term): documents for tenant, ns, term, documents, _ in one_by_one}
    assert terms[("acme", "bob", "")] > 0
    assert terms[("globex", "", "coffe")] > 0


def stored(url: str, records: list[MemoryRecord]) -> dict[str, MemoryRecord]:
    store = open_store(url)
    try:
        found = {}
        for tenant in {r.tenant_id for r in records}:
            ids = [r.id for r in records if r.tenant_id == tenant]
            found.update({r.id: r for r in store.get_many(tenant, ids)})
        return found
    finally:
        store.close()


def vector_bytes(record: MemoryRecord) -> bytes | None:
    return None if record.embedding is None else record.embedding.tobytes()


def test_a_bulk_insert_stores_what_row_by_row_inserts_store(postgres: PostgresServer) -> None:
    records = varied_records(2 * BULK_FROM + 3)
    records[1].embedding = None  # a memory without a vector
    records[2].metadata = {"note": "ünïcode", "n": 3}
    records[2].context_tags = ["a", "b"]
    records[3].agent_id, records[3].session_id = "agent-7", "session-2"
    one_by_one = postgres.new_database()
    insert_batches(open_store(one_by_one), [[r] for r in records])
    bulk = postgres.new_database()
    store = open_store(bulk)
    try:
        # Two bulk inserts in one transaction, then another transaction on the same connection.
        with store.transaction() as tx:
            tx.insert(records[:BULK_FROM])
            tx.insert(records[BULK_FROM : 2 * BULK_FROM])
        with store.transaction() as tx:
            tx.insert(records[2 * BULK_FROM :])
    finally:
        store.close()
    expected, got = stored(one_by_one, records), stored(bulk, records)
    assert set(got) == {r.id for r in records}
    for memory_id, record in expected.items():
        assert vector_bytes(got[memory_id]) == vector_bytes(record)
        record.embedding = got[memory_id].embedding = None
        assert got[memory_id] == record
    assert term_rows(bulk) == term_rows(one_by_one)


def test_a_failed_bulk_insert_counts_nothing(postgres: PostgresServer) -> None:
    records = varied_records(2 * BULK_FROM + 2)
    postgres_url = postgres.new_database()
    store = open_store(postgres_url)
    try:
        with store.transaction() as tx:
            tx.insert(records[:2])
        before = term_rows(postgres_url)
        with pytest.raises(Exception, match=r"duplicate|unique"), store.transaction() as tx:
            tx.insert([*records[2:], records[2]])  # the same id twice: the batch fails
        assert term_rows(postgres_url) == before
        assert len(store.get_many("acme", [r.id for r in records])) == sum(
            r.tenant_id == "acme" for r in records[:2]
        )  # nothing of the failed batch was stored
        with store.transaction() as tx:
            tx.insert(records[2:3])  # one row, in a new transaction: the trigger counts it
        with store.transaction() as tx:
            tx.insert(records[3:])  # a bulk insert again, on the same pooled connection
    finally:
        store.close()
    assert term_rows(postgres_url) == written(postgres.new_database(), [[r] for r in records])


def lines(records: list[MemoryRecord]) -> list[tuple[int, str]]:
    return [(n, memory_line(r, [], EMBEDDER.model_name)) for n, r in enumerate(records, 1)]


def test_a_bulk_import_rebuilds_the_vector_index_and_equals_a_plain_one(
    postgres: PostgresServer,
) -> None:
    records = varied_records(4 * BULK_FROM)
    found = {}
    for bulk in (False, True):
        url = postgres.new_database()
        store = open_store(url)
        try:
            store.check_embedding_model(EMBEDDER.model_name, EMBEDDER.dimensions)
            size = 3 * BULK_FROM if bulk else 1
            report = import_lines(store, EMBEDDER, lines(records), batch_size=size, bulk=bulk)
            again = import_lines(store, EMBEDDER, lines(records), batch_size=size, bulk=bulk)
            assert (report.imported, report.skipped, report.bad_lines) == (len(records), 0, [])
            assert (again.imported, again.skipped) == (0, len(records))
            assert has_vector_index(url)
            hits = store.vector_search(MemoryFilter("acme"), query_vector("coffee with honey"), 5)
        finally:
            store.close()
        found[bulk] = (term_rows(url), [memory_id for memory_id, _ in hits])
    assert found[True] == found[False]
    assert found[True][1]


def test_the_vector_index_comes_back_after_a_failed_or_interrupted_bulk_load(
    postgres_url: str,
) -> None:
    store = open_store(postgres_url)
    try:
        store.check_embedding_model(EMBEDDER.model_name, EMBEDDER.dimensions)
        dropped = []

        def load_that_fails() -> None:
            with store.bulk_load():
                dropped.append(not has_vector_index(postgres_url))
                raise RuntimeError("stop")

        with pytest.raises(RuntimeError, match="stop"):
            load_that_fails()
        assert dropped == [True]
        assert has_vector_index(postgres_url)
        # A process that died inside the block left no index: the next start builds it.
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP INDEX {HNSW_INDEX}")
    finally:
        store.close()
    store = open_store(postgres_url)
    try:
        store.check_embedding_model(EMBEDDER.model_name, EMBEDDER.dimensions)
    finally:
        store.close()
    assert has_vector_index(postgres_url)
