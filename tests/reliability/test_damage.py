"""A damaged SQLite file is reported as damaged, never served as healthy or as a transient 503.

Issue 18 item 1: three pages overwritten in the middle of a checkpointed store went unnoticed at
start, ``/health`` said ok, and every request answered a retryable ``503``. Here a store of a few
MB is built through the real app, closed (which merges the write-ahead log), and damaged by
overwriting pages in the middle of the file, as a failing disk or a stray write would.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import cml
from cml.engine import Engine, open_engine
from cml.engine.embedder import make_embedder
from cml.errors import DatabaseDamagedError
from cml.server.app import create_app
from cml.server.settings import ServerSettings
from cml.storage.sqlite import SQLiteStore
from cml.storage.sqlite.schema import SCHEMA_VERSION

KEY = "damage-writer-key"
ADMIN = "damage-admin-key"
HEADERS = {"X-API-Key": KEY}
WORDS = ["harbour", "lantern", "orchard", "quarry", "saddle", "thimble", "violin", "walrus"]


def _settings(data_dir: Path) -> ServerSettings:
    return ServerSettings(
        data_dir=data_dir,
        embedding_provider="hash",
        api_key=KEY,
        admin_api_key=ADMIN,
        rate_limit_per_second=0,
    )


def _client(settings: ServerSettings) -> tuple[TestClient, Engine]:
    engine = open_engine(settings.to_engine_config())
    return TestClient(create_app(settings, engine=engine), base_url="http://test/api/v1"), engine


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed, checkpointed store of a few MB (built once; tests damage copies of it)."""
    data_dir = tmp_path_factory.mktemp("damage") / "data"
    settings = _settings(data_dir)
    client, engine = _client(settings)
    rng = random.Random(18)
    with client:
        for batch in range(8):
            items = [
                {"content": f"Note {batch}-{n}: " + " ".join(rng.choices(WORDS, k=120))}
                for n in range(150)
            ]
            response = client.post("/memory/batch_write", json={"items": items}, headers=HEADERS)
            assert response.status_code == 200, response.text
    engine.close()
    db = data_dir / "cml.db"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    assert db.stat().st_size > 2_000_000
    return db


def _damaged_copy(store: Path, target_dir: Path, pages: int = 3) -> Path:
    target_dir.mkdir(parents=True)
    db = target_dir / "cml.db"
    db.write_bytes(store.read_bytes())
    with closing(sqlite3.connect(db)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    _overwrite_middle_pages(db, page_size, page_count, pages)
    return db


def _overwrite_middle_pages(db: Path, page_size: int, page_count: int, pages: int) -> None:
    rng = random.Random(1)
    middle = page_count // 2
    with db.open("r+b") as raw:
        for offset in range(pages):
            raw.seek((middle + offset * 7) * page_size)
            raw.write(rng.randbytes(page_size))


def test_a_store_damaged_in_the_middle_refuses_to_start_and_names_the_recovery(
    store: Path, tmp_path: Path
) -> None:
    db = _damaged_copy(store, tmp_path / "data")
    with pytest.raises(DatabaseDamagedError) as raised:
        open_engine(_settings(db.parent).to_engine_config())
    assert "is damaged" in raised.value.message
    assert "cml restore" in (raised.value.hint or "")
    assert ".recover" in (raised.value.hint or "")

    env = {"CML_DATA_DIR": str(db.parent), "CML_EMBEDDING_PROVIDER": "hash"}
    served = subprocess.run(
        [sys.executable, "-m", "cml", "serve", "--port", "0"],
        env={**env, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ":".join(sys.path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 1
    assert "is damaged" in served.stderr
    assert ".recover" in served.stderr
    assert "Traceback" not in served.stderr


def _memory_requests(client: TestClient | httpx.Client) -> list[Any]:
    """A read, a write and the stats of the test tenant: what a damaged store must refuse."""
    return [
        client.post("/memory/read", json={"query": "violin"}, headers=HEADERS),
        client.post("/memory/write", json={"content": "Tune the violin"}, headers=HEADERS),
        client.get("/memory/stats", headers=HEADERS),
    ]


def _checked_after_open(data_dir: Path, settings: ServerSettings) -> tuple[TestClient, Engine]:
    """The real app over a store checked after it opens, as a file of hundreds of MB is."""
    config = settings.to_engine_config()
    store = SQLiteStore(data_dir / "cml.db", check_after_open_from=0)
    engine = Engine(store, make_embedder(config), config)
    return TestClient(create_app(settings, engine=engine), base_url="http://test/api/v1"), engine


def test_a_large_store_damaged_in_the_middle_opens_then_refuses_every_request(
    store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = _damaged_copy(store, tmp_path / "data")
    settings = _settings(db.parent)
    client, engine = _checked_after_open(db.parent, settings)
    with client, caplog.at_level(logging.ERROR, logger="cml.storage.sqlite"):
        # Served while the check reads the file: an answer, or already the damage.
        early = client.get("/memory/stats", headers=HEADERS)
        assert early.status_code in (200, 500), early.text
        assert engine.store.wait_for_start_check(timeout=60)

        health = client.get("/health").json()
        assert health["status"] == "degraded"
        assert health["database"].startswith("damaged:")
        assert health["integrity_check"] is None  # finished
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert "Retry-After" not in ready.headers
        assert ".recover" in ready.json()["error"]["hint"]
        for answer in _memory_requests(client):
            assert answer.status_code == 500, answer.text
            assert answer.json()["error"]["code"] == "database_damaged"
            assert "retrying will not help" in answer.json()["error"]["message"]
    # The server log names the file and the recovery, as the refusal at start did.
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(str(db) in line and ".recover" in line for line in logged), logged
    engine.close()


def test_a_large_intact_store_serves_at_once_and_reports_the_check(
    store: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "cml.db").write_bytes(store.read_bytes())
    client, engine = _checked_after_open(data_dir, _settings(data_dir))
    with client:
        health = client.get("/health").json()
        assert health["database"] == "ok"
        assert health["integrity_check"] in ("running", None)
        written = client.post("/memory/write", json={"content": "Oil the saddle"}, headers=HEADERS)
        assert written.status_code == 200, written.text
        read = client.post("/memory/read", json={"query": "saddle"}, headers=HEADERS)
        assert read.status_code == 200, read.text
        assert engine.store.wait_for_start_check(timeout=60)
        health = client.get("/health").json()
        assert (health["status"], health["database"], health["integrity_check"]) == (
            "ok",
            "ok",
            None,
        )
        stats = client.get("/memory/stats", headers=HEADERS)
        assert stats.status_code == 200
    engine.close()


def test_a_large_store_that_needs_a_migration_is_checked_before_it_opens(
    store: Path, tmp_path: Path
) -> None:
    db = tmp_path / "cml.db"
    db.write_bytes(store.read_bytes())
    with closing(sqlite3.connect(db)) as conn:
        older = str(SCHEMA_VERSION - 1)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (older,))
        conn.commit()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    _overwrite_middle_pages(db, page_size, page_count, pages=3)
    # A migration writes to the file: it never runs on a damaged one.
    with pytest.raises(DatabaseDamagedError) as raised:
        SQLiteStore(db, check_after_open_from=0)
    assert "is damaged" in raised.value.message


def test_cml_doctor_finds_the_damage_and_passes_an_intact_store(
    store: Path, tmp_path: Path
) -> None:
    def doctor(db: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cml", "doctor", "--db", str(db)],
            env={"HF_HUB_OFFLINE": "1", "PYTHONPATH": ":".join(sys.path)},
            capture_output=True,
            text=True,
            timeout=120,
        )

    intact = doctor(store)
    assert intact.returncode == 0, intact.stderr
    assert "ok" in intact.stdout
    damaged = doctor(_damaged_copy(store, tmp_path / "data"))
    assert damaged.returncode == 1
    assert "is damaged" in damaged.stderr
    assert ".recover" in damaged.stderr


@pytest.fixture
def running(store: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    """The real app serving an intact copy of the store (the damage comes while it runs)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "cml.db").write_bytes(store.read_bytes())
    client, engine = _client(_settings(data_dir))
    with client:
        yield client, data_dir / "cml.db"
    engine.close()


def test_damage_found_while_serving_is_a_non_retryable_500_and_unhealthy(
    running: tuple[TestClient, Path],
) -> None:
    client, db = running
    assert client.get("/health").json()["database"] == "ok"
    with closing(sqlite3.connect(db)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    _overwrite_middle_pages(db, page_size, page_count, pages=12)

    answers = [
        client.post("/memory/read", json={"query": word, "format": "list"}, headers=HEADERS)
        for word in WORDS
    ]
    answers.append(client.get("/memory/stats", headers=HEADERS))
    statuses = {response.status_code for response in answers}
    assert 503 not in statuses  # never a "retry shortly"
    damaged = [r for r in answers if r.status_code == 500]
    assert damaged, [r.text for r in answers]
    error = damaged[0].json()["error"]
    assert error["code"] == "database_damaged"
    assert "retrying will not help" in error["message"]
    assert ".recover" in error["hint"]
    assert str(db) not in damaged[0].text  # API callers do not see the server's paths

    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["database"].startswith("damaged:")
    components = client.get("/admin/components", headers={"X-API-Key": ADMIN}).json()
    database = components["components"]["database"]
    assert database["status"] == "unhealthy"
    assert "DatabaseDamagedError" in database["error"]


def _flip_a_byte_of_an_indexed_value(db: Path) -> None:
    """Flip one bit inside a stored content hash: every page stays well formed."""
    with closing(sqlite3.connect(db)) as conn:
        (digest,) = conn.execute(
            "SELECT content_hash FROM memories ORDER BY pk LIMIT 1 OFFSET 500"
        ).fetchone()
    data = bytearray(db.read_bytes())
    data[data.index(digest.encode()) + 10] ^= 0x01
    db.write_bytes(bytes(data))


def _quick_check(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [row[0] for row in conn.execute("PRAGMA quick_check")]


@pytest.mark.parametrize("damage", ["pages-while-serving", "flipped-byte-before-start"])
def test_the_on_demand_check_of_a_real_server_finds_damage_and_stops_serving(
    store: Path, tmp_path: Path, launcher: Any, damage: str
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = data_dir / "cml.db"
    db.write_bytes(store.read_bytes())
    if damage == "flipped-byte-before-start":
        _flip_a_byte_of_an_indexed_value(db)
        assert _quick_check(db) == ["ok"]  # invisible to the check at start: the server starts
    env = launcher.env(data_dir, CML_API_KEY=KEY, CML_ADMIN_API_KEY=ADMIN)
    with launcher.serve(env, data_dir) as server, httpx.Client(base_url=server.url) as http:
        admin = {"X-API-Key": ADMIN}
        assert http.get("/health").json()["database"] == "ok"
        if damage == "pages-while-serving":
            with closing(sqlite3.connect(db)) as conn:
                page_size = conn.execute("PRAGMA page_size").fetchone()[0]
                page_count = conn.execute("PRAGMA page_count").fetchone()[0]
            _overwrite_middle_pages(db, page_size, page_count, pages=3)

        report = http.post("/admin/integrity-check", headers=admin, timeout=60)
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["status"] == "damaged"
        assert body["problems"]
        assert "cml restore" in body["hint"]
        assert ".recover" in body["hint"]

        health = http.get("/health").json()
        assert health["status"] == "degraded"
        assert health["database"].startswith("damaged:")
        ready = http.get("/ready")
        assert ready.status_code == 503
        assert "Retry-After" not in ready.headers  # not "come back in a second"
        assert ".recover" in ready.json()["error"]["hint"]
        components = http.get("/admin/components", headers=admin).json()["components"]
        assert components["database"]["status"] == "unhealthy"
        assert components["scheduler"]["details"]["last_integrity_check"]["status"] == "damaged"

        # Every memory request now fails the same way: not retryable, saying how to recover,
        # even one whose pages are intact.
        for answer in _memory_requests(http):
            assert answer.status_code == 500, answer.text
            error = answer.json()["error"]
            assert error["code"] == "database_damaged"
            assert "retrying will not help" in error["message"]
            assert "cml restore" in error["hint"]
            assert ".recover" in error["hint"]
            assert "Retry-After" not in answer.headers
            assert str(db) not in answer.text

        with cml.CognitiveMemoryLayer(KEY, base_url=server.url.removesuffix("/api/v1")) as sdk:
            started = time.monotonic()
            with pytest.raises(cml.ServerError) as raised:
                sdk.stats()
            assert raised.value.code == "database_damaged"
            assert time.monotonic() - started < 5  # not retried with backoff


def test_the_on_demand_check_passes_an_intact_store(running: tuple[TestClient, Path]) -> None:
    client, _ = running
    report = client.post("/admin/integrity-check", headers={"X-API-Key": ADMIN})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["status"] == "intact"
    assert body["backend"] == "sqlite"
    assert body["problems"] == []
    assert body["hint"] is None
    assert any("integrity_check" in check for check in body["checks"])
    assert client.post("/admin/integrity-check", headers=HEADERS).status_code == 403
    assert client.post("/memory/read", json={"query": "violin"}, headers=HEADERS).status_code == 200


def test_the_scheduled_check_finds_damage_by_itself(store: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = data_dir / "cml.db"
    db.write_bytes(store.read_bytes())
    _flip_a_byte_of_an_indexed_value(db)
    settings = _settings(data_dir).model_copy(update={"integrity_check_interval_seconds": 0.5})
    client, engine = _client(settings)
    with client:
        assert client.get("/health").json()["database"] == "ok"
        deadline = time.monotonic() + 60
        while client.get("/health").json()["database"] == "ok":
            assert time.monotonic() < deadline, "the scheduled check did not run"
            time.sleep(0.2)
        assert client.get("/health").json()["database"].startswith("damaged:")
        answer = client.get("/memory/stats", headers=HEADERS)
        assert answer.status_code == 500
        assert answer.json()["error"]["code"] == "database_damaged"
        scheduler = client.get("/admin/components", headers={"X-API-Key": ADMIN}).json()
        job = scheduler["components"]["scheduler"]["details"]["jobs"]["integrity"]
        assert job["failures"] >= 1
        assert "damaged" in job["last_error"]
    engine.close()


def test_the_scheduled_check_is_daily_by_default_and_can_be_turned_off(tmp_path: Path) -> None:
    assert ServerSettings(data_dir=tmp_path).integrity_check_interval_seconds == 86400
    off = _settings(tmp_path).model_copy(update={"integrity_check_interval_seconds": 0})
    client, engine = _client(off)
    with client:
        components = client.get("/admin/components", headers={"X-API-Key": ADMIN}).json()
        assert components["components"]["scheduler"]["status"] == "disabled"
    engine.close()
