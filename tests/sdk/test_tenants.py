"""Tenant switching: set_tenant changes where calls act; keys are held to their tenants."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import cml
from cml.config import CMLConfig

from .scripted import ADMIN_KEY, API_KEY, BASE_URL, NO_WAIT


def _client(app: FastAPI, api_key: str, **fields: object) -> cml.AsyncCognitiveMemoryLayer:
    config = CMLConfig(
        api_key=api_key, admin_api_key=ADMIN_KEY, base_url=BASE_URL, max_retries=0, **NO_WAIT
    )
    return cml.AsyncCognitiveMemoryLayer(
        config=config.replace(**fields), transport=httpx.ASGITransport(app=app)
    )


async def test_calls_after_set_tenant_act_on_the_new_tenant(server_app: FastAPI) -> None:
    async with _client(server_app, ADMIN_KEY) as memory:
        assert memory.tenant_id is None
        await memory.write("Acme renews its contract in March")
        memory.set_tenant("globex")
        assert memory.tenant_id == "globex"
        await memory.write("Globex ships on Tuesdays")
        await memory.batch_write([{"content": "Globex has 40 staff"}])
        globex = await memory.stats()
        found = await memory.read("contract renewal")
        memory.set_tenant("default")
        default = await memory.stats()
    assert (globex.tenant_id, globex.total_memories) == ("globex", 2)
    assert all("Acme" not in m.text for m in found.memories)
    assert (default.tenant_id, default.total_memories) == ("default", 1)


async def test_a_tenant_the_key_is_not_granted_is_refused_clearly(server_app: FastAPI) -> None:
    async with _client(server_app, ADMIN_KEY) as admin:
        created = await admin.create_api_key("acme", extra_tenants=["acme-eu"])
    async with _client(server_app, created.key) as memory:
        memory.set_tenant("acme-eu")  # granted as an extra tenant
        await memory.write("EU data stays in Frankfurt")
        memory.set_tenant("globex")
        with pytest.raises(cml.AuthorizationError) as caught:
            await memory.write("This must not land anywhere")
        assert caught.value.status_code == 403
        assert "'globex'" in caught.value.message
        assert "'acme'" in caught.value.message  # says which tenants the key may use
        memory.set_tenant("acme-eu")
        assert (await memory.stats()).total_memories == 1


async def test_an_invalid_tenant_name_is_refused_before_anything_changes(
    server_app: FastAPI,
) -> None:
    async with _client(server_app, API_KEY, tenant_id="default") as memory:
        for bad in ("", "has space", "-leading-dash", "x" * 65):
            with pytest.raises(cml.ValidationError) as caught:
                memory.set_tenant(bad)
            assert caught.value.details[0].field == "tenant_id"
            assert "letters, digits" in caught.value.message
        assert memory.tenant_id == "default"


async def test_views_share_the_tenant_of_their_client(server_app: FastAPI) -> None:
    async with _client(server_app, ADMIN_KEY) as memory:
        view = memory.with_namespace("notes")
        view.set_tenant("initech")
        assert memory.tenant_id == view.tenant_id == "initech"
        await view.write("Initech moved to the fourth floor")
        assert (await memory.stats()).tenant_id == "initech"


async def test_an_iteration_stays_on_the_tenant_it_started_on(server_app: FastAPI) -> None:
    async with _client(server_app, ADMIN_KEY) as memory:
        memory.set_tenant("acme")
        await memory.batch_write([{"content": f"Acme note {i}"} for i in range(7)])
        memory.set_tenant("globex")
        await memory.batch_write([{"content": f"Globex note {i}"} for i in range(7)])
        memory.set_tenant("acme")
        texts = []
        async for item in memory.iter_memories(batch_size=2):
            texts.append(item.text)
            memory.set_tenant("globex")  # later pages still come from acme
    assert texts == [f"Acme note {i}" for i in range(7)]


@pytest.mark.slow
def test_concurrent_set_tenant_never_tears_a_request(launcher: Any, tmp_path: Path) -> None:
    """Writers and a tenant switcher share one sync client over a real server."""
    sent: list[tuple[str, str]] = []
    lock = threading.Lock()

    class Records(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/memory/write"):
                content = request.read().decode()
                with lock:
                    sent.append((request.headers["X-Tenant-ID"], content))
            return super().handle_request(request)

    tenants = ["t1", "t2", "t3"]
    env = launcher.env(tmp_path, CML_ADMIN_API_KEY=ADMIN_KEY)
    with launcher.serve(env, tmp_path) as server:
        config = CMLConfig(api_key=ADMIN_KEY, base_url=server.url, tenant_id="t1", max_retries=0)
        with cml.CognitiveMemoryLayer(config=config, transport=Records()) as memory:
            stop = threading.Event()
            errors: list[BaseException] = []

            def switch() -> None:
                turn = 0
                while not stop.is_set():
                    memory.set_tenant(tenants[turn % 3])
                    turn += 1

            def write(worker: int) -> None:
                try:
                    for i in range(20):
                        memory.write(f"worker {worker} wrote note {i}")
                except BaseException as exc:  # reported below, not lost in the thread
                    errors.append(exc)

            switcher = threading.Thread(target=switch)
            writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
            switcher.start()
            for thread in writers:
                thread.start()
            for thread in writers:
                thread.join()
            stop.set()
            switcher.join()
            assert errors == []

            landed: dict[str, str] = {}
            for tenant in tenants:
                memory.set_tenant(tenant)
                for item in memory.iter_memories():
                    landed[item.text] = tenant
    assert len(sent) == 80
    assert len(landed) == 80
    for tenant, body in sent:
        text = body.split('"content":"')[1].split('"')[0]
        assert landed[text] == tenant
