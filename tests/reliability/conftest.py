"""Fixtures of the isolation sweeps: a world of two tenants on a chosen backend, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cml.models.routes import API_PREFIX

from .isolation_world import World, build_world, sqlite_url


@pytest.fixture
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: ``sqlite``, or ``postgres`` (skipped when none can be started)."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return sqlite_url(tmp_path)


@pytest.fixture
def world_on(backend_url: str) -> Iterator[World]:
    with build_world(backend_url) as world:
        yield world


@pytest.fixture
async def world(world_on: World) -> AsyncIterator[World]:
    transport = httpx.ASGITransport(app=world_on.app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://test{API_PREFIX}") as http:
        world_on.http = http
        yield world_on
