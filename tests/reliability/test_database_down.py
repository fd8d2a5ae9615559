"""The database goes away while the server runs: a clear 503, honest health, recovery by itself.

PostgreSQL: the app (in-process, over ASGI) serves a PostgreSQL of its own (a throw-away
``pgserver``, so that stopping it disturbs no other test), which is then stopped with
``pg_ctl stop -m fast`` and started again, or whose connections are terminated. SQLite: another
process holds the write lock beyond the busy timeout, and the disk fills up
(``PRAGMA max_page_count`` makes SQLite report "database or disk is full").
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import string
import tempfile
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import cml
from cml.engine import Engine, open_engine
from cml.server.app import create_app
from cml.server.settings import ServerSettings

KEY = "down-writer-key"
ADMIN = "down-admin-key"
HEADERS = {"X-API-Key": KEY}


@dataclass
class OwnPostgres:
    """A PostgreSQL only these tests use, so that they may stop it."""

    handle: Any
    url: str

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.handle.pgdata, user=self.handle.system_user
        )

    def start(self) -> None:
        self.handle.ensure_postgres_running()

    def terminate_connections(self) -> int:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        return int(row[0]) if row else 0


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    tmp = tempfile.TemporaryDirectory(prefix="cmlpgdown", dir="/tmp")  # short socket path
    handle = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs on a missing XDG_RUNTIME_DIR
            import pgserver

            handle = pgserver.get_server(tmp.name, cleanup_mode="delete")
        handle.psql("CREATE DATABASE cml;")
        url = handle.get_uri("cml")
        from cml.storage.postgres.migrate import upgrade

        upgrade(url)
    except Exception as exc:
        if handle is not None:
            handle.cleanup()
        tmp.cleanup()
        reason = f"no PostgreSQL of its own for the outage tests: {type(exc).__name__}: {exc}"
        if os.environ.get("CML_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield OwnPostgres(handle, url)
    finally:
        handle.cleanup()
        tmp.cleanup()


def _settings(tmp_path: Path, database_url: str | None = None) -> ServerSettings:
    return ServerSettings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        embedding_provider="hash",
        api_key=KEY,
        admin_api_key=ADMIN,
        rate_limit_per_second=0,
    )


@pytest.fixture
def pg_engine(own_postgres: OwnPostgres, tmp_path: Path) -> Iterator[tuple[Engine, ServerSettings]]:
    settings = _settings(tmp_path, own_postgres.url)
    engine = open_engine(settings.to_engine_config())
    try:
        yield engine, settings
    finally:
        engine.close()
        own_postgres.start()  # a failed test must not leave it stopped for the next one


@pytest.fixture
async def pg_client(pg_engine: tuple[Engine, ServerSettings]) -> AsyncIterator[httpx.AsyncClient]:
    engine, settings = pg_engine
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client


def _assert_unavailable(response: httpx.Response, code: str = "database_unavailable") -> str:
    status = 507 if code == "storage_full" else 503
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert "database" in error["message"]
    assert error["hint"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return str(error["message"])


async def _until_ok(send: Any, seconds: float = 30) -> httpx.Response:
    """Repeat a request until it succeeds (the server must recover without a restart)."""
    deadline = time.monotonic() + seconds
    while True:
        response: httpx.Response = await send()
        if response.status_code < 500 or time.monotonic() > deadline:
            return response
        _assert_unavailable(response)
        await asyncio.sleep(0.2)


async def test_postgres_stopped_answers_503_and_recovers_without_restart(
    own_postgres: OwnPostgres, pg_client: httpx.AsyncClient
) -> None:
    before = await pg_client.post(
        "/memory/write", json={"content": "Ada likes green tea"}, headers=HEADERS
    )
    assert before.status_code == 200, before.text

    own_postgres.stop()
    requests = [
        pg_client.post("/memory/write", json={"content": "lost"}, headers=HEADERS),
        pg_client.post("/memory/read", json={"query": "tea"}, headers=HEADERS),
        pg_client.post("/memory/batch_write", json={"items": [{"content": "x"}]}, headers=HEADERS),
        pg_client.get("/memory/stats", headers=HEADERS),
    ]
    for request in requests:
        message = _assert_unavailable(await request)
        assert "PostgreSQL" in message
        assert "again" in message  # says that it recovers
        assert own_postgres.handle.pgdata.name not in message  # no socket path or host

    health = await pg_client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["database"].startswith("unavailable: The database is unavailable")
    components = await pg_client.get("/admin/components", headers={"X-API-Key": ADMIN})
    assert components.status_code == 200
    database = components.json()["components"]["database"]
    assert database["status"] == "unhealthy"
    assert "DatabaseUnavailableError" in database["error"]
    assert "Cause:" in database["error"]  # admins get the driver's own words

    own_postgres.start()
    read = await _until_ok(
        lambda: pg_client.post("/memory/read", json={"query": "green tea"}, headers=HEADERS)
    )
    assert read.status_code == 200
    assert [m["text"] for m in read.json()["memories"]] == ["Ada likes green tea"]
    write = await pg_client.post(
        "/memory/write", json={"content": "Ada moved to Oslo"}, headers=HEADERS
    )
    assert write.status_code == 200
    assert (await pg_client.get("/health")).json() == {
        **health.json(),
        "status": "ok",
        "database": "ok",
    }


async def test_postgres_outage_fails_fast_instead_of_waiting_for_the_pool(
    own_postgres: OwnPostgres, pg_client: httpx.AsyncClient
) -> None:
    own_postgres.stop()
    # Every request finds the pool empty; none may wait out the pool's 30 s timeout. Not a
    # timing assertion on speed: 20 requests inside one pool timeout means none waited it out.
    started = time.monotonic()
    for _ in range(20):
        _assert_unavailable(
            await pg_client.post("/memory/read", json={"query": "q"}, headers=HEADERS)
        )
    assert time.monotonic() - started < 30


async def test_terminated_connections_cost_at_most_one_failed_request(
    own_postgres: OwnPostgres, pg_client: httpx.AsyncClient
) -> None:
    assert (
        await pg_client.post("/memory/write", json={"content": "before"}, headers=HEADERS)
    ).status_code == 200
    assert own_postgres.terminate_connections() >= 1  # what a failover or restart does to a pool
    statuses = []
    for _ in range(5):
        response = await pg_client.post("/memory/read", json={"query": "before"}, headers=HEADERS)
        if response.status_code != 200:
            _assert_unavailable(response)
        statuses.append(response.status_code)
    assert statuses[1:] == [200] * 4, statuses


async def test_the_sdk_retries_through_a_postgres_restart(
    own_postgres: OwnPostgres, pg_engine: tuple[Engine, ServerSettings]
) -> None:
    engine, settings = pg_engine
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    own_postgres.stop()
    async with cml.AsyncCognitiveMemoryLayer(
        KEY, base_url="http://test", transport=transport, max_retries=0
    ) as once:
        with pytest.raises(cml.ServiceUnavailableError) as caught:
            await once.write("Ada likes green tea")
    assert caught.value.code == "database_unavailable"

    restart = threading.Timer(0.5, own_postgres.start)
    restart.start()
    try:
        async with cml.AsyncCognitiveMemoryLayer(
            KEY, base_url="http://test", transport=transport, max_retries=6
        ) as patient:
            result = await patient.write("Ada likes green tea")  # 503s are retried
    finally:
        restart.join()
    assert result.success


# -- SQLite -----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[tuple[Engine, ServerSettings]]:
    settings = _settings(tmp_path)
    engine = open_engine(settings.to_engine_config())
    try:
        yield engine, settings
    finally:
        engine.close()


@pytest.fixture
def sqlite_app(sqlite_engine: tuple[Engine, ServerSettings]) -> FastAPI:
    engine, settings = sqlite_engine
    return create_app(settings, engine=engine)


@pytest.fixture
async def sqlite_client(sqlite_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sqlite_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        yield client


async def test_a_sqlite_file_locked_by_another_process_is_503_not_500(
    sqlite_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    stored = await sqlite_client.post(
        "/memory/write", json={"content": "Ada likes tea"}, headers=HEADERS
    )
    assert stored.status_code == 200
    with closing(sqlite3.connect(tmp_path / "data" / "cml.db", isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock past the 5 s busy timeout
        locked = await sqlite_client.post(
            "/memory/write", json={"content": "Ada owns a cat"}, headers=HEADERS
        )
        message = _assert_unavailable(locked)
        assert "busy" in message
        assert "retry" in message.lower()
        # Readers are not blocked by a writer (WAL).
        read = await sqlite_client.post("/memory/read", json={"query": "tea"}, headers=HEADERS)
        assert read.status_code == 200
        other.execute("ROLLBACK")
    again = await sqlite_client.post(
        "/memory/write", json={"content": "Ada owns a cat"}, headers=HEADERS
    )
    assert again.status_code == 200


async def test_a_full_disk_is_507_and_loses_nothing(
    sqlite_engine: tuple[Engine, ServerSettings],
    sqlite_app: FastAPI,
    sqlite_client: httpx.AsyncClient,
) -> None:
    engine, _ = sqlite_engine
    items = [
        {"content": f"stored fact number {n} about {word}"}
        for n, word in enumerate(["tea", "oslo", "cats"])
    ]
    first = await sqlite_client.post("/memory/batch_write", json={"items": items}, headers=HEADERS)
    assert first.status_code == 200
    stats_before = (await sqlite_client.get("/memory/stats", headers=HEADERS)).json()

    # The file may not grow by a single page: SQLite answers SQLITE_FULL, as on a full disk.
    writer = engine.store._db.writer  # type: ignore[attr-defined]
    pages = writer.execute("PRAGMA page_count").fetchone()[0]
    writer.execute(f"PRAGMA max_page_count = {pages}")
    rng = random.Random(507)
    big = [
        {"content": " ".join("".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(60))}
        for _ in range(40)
    ]
    full = await sqlite_client.post("/memory/batch_write", json={"items": big}, headers=HEADERS)
    message = _assert_unavailable(full, "storage_full")
    assert "nothing stored before is lost" in message
    transport = httpx.ASGITransport(app=sqlite_app)
    async with cml.AsyncCognitiveMemoryLayer(
        KEY, base_url="http://test", transport=transport
    ) as sdk:
        with pytest.raises(cml.ServerError) as caught:  # not retried: space does not come back
            await sdk.batch_write(big)
    assert caught.value.status_code == 507
    assert not isinstance(caught.value, cml.ServiceUnavailableError)

    assert (await sqlite_client.get("/memory/stats", headers=HEADERS)).json() == stats_before
    read = await sqlite_client.post(
        "/memory/read", json={"query": big[0]["content"], "max_results": 50}, headers=HEADERS
    )
    assert read.status_code == 200
    assert all(m["text"].startswith("stored fact") for m in read.json()["memories"])

    writer.execute("PRAGMA max_page_count = 1073741823")  # disk space freed
    retried = await sqlite_client.post("/memory/batch_write", json={"items": big}, headers=HEADERS)
    assert retried.status_code == 200
    after = (await sqlite_client.get("/memory/stats", headers=HEADERS)).json()
    assert after["total_memories"] == stats_before["total_memories"] + len(big)
