"""A tenant admin key administers its own tenant and nothing else, on every admin route.

Tenant A (``acme``) holds an admin key bound to A (``scopes=["admin"]``, no ``operator``). On
every route of the route table that needs the admin scope it names tenant B (``globex``) every
way the route allows: ``X-Tenant-ID``, ``tenant_id`` in the query or the body, B's key or
webhook by id, a key for A widened to B or promoted to a global operator key. Each must be
refused (403 naming the fix, or 404 for B's objects by id) and leave B's whole state as it
was; listings without a tenant show A only. The same key does succeed on A, so the refusals are
about the tenant, not a broken key. The route list comes from the route table: a new admin
route without attacks here fails. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cml.models import CreateKeyRequest, Scope
from cml.models import routes as table

from .isolation_world import ADMIN_KEY, A, B, World

_HOOK = "http://8.8.8.8/hook"  # public and literal: nothing is resolved, and nothing is sent
SINCE = {"since": "2000-01-01T00:00:00Z"}

Request = dict[str, Any]

# Per admin route: requests naming B (refused with ``status``) and one request on A that works.
# "<b-key>" and "<b-hook>" stand for B's key id and B's webhook id.
ATTACKS: dict[table.Route[Any], tuple[list[tuple[int, Request]], Request]] = {
    table.LIST_MEMORIES: (
        [(403, {"params": {"tenant_id": B, "status": "all"}})],
        {"params": {"status": "all"}},
    ),
    table.CREATE_KEY: (
        [
            (403, {"json": {"tenant_id": B}}),
            (403, {"json": {"tenant_id": B, "scopes": ["admin"]}}),
            (403, {"json": {"tenant_id": A, "extra_tenants": [B]}}),
            (403, {"json": {"tenant_id": A, "scopes": ["operator"]}}),
        ],
        {"json": {"tenant_id": A}},
    ),
    table.LIST_KEYS: ([(403, {"params": {"tenant_id": B}})], {}),
    table.REVOKE_KEY: ([(404, {"path": {"key_id": "<b-key>"}})], {"path": {"key_id": "<a-key>"}}),
    table.CONSOLIDATE: ([(403, {"json": {"tenant_id": B}})], {"json": {}}),
    table.RUN_FORGETTING: (
        [(403, {"json": {"tenant_id": B, "dry_run": False}})],
        {"json": {"dry_run": True}},
    ),
    table.PURGE: ([(403, {"json": {"tenant_id": B}})], {"json": {}}),
    table.LIST_TENANTS: ([], {}),
    table.GET_EVENTS: ([(403, {"params": {"tenant_id": B}})], {}),
    table.STREAM_EVENTS: ([(403, {"params": {"tenant_id": B, **SINCE}})], {"params": SINCE}),
    table.VERIFY_EVENTS: ([(403, {"params": {"tenant_id": B}})], {}),
    table.COMPONENTS: ([], {}),
    # Store-wide, like the components' health: it names pages and indexes, never a tenant's data.
    table.INTEGRITY_CHECK: ([], {}),
    table.CREATE_WEBHOOK: (
        [(403, {"json": {"url": _HOOK, "tenant_id": B}})],
        {"json": {"url": _HOOK}},
    ),
    table.LIST_WEBHOOKS: ([(403, {"params": {"tenant_id": B}})], {}),
    table.UPDATE_WEBHOOK: (
        [(404, {"path": {"webhook_id": "<b-hook>"}, "json": {"enabled": False}})],
        {"path": {"webhook_id": "<a-hook>"}, "json": {"enabled": False}},
    ),
    table.TEST_WEBHOOK: (
        [(404, {"path": {"webhook_id": "<b-hook>"}})],
        {"path": {"webhook_id": "<a-hook>"}},
    ),
    table.LIST_WEBHOOK_DELIVERIES: (
        [(404, {"path": {"webhook_id": "<b-hook>"}})],
        {"path": {"webhook_id": "<a-hook>"}},
    ),
    table.DELETE_WEBHOOK: (
        [(404, {"path": {"webhook_id": "<b-hook>"}})],
        {"path": {"webhook_id": "<a-hook>"}},
    ),
}


def test_every_admin_route_of_the_table_is_attacked() -> None:
    admin_routes = {r for r in table.ROUTES if r.scope is Scope.ADMIN}
    assert set(ATTACKS) == admin_routes


def _fill(request: Request, names: dict[str, str]) -> Request:
    path = {k: names.get(v, v) for k, v in request.get("path", {}).items()}
    return {**request, "path": path} if path else dict(request)


async def _hook(w: World, tenant: str) -> str:
    created = await w.call(
        "POST", "/admin/webhooks", key=ADMIN_KEY, json={"url": _HOOK, "tenant_id": tenant}
    )
    assert created.status_code == 201
    return str(created.json()["id"])


def _b_state(w: World) -> dict[str, Any]:
    store = w.engine.store
    hooks = store.list_webhooks(B)
    deliveries = {h.id: store.list_deliveries(h.id, limit=1000) for h in hooks}
    return {**w.b_state(), "webhooks": hooks, "deliveries": deliveries}


BOTH = pytest.mark.parametrize("backend_url", ["sqlite", "postgres"], indirect=True)


@BOTH
async def test_a_tenant_admin_key_administers_only_its_tenant(world: World) -> None:
    admin = world.engine.keys.create(CreateKeyRequest(tenant_id=A, scopes=[Scope.ADMIN]))
    assert not admin.all_tenants
    names = {"<b-key>": world.key_b_id, "<b-hook>": await _hook(world, B)}
    for route, (attacks, own) in ATTACKS.items():
        names["<a-hook>"] = await _hook(world, A)
        names["<a-key>"] = world.engine.keys.create(CreateKeyRequest(tenant_id=A)).id
        before = _b_state(world)
        for status, attack in attacks:
            sent = _fill(attack, names)
            echo = tuple(sent.get("path", {}).values())  # an error may quote the id sent
            response = await world.call(route.method, route.path, key=admin.key, echo=echo, **sent)
            assert response.status_code == status, (route.path, sent, response.text)
            if status == 403:
                assert "cml keys create --global" in response.json()["error"]["hint"] or (
                    "operator" in response.json()["error"]["message"]
                )
        # The tenant header is checked before any route runs: B is refused everywhere.
        header = await world.call(
            route.method, route.path, key=admin.key, tenant=B, **_fill(own, names)
        )
        assert header.status_code == 403, (route.path, header.text)
        assert "bound to tenant 'acme'" in header.json()["error"]["message"]
        mine = await world.call(route.method, route.path, key=admin.key, **_fill(own, names))
        assert mine.status_code < 300, (route.path, mine.text)
        assert _b_state(world) == before, f"{route.method} {route.path} changed tenant B"
        _only_a(world, route, mine)


def _only_a(w: World, route: table.Route[Any], response: httpx.Response) -> None:
    """Listings without a tenant named show tenant A's things only."""
    if route in (table.LIST_TENANTS, table.LIST_KEYS, table.LIST_WEBHOOKS):
        assert {item["tenant_id"] for item in response.json()} == {A}
    elif route is table.GET_EVENTS:
        assert response.json()["items"]
        assert {item["tenant_id"] for item in response.json()["items"]} == {A}
    elif route is table.LIST_MEMORIES:
        assert response.json()["items"]
        assert {item["id"] for item in response.json()["items"]} <= w.a_ids()
    elif route is table.VERIFY_EVENTS:
        assert (response.json()["tenant_id"], response.json()["ok"]) == (A, True)


@BOTH
async def test_an_operator_key_keeps_every_tenant(world: World) -> None:
    operator = world.engine.keys.create(CreateKeyRequest(tenant_id="ops", scopes=[Scope.OPERATOR]))
    assert operator.all_tenants
    tenants = await world.call("GET", "/admin/tenants", key=operator.key, leak_ok=True)
    assert {t["tenant_id"] for t in tenants.json()} >= {A, B}
    events = await world.call(
        "GET", "/admin/events", key=operator.key, params={"tenant_id": B}, leak_ok=True
    )
    assert events.status_code == 200
    assert {e["tenant_id"] for e in events.json()["items"]} == {B}
