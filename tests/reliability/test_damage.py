"""A damaged SQLite file is reported as damaged, never served as healthy or as a transient 503.

Issue 18 item 1: three pages overwritten in the middle of a checkpointed store went unnoticed at
start, ``/health`` said ok, and every request answered a retryable ``503``. Here a store of a few
MB is built through the real app, closed (which merges the write-ahead log), and damaged by
overwriting pages in the middle of the file, as a failing disk or a stray write would.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cml.engine import Engine, open_engine
from cml.errors import DatabaseDamagedError
from cml.server.app import create_app
from cml.server.settings import ServerSettings

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
