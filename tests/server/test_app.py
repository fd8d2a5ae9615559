"""The app factory: lifespan-owned engines, persistence across restarts, settings."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cml._version import __version__
from cml.engine import Engine
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .server_helpers import ADMIN_KEY, assert_error, auth, make_settings


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test/api/v1")


async def test_memories_and_keys_survive_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")

    first = create_app(settings)
    async with first.router.lifespan_context(first), _client(first) as client:
        created = await client.post(
            "/admin/keys", json={"tenant_id": "acme"}, headers=auth(ADMIN_KEY)
        )
        key = created.json()["key"]
        write = await client.post(
            "/memory/write", json={"content": "Heidi lives in Lisbon"}, headers=auth(key)
        )
        assert write.status_code == 200
    assert first.state.engine is None  # closed at shutdown

    second = create_app(settings)
    async with second.router.lifespan_context(second), _client(second) as client:
        read = await client.post(
            "/memory/read",
            json={"query": "where does Heidi live", "format": "list"},
            headers=auth(key),
        )
        assert read.status_code == 200
        assert [m["text"] for m in read.json()["memories"]] == ["Heidi lives in Lisbon"]
    assert (tmp_path / "data" / "cml.db").exists()


async def test_a_given_engine_is_not_closed_by_the_app(
    settings: ServerSettings, engine: Engine
) -> None:
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        pass
    assert app.state.engine is engine
    assert engine.health()["status"] == "ok"


async def test_routes_answer_503_before_the_engine_is_open(settings: ServerSettings) -> None:
    app = create_app(settings)
    async with _client(app) as client:
        assert_error(await client.get("/memory/stats"), 503, "unavailable")
        assert_error(await client.get("/ready"), 503, "not_ready")
        health = await client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "starting"
        assert health.json()["ready"] is False


async def test_health_reports_the_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.json()["version"] == __version__


async def test_openapi_lists_the_routes(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert app.title == "py-cml"
    assert app.version == __version__
    response = await client.get("/openapi.json")
    paths = response.json()["paths"]
    assert {"/api/v1/memory/write", "/api/v1/admin/keys", "/api/v1/health"} <= set(paths)


def test_settings_come_from_cml_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CML_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CML_EMBEDDING_PROVIDER", "hash")
    monkeypatch.setenv("CML_PORT", "9123")
    monkeypatch.setenv("CML_API_KEY", "env-key")
    settings = ServerSettings()
    assert settings.port == 9123
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/cml.db"
    assert "env-key" not in repr(settings)
    config = settings.to_engine_config()
    assert config.embedding_provider == "hash"
    assert config.database_url == settings.resolved_database_url
    assert ServerSettings(port=8001).port == 8001  # an explicit argument wins


def test_an_explicit_database_url_wins(tmp_path: Path) -> None:
    settings = ServerSettings(data_dir=tmp_path, database_url="sqlite:///:memory:")
    assert settings.resolved_database_url == "sqlite:///:memory:"


def test_every_setting_is_documented() -> None:
    for name, field in ServerSettings.model_fields.items():
        assert field.description, name
