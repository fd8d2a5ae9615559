"""/admin/keys: create, list and revoke API keys with an admin key."""

from __future__ import annotations

import httpx

from .server_helpers import ADMIN_KEY, assert_error, auth


async def test_create_list_and_revoke_a_key(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/admin/keys",
        json={"tenant_id": "initech", "scopes": ["read"], "name": "reporting"},
        headers=auth(ADMIN_KEY),
    )
    assert created.status_code == 201
    key = created.json()
    assert key["tenant_id"] == "initech"
    assert key["scopes"] == ["read"]
    assert key["key"].startswith(key["prefix"])

    stats = await client.get("/memory/stats", headers=auth(key["key"]))
    assert stats.json()["tenant_id"] == "initech"

    listed = await client.get(
        "/admin/keys", params={"tenant_id": "initech"}, headers=auth(ADMIN_KEY)
    )
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()] == [key["id"]]
    assert "key" not in listed.json()[0]
    assert key["key"] not in listed.text

    revoked = await client.delete(f"/admin/keys/{key['id']}", headers=auth(ADMIN_KEY))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_error(
        await client.get("/memory/stats", headers=auth(key["key"])), 401, "invalid_api_key"
    )


async def test_list_filters_by_tenant(client: httpx.AsyncClient) -> None:
    for tenant in ("one", "two", "two"):
        response = await client.post(
            "/admin/keys", json={"tenant_id": tenant}, headers=auth(ADMIN_KEY)
        )
        assert response.status_code == 201
    everything = await client.get("/admin/keys", headers=auth(ADMIN_KEY))
    two = await client.get("/admin/keys", params={"tenant_id": "two"}, headers=auth(ADMIN_KEY))
    assert sorted(k["tenant_id"] for k in everything.json()) == ["one", "two", "two"]
    assert [k["tenant_id"] for k in two.json()] == ["two", "two"]


async def test_revoking_an_unknown_key_is_404(client: httpx.AsyncClient) -> None:
    response = await client.delete("/admin/keys/no-such-key", headers=auth(ADMIN_KEY))
    assert_error(response, 404, "not_found")


async def test_create_refuses_a_bad_tenant_and_scope(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/admin/keys",
        json={"tenant_id": "bad tenant", "scopes": ["superuser"]},
        headers=auth(ADMIN_KEY),
    )
    error = assert_error(response, 422, "validation_error")
    fields = {d["field"] for d in error["details"]}
    assert fields == {"tenant_id", "scopes.0"}


async def test_list_refuses_a_bad_tenant_filter(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/admin/keys", params={"tenant_id": "no/slashes"}, headers=auth(ADMIN_KEY)
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "tenant_id"


async def test_a_new_operator_key_can_manage_keys_of_any_tenant(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(
        "/admin/keys", json={"tenant_id": "ops", "scopes": ["operator"]}, headers=auth(ADMIN_KEY)
    )
    assert created.json()["all_tenants"] is True
    operator = created.json()["key"]
    response = await client.post("/admin/keys", json={"tenant_id": "acme"}, headers=auth(operator))
    assert response.status_code == 201


async def test_a_new_admin_key_manages_keys_of_its_tenant_only(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(
        "/admin/keys", json={"tenant_id": "acme", "scopes": ["admin"]}, headers=auth(ADMIN_KEY)
    )
    assert created.json()["all_tenants"] is False
    admin = created.json()["key"]
    own = await client.post("/admin/keys", json={"tenant_id": "acme"}, headers=auth(admin))
    assert own.status_code == 201
    other = await client.post("/admin/keys", json={"tenant_id": "globex"}, headers=auth(admin))
    assert_error(other, 403, "forbidden")
    widened = await client.post(
        "/admin/keys",
        json={"tenant_id": "acme", "extra_tenants": ["globex"]},
        headers=auth(admin),
    )
    assert_error(widened, 403, "forbidden")
    promoted = await client.post(
        "/admin/keys", json={"tenant_id": "acme", "scopes": ["operator"]}, headers=auth(admin)
    )
    body = assert_error(promoted, 403, "forbidden")
    assert "global operator key" in body["message"]
