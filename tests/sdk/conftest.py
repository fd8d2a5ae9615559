"""Fixtures of the SDK tests: a scripted server behind ``httpx.MockTransport``, the real app."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import cml
from cml.config import CMLConfig
from cml.engine import open_engine
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .scripted import ADMIN_KEY, API_KEY, BASE_URL, NO_WAIT, ScriptedServer


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own CML_* variables must not change what the tests see.
    for name in list(os.environ):
        if name.startswith("CML_"):
            monkeypatch.delenv(name)


@pytest.fixture
def make_client() -> Iterator[Callable[..., cml.CognitiveMemoryLayer]]:
    """Build sync clients over a scripted server (closed after the test)."""
    clients: list[cml.CognitiveMemoryLayer] = []

    def make(server: ScriptedServer, **settings: Any) -> cml.CognitiveMemoryLayer:
        fields = {"api_key": API_KEY, "base_url": BASE_URL, **NO_WAIT, **settings}
        client = cml.CognitiveMemoryLayer(config=CMLConfig(**fields), transport=server.transport)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
async def make_async_client() -> AsyncIterator[Callable[..., cml.AsyncCognitiveMemoryLayer]]:
    """Build async clients over a scripted server (closed after the test)."""
    clients: list[cml.AsyncCognitiveMemoryLayer] = []

    def make(server: ScriptedServer, **settings: Any) -> cml.AsyncCognitiveMemoryLayer:
        fields = {"api_key": API_KEY, "base_url": BASE_URL, **NO_WAIT, **settings}
        client = cml.AsyncCognitiveMemoryLayer(
            config=CMLConfig(**fields), transport=server.transport
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture(scope="session")
def unasync() -> ModuleType:
    """The generator of the sync modules, loaded from ``scripts/unasync.py``."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "unasync.py"
    spec = importlib.util.spec_from_file_location("cml_unasync_script", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server_app(tmp_path: Path) -> Iterator[FastAPI]:
    """The real server app (auth on, bootstrap user and admin keys, hash embeddings)."""
    settings = ServerSettings(
        database_url=f"sqlite:///{(tmp_path / 'server.db').as_posix()}",
        embedding_provider="hash",
        api_key=API_KEY,
        admin_api_key=ADMIN_KEY,
    )
    engine = open_engine(settings.to_engine_config())
    yield create_app(settings, engine=engine)
    engine.close()


@pytest.fixture
async def server_client(server_app: FastAPI) -> AsyncIterator[cml.AsyncCognitiveMemoryLayer]:
    """An async client of the real app over ASGI, with the user and admin keys."""
    client = cml.AsyncCognitiveMemoryLayer(
        API_KEY,
        admin_api_key=ADMIN_KEY,
        base_url=BASE_URL,
        max_retries=0,
        transport=httpx.ASGITransport(app=server_app),
    )
    yield client
    await client.close()
