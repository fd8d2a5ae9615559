"""API keys, scopes and tenants: who may call what, on which tenant."""

from __future__ import annotations

import httpx
import pytest

from cml.engine import Engine
from cml.models import CreateKeyRequest, Scope
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .server_helpers import ADMIN_KEY, assert_error, auth

WRITE = {"content": "Frank drinks his coffee black"}


async def test_health_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["backend"] == "sqlite"
    assert body["version"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/memory/write"),
        ("POST", "/memory/read"),
        ("GET", "/memory/stats"),
        ("GET", "/admin/keys"),
        ("DELETE", "/admin/keys/some-id"),
    ],
)
async def test_a_missing_key_is_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json=WRITE if method == "POST" else None)
    assert_error(response, 401, "authentication_required")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unknown_key_is_401_and_not_echoed(client: httpx.AsyncClient) -> None:
    presented = "cml_this-key-does-not-exist-anywhere"
    response = await client.post("/memory/write", json=WRITE, headers=auth(presented))
    assert_error(response, 401, "invalid_api_key")
    assert presented not in response.text


async def test_a_bearer_token_works_like_x_api_key(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    response = await client.post(
        "/memory/write", json=WRITE, headers={"Authorization": f"Bearer {acme_key}"}
    )
    assert response.status_code == 200
    stats = await client.get("/memory/stats", headers={"Authorization": f"Bearer {acme_key}"})
    assert stats.json()["tenant_id"] == "acme"


async def test_a_non_bearer_authorization_is_401(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.get("/memory/stats", headers={"Authorization": f"Basic {acme_key}"})
    assert_error(response, 401, "authentication_required")


async def test_a_revoked_key_stops_working_at_once(
    client: httpx.AsyncClient, acme_key: str, engine: Engine
) -> None:
    assert (await client.get("/memory/stats", headers=auth(acme_key))).status_code == 200
    key_id = next(k.id for k in engine.keys.list("acme") if k.revoked_at is None)
    revoke = await client.delete(f"/admin/keys/{key_id}", headers=auth(ADMIN_KEY))
    assert revoke.status_code == 200
    assert_error(await client.get("/memory/stats", headers=auth(acme_key)), 401, "invalid_api_key")


async def test_a_read_only_key_cannot_write(client: httpx.AsyncClient, read_only_key: str) -> None:
    assert (await client.get("/memory/stats", headers=auth(read_only_key))).status_code == 200
    response = await client.post("/memory/write", json=WRITE, headers=auth(read_only_key))
    error = assert_error(response, 403, "forbidden")
    assert "write" in error["message"]


async def test_a_write_only_key_cannot_read(client: httpx.AsyncClient, engine: Engine) -> None:
    key = engine.keys.create(CreateKeyRequest(tenant_id="acme", scopes=[Scope.WRITE])).key
    assert (await client.post("/memory/write", json=WRITE, headers=auth(key))).status_code == 200
    response = await client.post("/memory/read", json={"query": "coffee"}, headers=auth(key))
    assert_error(response, 403, "forbidden")


async def test_a_tenant_key_cannot_use_admin_routes(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    response = await client.get("/admin/keys", headers=auth(acme_key))
    error = assert_error(response, 403, "forbidden")
    assert "admin" in error["message"]


async def test_extra_tenants_may_be_selected_by_header(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    key = engine.keys.create(CreateKeyRequest(tenant_id="acme", extra_tenants=["acme-eu"])).key
    write = await client.post(
        "/memory/write", json=WRITE, headers=auth(key, **{"X-Tenant-ID": "acme-eu"})
    )
    assert write.status_code == 200
    eu = await client.get("/memory/stats", headers=auth(key, **{"X-Tenant-ID": "acme-eu"}))
    home = await client.get("/memory/stats", headers=auth(key))
    assert (eu.json()["tenant_id"], eu.json()["total_memories"]) == ("acme-eu", 1)
    assert (home.json()["tenant_id"], home.json()["total_memories"]) == ("acme", 0)
    other = await client.get("/memory/stats", headers=auth(key, **{"X-Tenant-ID": "globex"}))
    error = assert_error(other, 403, "forbidden")
    assert "'acme'" in error["message"]
    assert "'acme-eu'" in error["message"]


async def test_an_admin_key_acts_on_any_tenant(client: httpx.AsyncClient, acme_key: str) -> None:
    await client.post("/memory/write", json=WRITE, headers=auth(acme_key))
    stats = await client.get("/memory/stats", headers=auth(ADMIN_KEY, **{"X-Tenant-ID": "acme"}))
    assert stats.status_code == 200
    assert (stats.json()["tenant_id"], stats.json()["total_memories"]) == ("acme", 1)


async def test_a_stored_operator_key_acts_on_any_tenant(
    client: httpx.AsyncClient, engine: Engine, acme_key: str
) -> None:
    operator = engine.keys.create(CreateKeyRequest(tenant_id="ops", scopes=[Scope.OPERATOR])).key
    await client.post("/memory/write", json=WRITE, headers=auth(acme_key))
    stats = await client.get("/memory/stats", headers=auth(operator, **{"X-Tenant-ID": "acme"}))
    assert stats.json()["total_memories"] == 1
    assert (await client.get("/admin/keys", headers=auth(operator))).status_code == 200


async def test_a_stored_admin_key_is_bound_to_its_tenants(
    client: httpx.AsyncClient, engine: Engine, acme_key: str
) -> None:
    admin = engine.keys.create(
        CreateKeyRequest(tenant_id="ops", scopes=[Scope.ADMIN], extra_tenants=["acme"])
    ).key
    await client.post("/memory/write", json=WRITE, headers=auth(acme_key))
    stats = await client.get("/memory/stats", headers=auth(admin, **{"X-Tenant-ID": "acme"}))
    assert stats.json()["total_memories"] == 1
    other = await client.get("/memory/stats", headers=auth(admin, **{"X-Tenant-ID": "globex"}))
    body = assert_error(other, 403, "forbidden")
    assert "bound to tenant 'ops', 'acme'" in body["message"]
    assert "cml keys create --global" in body["hint"]
    me = (await client.get("/whoami", headers=auth(admin))).json()
    assert (me["scopes"], me["all_tenants"]) == (["read", "write", "admin"], False)


async def test_without_auth_the_tenant_header_picks_the_tenant(
    settings: ServerSettings, engine: Engine
) -> None:
    embedded = create_app(settings.model_copy(update={"auth_enabled": False}), engine=engine)
    transport = httpx.ASGITransport(app=embedded)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        write = await client.post("/memory/write", json=WRITE, headers={"X-Tenant-ID": "solo"})
        assert write.status_code == 200
        solo = await client.get("/memory/stats", headers={"X-Tenant-ID": "solo"})
        default = await client.get("/memory/stats")
        assert (solo.json()["tenant_id"], solo.json()["total_memories"]) == ("solo", 1)
        assert (default.json()["tenant_id"], default.json()["total_memories"]) == ("default", 0)
        assert (await client.get("/admin/keys")).status_code == 200


async def test_bootstrap_keys_are_off_unless_configured(
    settings: ServerSettings, engine: Engine
) -> None:
    bare = settings.model_copy(update={"api_key": None, "admin_api_key": None})
    app = create_app(bare, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        response = await client.get("/admin/keys", headers=auth(ADMIN_KEY))
        assert_error(response, 401, "invalid_api_key")
