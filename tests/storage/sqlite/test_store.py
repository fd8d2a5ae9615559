"""What is particular to the SQLite backend: files, schema versions, URLs, closing."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from cml.engine.read.retrieval import read_filter
from cml.errors import InvalidInputError, StoreMismatchError, UnavailableError
from cml.models import MemoryType, ReadRequest
from cml.storage import MemoryFilter, open_store
from cml.storage.sql.store import any_memory_statement
from cml.storage.sqlite import SQLiteStore
from cml.storage.sqlite.lexical import partition_match, partition_phrase
from cml.storage.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from cml.storage.sqlite.session import session_successors
from cml.storage.sqlite.terms import register

from ..conftest import insert, make_record, query_vector


class Steps:
    """The virtual-machine steps SQLite takes on a connection from now on (``count``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.count = 0
        conn.set_progress_handler(self._step, 1)

    def _step(self) -> int:
        self.count += 1
        return 0


def test_file_store_survives_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dirs" / "cml.db"
    store = SQLiteStore(path)
    store.check_embedding_model("hash-384", 384)
    (record,) = insert(store, make_record("persistent penguins"))
    store.close()

    reopened = SQLiteStore(path)
    try:
        got = reopened.get("acme", record.id)
        assert got is not None
        assert got.content == "persistent penguins"
        filt = MemoryFilter("acme")
        assert [i for i, _ in reopened.vector_search(filt, query_vector("penguins"), 1)] == [
            record.id
        ]
        assert [i for i, _ in reopened.lexical_search(filt, "penguins", 1)] == [record.id]
        reopened.check_embedding_model("hash-384", 384)
        with pytest.raises(StoreMismatchError):
            reopened.check_embedding_model("all-MiniLM-L6-v2", 384)
    finally:
        reopened.close()


def test_a_store_checked_after_it_opens_serves_and_closes_during_the_check(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cml.db"
    store = SQLiteStore(path)
    store.check_embedding_model("hash-384", 384)
    (record,) = insert(store, make_record("patient pelicans"))
    store.close()

    reopened = SQLiteStore(path, check_after_open_from=0)
    got = reopened.get("acme", record.id)  # served whether or not the check has finished
    assert got is not None
    assert got.content == "patient pelicans"
    assert reopened.wait_for_start_check(timeout=60)
    reopened.ping()
    reopened.close()

    closed_at_once = SQLiteStore(path, check_after_open_from=0)
    closed_at_once.close()  # stops a check still running: its thread has ended
    assert closed_at_once.wait_for_start_check(0)


def test_file_uses_wal_and_records_the_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    SQLiteStore(path).close()

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert int(version[0]) == SCHEMA_VERSION
    finally:
        conn.close()


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.close()

    with pytest.raises(StoreMismatchError, match="999") as caught:
        SQLiteStore(path)
    assert str(path) in caught.value.message
    assert caught.value.hint is not None
    assert "Upgrade" in caught.value.hint


def test_a_version_2_store_moves_consolidated_facts_to_their_own_index(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in (*MIGRATIONS[0], *MIGRATIONS[1]):
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        for pk, (content, kind, metadata) in enumerate(
            [
                ("Ann walks her dog at dawn", "episodic_event", "{}"),
                ("Ann walks her dog every morning", "semantic_fact", '{"source": "consolidation"}'),
                ("Ann's dog is called Rex", "semantic_fact", "{}"),
            ],
            start=1,
        ):
            conn.execute(
                "INSERT INTO memories (pk, id, tenant_id, content, memory_type, created_at,"
                " updated_at, status, metadata, importance, confidence, stored_at)"
                " VALUES (?, ?, 'acme', ?, ?, 0, 0, 'active', ?, 0.5, 0.9, 0)",
                (pk, f"id-{pk}", content, kind, metadata),
            )
    conn.close()

    store = SQLiteStore(path)
    try:
        episodes_and_own_facts = MemoryFilter("acme", memory_types=["episodic_event"])
        found = store.lexical_search(episodes_and_own_facts, "dog", 10)
        assert [memory_id for memory_id, _ in found] == ["id-1"]
        facts = MemoryFilter("acme", memory_types=["semantic_fact"])
        found = store.lexical_search(facts, "dog", 10)
        assert sorted(memory_id for memory_id, _ in found) == ["id-2", "id-3"]
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        for index in ("memories_fts", "derived_fts"):
            conn.execute(f"INSERT INTO {index} ({index}) VALUES ('integrity-check')")
        assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION)
    finally:
        conn.close()


def test_unwritable_data_dir_is_named_in_the_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")

    with pytest.raises(UnavailableError, match="not-a-dir"):
        open_store(f"sqlite:///{blocker / 'sub' / 'cml.db'}")


def test_storage_bytes_counts_the_files(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    try:
        before = store.storage_bytes()
        insert(store, *(make_record(f"memory number {i} " * 20) for i in range(200)))
        assert store.storage_bytes() > before
    finally:
        store.close()


def test_in_memory_stores_are_separate() -> None:
    first, second = SQLiteStore(":memory:"), SQLiteStore(":memory:")
    try:
        (record,) = insert(first, make_record("only in the first"))
        assert second.get("acme", record.id) is None
    finally:
        first.close()
        second.close()


def test_closed_store_refuses_work(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(UnavailableError, match="closed"):
        store.ping()
    with pytest.raises(UnavailableError), store.transaction():
        pass


@pytest.mark.parametrize("path", [":memory:", "file"])
def test_transactions_cannot_nest(tmp_path: Path, path: str) -> None:
    store = SQLiteStore(path if path == ":memory:" else tmp_path / "cml.db")
    try:
        with (
            pytest.raises(RuntimeError, match="nested"),
            store.transaction(),
            store.transaction(),
        ):
            pass
        store.ping()
    finally:
        store.close()


@pytest.mark.parametrize("path", [":memory:", "file"])
def test_reads_inside_a_transaction_do_not_leak_its_rollback(tmp_path: Path, path: str) -> None:
    store = SQLiteStore(path if path == ":memory:" else tmp_path / "cml.db")
    try:
        (record,) = insert(store, make_record("counted"))

        def work_then_fail() -> None:
            with store.transaction() as tx:
                tx.insert([make_record("uncommitted walrus")])
                # The first search loads the index while the walrus is still uncommitted.
                store.vector_search(MemoryFilter("acme"), query_vector("walrus"), 5)
                store.record_access("acme", [record.id], record.created_at)
                raise LookupError("abandon the unit of work")

        with pytest.raises(LookupError):
            work_then_fail()

        hits = store.vector_search(MemoryFilter("acme"), query_vector("uncommitted walrus"), 5)
        assert [i for i, _ in hits] == [record.id]
        got = store.get("acme", record.id)
        assert got is not None
        assert got.access_count == 0  # it was part of the rolled-back unit of work
    finally:
        store.close()


def test_open_store_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///rel/cml.db")
    relative.close()
    assert (tmp_path / "rel" / "cml.db").exists()

    absolute = open_store(f"sqlite:///{tmp_path / 'abs.db'}")
    absolute.close()
    assert (tmp_path / "abs.db").exists()

    memory = open_store("sqlite:///:memory:")
    assert memory.backend == "sqlite"
    memory.close()


@pytest.mark.parametrize("url", ["mysql://localhost/db", "cml.db", "sqlite:///", "sqlite://x.db"])
def test_unknown_urls_name_the_accepted_forms(url: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        open_store(url)
    assert caught.value.hint is not None
    assert "sqlite:///:memory:" in caught.value.hint


def test_asking_a_large_namespace_for_facts_reads_no_other_memory(tmp_path: Path) -> None:
    # Each read in a namespace asks whether it holds consolidated facts: one probe of the
    # index, however many episodes the namespace holds (not one row read per episode).
    path = tmp_path / "cml.db"
    store = SQLiteStore(path)
    try:
        episodes = [make_record(f"turn {i}", namespace="u1", embed=False) for i in range(400)]
        insert(store, *episodes)
        # The filter of that question, as a read in the namespace makes it.
        facts = read_filter(
            "acme", ReadRequest(query="anything", namespace="u1"), [MemoryType.SEMANTIC_FACT]
        )
        assert not store.any_memory(facts)
        insert(store, make_record("a fact", namespace="u1", memory_type="semantic_fact"))
        assert store.any_memory(facts)
        statement, params = any_memory_statement(store.dialect, facts)
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        steps = Steps(conn)
        assert conn.execute(statement, params).fetchone() == (1,)
    # Reading the 400 episodes' rows would take thousands of virtual-machine steps.
    assert steps.count < 1000


def test_session_successors_read_only_their_own_namespace(tmp_path: Path) -> None:
    # Conversations in namespaces of their own label their sessions alike ("s1"): a memory's
    # successors are found in its namespace's session without walking the others'.
    path = tmp_path / "cml.db"
    store = SQLiteStore(path)
    try:
        turns = {
            f"u{n}": [
                make_record(
                    f"u{n} turn {i}",
                    namespace=f"u{n}",
                    session_id="s1",
                    minutes=i * 60 + n,
                    embed=False,
                )
                for i in range(20)
            ]
            for n in range(60)
        }
        insert(store, *(turn for namespace in turns.values() for turn in namespace))
    finally:
        store.close()
    ours = turns["u7"]
    filt = MemoryFilter("acme", namespace="u7")
    with sqlite3.connect(path) as conn:
        steps = Steps(conn)
        found = session_successors(conn, filt, [ours[0].id, ours[10].id], 2)
    assert found == {
        ours[0].id: [ours[1].id, ours[2].id],
        ours[10].id: [ours[11].id, ours[12].id],
    }
    # The other 59 namespaces' 1,180 turns of "s1" after the anchors are never read.
    assert steps.count < 1000


def test_describe_reports_backend_facts_for_health(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cml.db")
    try:
        facts = store.describe()
    finally:
        store.close()
    assert facts["backend"] == "sqlite"
    assert facts["journal_mode"] == "wal"
    assert facts["schema_version"] >= 1
    assert facts["storage_bytes"] > 0
    assert str(tmp_path / "cml.db") in facts["location"]


def test_a_version_3_store_gains_the_time_columns_without_losing_a_memory(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in (*MIGRATIONS[0], *MIGRATIONS[1], *MIGRATIONS[2]):
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
        conn.execute(
            "INSERT INTO memories (pk, id, tenant_id, content, memory_type, created_at,"
            " updated_at, status, importance, confidence, stored_at)"
            " VALUES (1, 'old-1', 'acme', 'Ann lives in Lyon', 'episodic_event', 1000, 1000,"
            " 'active', 0.5, 0.9, 2000)"
        )
    conn.close()

    store = SQLiteStore(path)
    try:
        record = store.get("acme", "old-1")
        assert record is not None
        assert record.content == "Ann lives in Lyon"
        assert record.valid_from == record.created_at
        assert record.recorded_at is not None
        assert record.recorded_at.timestamp() == 2000
        assert (record.valid_to, record.superseded_at, record.superseded_by) == (None, None, None)
        assert record.type_given  # an older row's type counts as stated: never retired on a guess
        assert [i for i, _ in store.lexical_search(MemoryFilter("acme"), "Lyon", 5)] == ["old-1"]
    finally:
        store.close()


def test_a_version_5_store_counts_its_memories_terms_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in (statement for version in MIGRATIONS[:5] for statement in version):
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '5')")
        for pk, (tenant, namespace, content, status, metadata) in enumerate(
            [
                ("acme", None, "Ann walks her dog", "active", "{}"),
                ("acme", None, "Ann feeds the dogs", "compressed", "{}"),
                ("acme", None, "Ann sold the dog", "deleted", "{}"),
                ("acme", "work", "The dog of the office", "active", "{}"),
                ("acme", None, "Ann has a dog", "active", '{"source": "consolidation"}'),
                ("other", None, "A dog and a cat", "active", "{}"),
            ],
            start=1,
        ):
            kind = "semantic_fact" if "source" in metadata else "episodic_event"
            conn.execute(
                "INSERT INTO memories (pk, id, tenant_id, namespace, content, memory_type,"
                " created_at, updated_at, status, metadata, importance, confidence, stored_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, 0.5, 0.9, 0)",
                (pk, f"id-{pk}", tenant, namespace, content, kind, status, metadata),
            )
    conn.close()

    store = SQLiteStore(path)
    try:
        words = ["dog", "ann", "cat"]
        assert store.term_statistics("acme", None, words)[:2] == (3, {"dog": 3, "ann": 2, "cat": 0})
        assert store.term_statistics("acme", "work", words)[:2] == (
            1,
            {"dog": 1, "ann": 0, "cat": 0},
        )
        assert store.term_statistics("other", None, words)[:2] == (
            1,
            {"dog": 1, "ann": 0, "cat": 1},
        )
    finally:
        store.close()


def test_a_version_11_store_keeps_finding_its_memories_in_each_partition(tmp_path: Path) -> None:
    path = tmp_path / "cml.db"
    conn = sqlite3.connect(path)
    register(conn)
    rows = [
        ("acme", "a", "Ann walks her dog", "episodic_event", "{}"),
        ("acme", "b", "Bob walks his dog", "episodic_event", "{}"),
        ("acme", None, "Nobody's dog", "episodic_event", "{}"),
        ("acme", "a", "Ann has a dog", "semantic_fact", '{"source": "consolidation"}'),
        ("other", "a", "Their dog", "episodic_event", "{}"),
    ]
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for statement in (statement for version in MIGRATIONS[:11] for statement in version):
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '11')")
        for pk, (tenant, namespace, content, kind, metadata) in enumerate(rows, start=1):
            conn.execute(
                "INSERT INTO memories (pk, id, tenant_id, namespace, content, memory_type,"
                " created_at, updated_at, status, metadata, importance, confidence, stored_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, 0, 'active', ?, 0.5, 0.9, 0)",
                (pk, f"id-{pk}", tenant, namespace, content, kind, metadata),
            )
    conn.close()

    store = SQLiteStore(path)
    try:

        def found(tenant: str, namespace: str | None) -> set[str]:
            filt = MemoryFilter(tenant, namespace=namespace, memory_types=("episodic_event",))
            return {memory_id for memory_id, _ in store.lexical_search(filt, "dog", 10)}

        assert found("acme", "a") == {"id-1"}
        assert found("acme", "b") == {"id-2"}
        assert found("acme", None) == {"id-1", "id-2", "id-3"}
        assert found("other", "a") == {"id-5"}
    finally:
        store.close()
    # The rebuilt index agrees with the memories it holds, the fact left in an index of its own.
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')")
        indexed = {
            phrase: {
                rowid
                for (rowid,) in conn.execute(
                    "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?", (phrase,)
                )
            }
            for phrase in (
                "dog",
                partition_phrase("acme", "a"),
                partition_phrase("acme", None),
                partition_phrase("other", None),
                partition_match("acme", "b", ["walks", "dog"]),
            )
        }
    assert list(indexed.values()) == [{1, 2, 3, 5}, {1}, {1, 2, 3}, {5}, {2}]
