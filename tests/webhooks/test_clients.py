"""The webhook methods on all four clients, and the admin routes' refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cml
from cml.engine import open_engine
from cml.exceptions import AuthorizationError, NotFoundError, ValidationError
from cml.models.webhooks import verify_signature
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .receiver import Receiver

ADMIN = "admin-webhook-secret-key"
USER = "user-webhook-secret-key"


def _settings(tmp_path: Path, **extra: Any) -> ServerSettings:
    return ServerSettings(
        database_url=f"sqlite:///{(tmp_path / 'cml.db').as_posix()}",
        embedding_provider="hash",
        api_key=USER,
        admin_api_key=ADMIN,
        **extra,
    )


async def test_async_client_over_http(tmp_path: Path, receiver: Receiver) -> None:
    settings = _settings(tmp_path, webhooks_allow_private=True)
    with open_engine(settings.to_engine_config()) as engine:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with cml.AsyncCognitiveMemoryLayer(
            USER, admin_api_key=ADMIN, base_url="http://test", transport=transport, max_retries=0
        ) as client:
            created = await client.create_webhook(
                receiver.url, event_types=["memory.write"], tenant_id="acme", description="crm"
            )
            assert created.secret.startswith("whsec_")
            assert created.tenant_id == "acme"
            listed = await client.list_webhooks(tenant_id="acme")
            assert [w.id for w in listed] == [created.id]
            assert "secret" not in listed[0].model_dump()
            changed = await client.update_webhook(created.id, event_types=["*"], enabled=False)
            assert changed.event_types == ["*"]
            assert changed.enabled is False
            queued = await client.test_webhook(created.id)
            assert queued.status == "pending"
            assert queued.event_type == "webhook.test"
            (logged,) = await client.webhook_deliveries(created.id)
            assert logged.id == queued.id
            assert await client.webhook_deliveries(created.id, status="delivered") == []
            deleted = await client.delete_webhook(created.id)
            assert deleted.id == created.id
            with pytest.raises(NotFoundError):
                await client.webhook_deliveries(created.id)
            # A user key may not manage webhooks.
            async with cml.AsyncCognitiveMemoryLayer(
                USER, base_url="http://test", transport=transport, max_retries=0
            ) as user:
                with pytest.raises(AuthorizationError):
                    await user.list_webhooks()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest/meta-data/"]
)
async def test_private_targets_are_a_clear_422_over_http(tmp_path: Path, url: str) -> None:
    settings = _settings(tmp_path)
    with open_engine(settings.to_engine_config()) as engine:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
            response = await c.post(
                "/admin/webhooks", json={"url": url}, headers={"X-API-Key": ADMIN}
            )
            assert response.status_code == 422
            assert "CML_WEBHOOKS_ALLOW_PRIVATE" in response.text
            malformed = await c.post(
                "/admin/webhooks",
                json={"url": "ftp://example.org/x", "event_types": ["Memory Write"]},
                headers={"X-API-Key": ADMIN},
            )
            assert malformed.status_code == 422
            listed = await c.get("/admin/webhooks", headers={"X-API-Key": ADMIN})
            assert listed.json() == []


def test_embedded_sync_client(tmp_path: Path, receiver: Receiver) -> None:
    settings = ServerSettings(webhooks_allow_private=True)
    with cml.EmbeddedCognitiveMemoryLayer(
        tmp_path / "e.db", tenant_id="acme", embedding_provider="hash", settings=settings
    ) as memory:
        created = memory.create_webhook(receiver.url)
        memory.write("Hana speaks Japanese")
        (queued,) = memory.webhook_deliveries(created.id)
        assert queued.event_type == "memory.write"
        assert queued.status == "pending"  # sent by a `cml serve` on the same store
        assert memory.update_webhook(created.id, description="x").description == "x"
        memory.delete_webhook(created.id)
        assert memory.list_webhooks() == []


async def test_embedded_async_client(tmp_path: Path, receiver: Receiver) -> None:
    settings = ServerSettings(webhooks_allow_private=True)
    async with cml.AsyncEmbeddedCognitiveMemoryLayer(
        tmp_path / "e.db", tenant_id="acme", embedding_provider="hash", settings=settings
    ) as memory:
        created = await memory.create_webhook(receiver.url, event_types=["memory.forget"])
        await memory.write("Ivan runs marathons")
        assert await memory.webhook_deliveries(created.id) == []
        with pytest.raises(ValidationError):
            await memory.create_webhook("not a url")


@pytest.fixture
def served(launcher: Any, tmp_path: Path) -> Iterator[Any]:
    env = launcher.env(
        tmp_path / "data",
        CML_ADMIN_API_KEY=ADMIN,
        CML_API_KEY=USER,
        CML_WEBHOOKS_ALLOW_PRIVATE="true",
        CML_WEBHOOKS_POLL_SECONDS="0.2",
    )
    with launcher.serve(env, tmp_path / "data") as server:
        yield server


def test_sync_client_against_a_real_server_delivers(served: Any, receiver: Receiver) -> None:
    base = served.url.removesuffix("/api/v1")
    with cml.CognitiveMemoryLayer(USER, admin_api_key=ADMIN, base_url=base) as client:
        created = client.create_webhook(receiver.url, event_types=["memory.write"])
        written = client.write("Jun keeps bees")
        (got,) = receiver.wait_for(1, "memory.write")
        assert got.event["memory_ids"] == [written.memory_id]
        assert verify_signature(
            created.secret, got.headers["X-CML-Timestamp"], got.body, got.headers["X-CML-Signature"]
        )
        client.test_webhook(created.id)
        receiver.wait_for(1, "webhook.test")
        # The receiver answers before the sender records the answer: wait for the record.
        deadline = time.monotonic() + 30
        while True:
            delivered = client.webhook_deliveries(created.id, status="delivered")
            kinds = {d.event_type for d in delivered}
            if kinds == {"memory.write", "webhook.test"} or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert kinds == {"memory.write", "webhook.test"}
        assert all(d.attempts == 1 and d.last_status == 200 for d in delivered)
