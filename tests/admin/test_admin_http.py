"""The admin routes over HTTP: key rules, a broken component, job leases, resuming a cut event
stream, background runs, and one event per mutation."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncGenerator, AsyncIterator, Generator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
from fastapi import FastAPI

import cml
from cml.config import CMLConfig
from cml.engine import Engine, open_engine
from cml.engine.jobs import job_lease
from cml.server.app import create_app
from cml.storage import EventFilter

from .clients import ADMIN_KEY, NO_WAIT, USER_KEY, http_server, server_settings
from .live import CuttableProxy, closed_port

ADMIN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/admin/consolidate", {}),
    ("POST", "/admin/forget", {}),
    ("POST", "/admin/purge", {}),
    ("GET", "/admin/tenants", None),
    ("GET", "/admin/events", None),
    ("GET", "/admin/events/stream", None),
    ("GET", "/admin/components", None),
]


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    opened = open_engine(server_settings(tmp_path).to_engine_config())
    yield opened
    opened.close()


@pytest.fixture
async def api(tmp_path: Path, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(server_settings(tmp_path), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
        yield client


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_admin_routes_need_an_admin_key(
    api: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    anonymous = await api.request(method, path, json=body)
    assert anonymous.status_code == 401
    user = await api.request(method, path, json=body, headers={"X-API-Key": USER_KEY})
    assert user.status_code == 403
    assert "admin API key" in user.json()["error"]["message"]


async def test_restore_needs_the_write_scope(api: httpx.AsyncClient, engine: Engine) -> None:
    from cml.models import CreateKeyRequest, Scope

    reader = engine.keys.create(CreateKeyRequest(tenant_id="default", scopes=[Scope.READ])).key
    body = {"memory_ids": ["x"]}
    assert (await api.post("/memory/restore", json=body)).status_code == 401
    refused = await api.post("/memory/restore", json=body, headers={"X-API-Key": reader})
    assert refused.status_code == 403
    allowed = await api.post("/memory/restore", json=body, headers={"X-API-Key": USER_KEY})
    assert allowed.json()["affected_count"] == 0


async def test_the_sdk_says_an_admin_key_is_needed(tmp_path: Path, engine: Engine) -> None:
    app = create_app(server_settings(tmp_path), engine=engine)
    client = cml.AsyncCognitiveMemoryLayer(
        USER_KEY, base_url="http://t", transport=httpx.ASGITransport(app=app)
    )
    for name in ("consolidate", "run_forgetting", "list_tenants", "get_events", "purge"):
        with pytest.raises(cml.AuthorizationError) as caught:
            await getattr(client, name)()
        assert "admin" in caught.value.message
        assert caught.value.hint is not None
        assert "admin" in caught.value.hint
    await client.close()


async def test_admin_keys_act_on_any_tenant(api: httpx.AsyncClient, engine: Engine) -> None:
    admin = {"X-API-Key": ADMIN_KEY}
    written = await api.post(
        "/memory/write",
        json={"content": "Globex likes tea"},
        headers={**admin, "X-Tenant-ID": "globex"},
    )
    assert written.status_code == 200
    by_header = await api.get("/admin/events", headers={**admin, "X-Tenant-ID": "globex"})
    by_query = await api.get("/admin/events", params={"tenant_id": "globex"}, headers=admin)
    own = await api.get("/admin/events", headers=admin)
    assert by_header.json()["total"] == by_query.json()["total"] == 1
    assert own.json()["total"] == 0
    plan = await api.post("/admin/forget", json={"tenant_id": "globex"}, headers=admin)
    assert plan.json()["tenant_id"] == "globex"
    assert plan.json()["total_scored"] == 1
    bad = await api.post("/admin/forget", json={"max_memories": 0}, headers=admin)
    assert bad.status_code == 422


async def test_a_broken_component_is_reported_and_the_route_still_answers(
    tmp_path: Path,
) -> None:
    settings = server_settings(
        tmp_path, llm_base_url=f"http://127.0.0.1:{closed_port()}/v1", llm_model="m"
    )
    engine = open_engine(settings.to_engine_config())
    app = create_app(settings, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1"
    ) as api:
        response = await api.get("/admin/components", headers={"X-API-Key": ADMIN_KEY})
    engine.close()

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    llm = body["components"]["llm"]
    assert llm["status"] == "unhealthy"
    assert "Cannot reach" in llm["error"]
    assert body["components"]["database"]["status"] == "healthy"


async def test_a_run_already_in_progress_answers_409(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    admin = {"X-API-Key": ADMIN_KEY}
    with job_lease(engine.store, "consolidate", "default"):
        busy = await api.post("/admin/consolidate", json={}, headers=admin)
        other = await api.post("/admin/consolidate", json={"tenant_id": "globex"}, headers=admin)
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "job_running"
    assert "already in progress" in busy.json()["error"]["message"]
    assert other.status_code == 200
    with job_lease(engine.store, "forget", "default"):
        assert (await api.post("/admin/forget", json={}, headers=admin)).status_code == 409
    assert (await api.post("/admin/consolidate", json={}, headers=admin)).status_code == 200


@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_a_cut_stream_resumes_after_the_last_event(tmp_path: Path, kind: str) -> None:
    with http_server(tmp_path) as url:
        address = urlsplit(url)
        proxy = CuttableProxy((address.hostname or "", address.port or 0))
        config = CMLConfig(
            api_key=USER_KEY,
            admin_api_key=ADMIN_KEY,
            base_url=f"http://127.0.0.1:{proxy.port}",
            max_retries=3,
            **NO_WAIT,
        )
        writer = cml.CognitiveMemoryLayer(config=config.replace(base_url=url))
        start = datetime.now(UTC) - timedelta(seconds=1)
        ids = [writer.write(f"Event number {i} happened").memory_id for i in range(2)]
        received: list[str] = []
        if kind == "async":
            client = cml.AsyncCognitiveMemoryLayer(config=config)
            stream = client.stream_events(since=start)
            assert isinstance(stream, AsyncGenerator)
            received.append((await stream.__anext__())["memory_ids"][0])
            proxy.cut()
            ids.append(writer.write("Event number 2 happened").memory_id)
            received.append((await stream.__anext__())["memory_ids"][0])
            received.append((await stream.__anext__())["memory_ids"][0])
            await stream.aclose()
            await client.close()
        else:
            sync = cml.CognitiveMemoryLayer(config=config)
            iterator = sync.stream_events(since=start)
            assert isinstance(iterator, Generator)
            received.append(next(iterator)["memory_ids"][0])
            proxy.cut()
            ids.append(writer.write("Event number 2 happened").memory_id)
            received.append(next(iterator)["memory_ids"][0])
            received.append(next(iterator)["memory_ids"][0])
            iterator.close()
            sync.close()
        writer.close()
        proxy.close()
    assert received == ids
    assert proxy.connections >= 2


def _wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


async def test_background_consolidation_runs_and_respects_the_lease(
    tmp_path: Path, engine: Engine
) -> None:
    from cml.models import MemoryType, WriteRequest

    for text in [
        "Alice: I love hiking in the mountains every weekend",
        "Alice: I love hiking in the mountains every weekend with my dog",
    ]:
        engine.memories.write(
            "default", WriteRequest(content=text, memory_type=MemoryType.EPISODIC_EVENT)
        )
    settings = server_settings(
        tmp_path, consolidation_interval_seconds=0.1, forgetting_interval_seconds=0.1
    )
    app: FastAPI = create_app(settings, engine=engine)

    def consolidations() -> int:
        return len(
            engine.store.events_after("default", 0, EventFilter(event_type="consolidation.run"))
        )

    with job_lease(engine.store, "consolidate", "default"):
        async with app.router.lifespan_context(app):
            scheduler = app.state.scheduler
            await anyio.to_thread.run_sync(
                _wait_for, lambda: scheduler.jobs["consolidate"].skipped > 0
            )
            assert consolidations() == 0
    async with app.router.lifespan_context(app):
        scheduler = app.state.scheduler
        await anyio.to_thread.run_sync(_wait_for, lambda: consolidations() == 1)
        await anyio.to_thread.run_sync(_wait_for, lambda: scheduler.jobs["forget"].runs > 0)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1"
        ) as api:
            health = await api.get("/admin/components", headers={"X-API-Key": ADMIN_KEY})
        entry = health.json()["components"]["scheduler"]
        assert entry["status"] == "healthy"
        assert entry["details"]["jobs"]["consolidate"]["runs"] >= 1
    (event,) = engine.store.events_after("default", 0, EventFilter(event_type="consolidation.run"))
    assert event.payload["trigger"] == "scheduler"
    # Background forgetting is a dry run unless told otherwise: nothing was forgotten.
    assert engine.store.events_after("default", 0, EventFilter(event_type="forgetting.run")) == []


async def test_every_mutation_appends_an_event(tmp_path: Path) -> None:
    with http_server(tmp_path) as url:
        config = CMLConfig(api_key=USER_KEY, admin_api_key=ADMIN_KEY, base_url=url, **NO_WAIT)
        async with cml.AsyncCognitiveMemoryLayer(config=config) as client:
            old = datetime.now(UTC) - timedelta(days=800)
            first = await client.write("The user likes tea")
            await client.batch_write([{"content": "The user likes jazz"}])
            await client.update(first.memory_id or "", importance=0.9)
            await client.turn("Hello there", assistant_response="Hi!")
            await client.forget(memory_ids=[first.memory_id or ""])
            await client.restore([first.memory_id or ""])
            await client.forget(memory_ids=[first.memory_id or ""])
            await client.purge()
            for text in [
                "Alice: I love hiking in the mountains every weekend",
                "Alice: I love hiking in the mountains every weekend with my dog",
            ]:
                await client.write(text, memory_type="episodic_event")
            await client.consolidate()
            await client.write(
                "scratch: maybe",
                memory_type="scratch",
                timestamp=old,
                importance=0.1,
                confidence=0.1,
            )
            await client.run_forgetting(dry_run=False)
            key = await client.create_api_key("default", name="temp")
            await client.revoke_api_key(key.id)
            page = await client.get_events(limit=100)
    seen = {(e["event_type"], e["operation"]) for e in page["items"]}
    assert {
        ("memory.write", "write"),
        ("memory.batch_write", "batch_write"),
        ("memory.update", "update"),
        ("memory.write", "turn"),
        ("memory.forget", "soft_delete"),
        ("memory.restore", "restore"),
        ("memory.purge", "purge"),
        ("consolidation.run", "consolidate"),
        ("forgetting.run", "forget"),
        ("key.create", "create"),
        ("key.revoke", "revoke"),
    } <= seen
    actors = {e["actor"] for e in page["items"]}
    assert None not in actors


def test_settings_are_plumbed(tmp_path: Path) -> None:
    settings = server_settings(tmp_path, llm_base_url="http://x/v1", llm_model="m")
    assert dataclasses.asdict(settings.to_engine_config())["llm_model"] == "m"
