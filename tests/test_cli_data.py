"""``cml db``, ``cml export`` and ``cml import``: an embedded SQLite store moved to PostgreSQL."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cml.cli import app
from cml.engine import EngineConfig, open_engine
from cml.models import ForgetRequest, UpdateRequest, WriteRequest
from cml.storage import MemoryFilter, MemoryRecord, MemoryStore, VersionRecord, new_id, open_store
from cml.storage.postgres.schema import HEAD_REVISION
from pg_helpers import PostgresServer


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CML_"):
            monkeypatch.delenv(name)


def run(database_url: str, *args: str) -> tuple[int, str, str]:
    runner = CliRunner(env={"CML_DATABASE_URL": database_url, "CML_EMBEDDING_PROVIDER": "hash"})
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _fill(sqlite_url: str) -> None:
    """Memories of two tenants with history, a deleted one and a derived one with provenance."""
    config = EngineConfig(database_url=sqlite_url, embedding_provider="hash")
    with open_engine(config) as engine:
        first = engine.memories.write(
            "acme",
            WriteRequest(
                content="Alice prefers window seats on long flights",
                memory_type="preference",
                namespace="travel",
                session_id="s-1",
                metadata={"source": "chat", "nested": {"n": 1}},
                context_tags=["travel", "seats"],
                timestamp=datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=UTC),
            ),
        )
        engine.memories.update(
            "acme",
            UpdateRequest(memory_id=first.memory_id, text="Alice prefers aisle seats now"),
        )
        gone = engine.memories.write("acme", WriteRequest(content="The office moved to Berlin"))
        assert first.memory_id is not None
        assert gone.memory_id is not None
        engine.memories.forget("acme", ForgetRequest(memory_ids=[gone.memory_id]))
        engine.memories.write("globex", WriteRequest(content="Globex ships on Fridays"))
        engine.memories.write("globex", WriteRequest(content="The user lives in Lyon"))
        moved = engine.memories.write("globex", WriteRequest(content="The user moved to Nice"))
        assert len(moved.superseded) == 1  # the retired memory keeps its times through export
        derived = MemoryRecord(
            id=new_id(),
            tenant_id="acme",
            content="Alice travels a lot",
            memory_type="semantic_fact",
            created_at=datetime(2024, 4, 1, tzinfo=UTC),
            updated_at=datetime(2024, 4, 2, tzinfo=UTC),
            provenance=[first.memory_id, gone.memory_id],
            status="silent",
            consolidated_at=datetime(2024, 4, 3, tzinfo=UTC),
            embedding=engine.embedder.embed(["Alice travels a lot"])[0],
        )
        with engine.store.transaction() as tx:
            tx.insert([derived])


def _snapshot(store: MemoryStore) -> dict[str, tuple[MemoryRecord, list[VersionRecord]]]:
    found = {}
    for tenant in ("acme", "globex"):
        for record in store.iter_memories(MemoryFilter(tenant, statuses=None)):
            found[record.id] = (record, store.versions(tenant, record.id))
    return found


def _comparable(record: MemoryRecord) -> MemoryRecord:
    assert record.embedding is not None
    return replace(record, embedding=None)


def test_sqlite_to_postgres_round_trip_keeps_everything(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'embedded.db'}"
    _fill(sqlite_url)
    export = tmp_path / "memories.jsonl"
    code, _, err = run(sqlite_url, "export", "--output", str(export))
    assert code == 0, err
    assert "Exported 6 memories" in err

    pg_url = postgres.empty_database()
    code, out, err = run(pg_url, "db", "current")
    assert code == 1
    assert "cml db upgrade" in err
    code, out, err = run(pg_url, "db", "upgrade")
    assert code == 0, err
    assert "Upgraded schema" in out
    code, out, _ = run(pg_url, "db", "current")
    assert code == 0
    assert f"current: {HEAD_REVISION}" in out

    code, _, err = run(pg_url, "import", str(export), "--bulk")  # the index is built after
    assert code == 0, err
    assert "Imported 6 memories" in err
    assert "0 re-embedded" in err

    source, target = open_store(sqlite_url), open_store(pg_url)
    try:
        before, after = _snapshot(source), _snapshot(target)
        assert before.keys() == after.keys()
        for memory_id, (record, history) in before.items():
            moved, moved_history = after[memory_id]
            assert _comparable(moved) == _comparable(record)
            assert moved.embedding is not None
            assert record.embedding is not None
            assert moved.embedding.tobytes() == record.embedding.tobytes()
            assert moved_history == history
        statuses = sorted(r.status for r, _ in after.values())
        assert statuses == ["active", "active", "active", "deleted", "silent", "superseded"]
        assert any(h for _, h in after.values())  # the update's history came along

        # Importing the same file again changes nothing.
        code, _, err = run(pg_url, "import", str(export))
        assert code == 0, err
        assert "Imported 0 memories; 6 already present" in err
        assert _snapshot(target).keys() == after.keys()
    finally:
        source.close()
        target.close()


def test_bad_lines_are_reported_and_good_ones_imported(tmp_path: Path, postgres_url: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'embedded.db'}"
    _fill(sqlite_url)
    code, exported, err = run(sqlite_url, "export", "--tenant", "acme")
    assert code == 0, err
    good = exported.splitlines()
    assert len(good) == 3
    other_model = json.loads(good[2])
    other_model["embedding"]["model"] = "some-other-model"
    missing_content = json.loads(good[0])
    del missing_content["content"]
    bad_status = json.loads(good[0]) | {"status": "sleeping", "id": new_id()}
    lines = [
        good[0],
        "{not json",
        json.dumps(missing_content),
        "",
        good[1],
        json.dumps(bad_status),
        json.dumps(other_model),
    ]
    file = tmp_path / "mixed.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, _, err = run(postgres_url, "import", str(file), "--batch-size", "2")

    assert code == 1
    assert "Imported 3 memories" in err
    assert "1 re-embedded" in err
    assert "3 bad lines" in err
    assert "line 2: not JSON" in err
    assert "line 3: content" in err
    assert "line 6: status" in err
    store = open_store(postgres_url)
    try:
        assert len(list(store.iter_memories(MemoryFilter("acme", statuses=None)))) == 3
    finally:
        store.close()


def test_db_commands_refuse_a_sqlite_store(tmp_path: Path) -> None:
    code, _, err = run(f"sqlite:///{tmp_path / 'x.db'}", "db", "upgrade")
    assert code == 2
    assert "migrates itself" in err
