"""A large insert counts its term statistics in one pass: the counts equal row-by-row writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cml.embeddings import HashEmbedder
from cml.engine.transfer import import_lines, memory_line
from cml.storage import MemoryRecord
from cml.storage.sql.tx import BULK_FROM
from cml.storage.sqlite import SQLiteStore

from ..conftest import insert_batches, varied_records

Row = tuple[str, str, str, int, int]


def term_rows(path: Path) -> list[Row]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT tenant_id, namespace, term, documents, tokens FROM term_stats"
            " ORDER BY tenant_id, namespace, term"
        ).fetchall()
    conn.close()
    return rows


def write(path: Path, batches: list[list[MemoryRecord]]) -> list[Row]:
    insert_batches(SQLiteStore(path), batches)
    return term_rows(path)


def test_bulk_counts_equal_row_by_row_counts(tmp_path: Path) -> None:
    records = varied_records(3 * BULK_FROM + 5)
    one_by_one = write(tmp_path / "rows.db", [[r] for r in records])
    # The first batch is small (trigger), the others large (bulk), into a store with rows.
    cut = BULK_FROM - 1
    mixed = write(tmp_path / "bulk.db", [records[:cut], records[cut:]])
    assert mixed == one_by_one
    terms = {(tenant, ns, term): documents for tenant, ns, term, documents, _ in one_by_one}
    # Not vacuous: both tenants and namespaces, stemmed terms, the documents' own row.
    assert terms[("acme", "bob", "")] > 0
    assert terms[("globex", "", "coffe")] > 0
    assert ("globex", "", "caf") not in terms
    assert terms[("globex", "", "cafe")] > 0


def test_a_failed_bulk_insert_counts_nothing_and_leaves_the_trigger_on(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    store = SQLiteStore(path)
    records = varied_records(BULK_FROM + 2)
    try:
        with store.transaction() as tx:
            tx.insert(records[:2])
        before = term_rows(path)
        with pytest.raises(sqlite3.IntegrityError), store.transaction() as tx:
            tx.insert([*records[2:], records[2]])  # the same id twice: the batch fails
        assert term_rows(path) == before
        with store.transaction() as tx:
            tx.insert(records[2:3])  # one row: counted by the trigger, which is not paused
    finally:
        store.close()
    assert term_rows(path) == write(tmp_path / "rows.db", [[r] for r in records[:3]])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM term_stats_paused").fetchone() == (0,)
    conn.close()


def test_import_in_batches_equals_row_by_row_and_is_idempotent(tmp_path: Path) -> None:
    embedder = HashEmbedder()
    lines = [
        (n, memory_line(r, [], embedder.model_name))
        for n, r in enumerate(varied_records(4 * BULK_FROM), start=1)
    ]
    found = {}
    for batch_size in (1, 3 * BULK_FROM):
        path = tmp_path / f"batch{batch_size}.db"
        store = SQLiteStore(path)
        try:
            report = import_lines(store, embedder, lines, batch_size=batch_size)
            again = import_lines(store, embedder, lines, batch_size=batch_size)
        finally:
            store.close()
        assert (report.imported, report.skipped, report.bad_lines) == (len(lines), 0, [])
        assert (again.imported, again.skipped) == (0, len(lines))
        found[batch_size] = term_rows(path)
    assert found[1] == found[3 * BULK_FROM] != []
