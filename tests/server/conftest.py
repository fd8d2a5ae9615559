"""Fixtures for the server tests: a real engine on a temp SQLite file, the real app over ASGI."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cml.engine import Engine, open_engine
from cml.models import CreateKeyRequest, Scope
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .server_helpers import make_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own CML_* variables must not change what the tests see.
    for name in list(os.environ):
        if name.startswith("CML_"):
            monkeypatch.delenv(name)


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def engine(settings: ServerSettings) -> Iterator[Engine]:
    opened = open_engine(settings.to_engine_config())
    yield opened
    opened.close()


@pytest.fixture
def app(settings: ServerSettings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


@pytest.fixture
def acme_key(engine: Engine) -> str:
    """A read+write key of tenant ``acme``."""
    return engine.keys.create(CreateKeyRequest(tenant_id="acme", name="acme app")).key


@pytest.fixture
def globex_key(engine: Engine) -> str:
    """A read+write key of tenant ``globex``."""
    return engine.keys.create(CreateKeyRequest(tenant_id="globex")).key


@pytest.fixture
def read_only_key(engine: Engine) -> str:
    """A read-only key of tenant ``acme``."""
    return engine.keys.create(CreateKeyRequest(tenant_id="acme", scopes=[Scope.READ])).key
