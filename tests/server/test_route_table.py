"""The server serves exactly the contract's route table, and tells each caller who it is."""

from __future__ import annotations

import typing
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cml.models import Scope
from cml.models.routes import API_PREFIX, ROUTES
from cml.server.auth import AdminPrincipal, ReadPrincipal, WritePrincipal
from cml.server.routes import (
    admin,
    admin_memories,
    health,
    memories,
    memory,
    webhooks,
    whoami,
)

from .server_helpers import ADMIN_KEY, assert_error, auth

ROUTERS = [
    admin.router,
    admin_memories.router,
    health.router,
    memories.router,
    memory.router,
    webhooks.router,
    whoami.router,
]
"""Every router the app mounts under ``API_PREFIX`` (the OpenAPI check below proves it)."""

# The dependency each principal type stands for, and the scope it checks.
_SCOPE_CHECKS = {
    typing.get_args(principal)[1].dependency: scope
    for principal, scope in (
        (ReadPrincipal, Scope.READ),
        (WritePrincipal, Scope.WRITE),
        (AdminPrincipal, Scope.ADMIN),
    )
}


def _scopes(dependant: Dependant) -> set[Scope]:
    found = {_SCOPE_CHECKS[dependant.call]} if dependant.call in _SCOPE_CHECKS else set()
    for child in dependant.dependencies:
        found |= _scopes(child)
    return found


def _handlers() -> dict[tuple[str, str], APIRoute]:
    return {
        (method, API_PREFIX + route.path): route
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


def test_the_app_serves_exactly_the_route_table(app: FastAPI) -> None:
    operations = {
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
        if path.startswith(API_PREFIX)
    }
    served: dict[tuple[str, str], tuple[Scope | None, Any]] = {}
    for key, route in _handlers().items():
        scopes = _scopes(route.dependant)
        assert len(scopes) <= 1, route.path
        served[key] = (next(iter(scopes), None), route.response_model)
    table = {
        (route.method, API_PREFIX + route.path): (
            route.scope,
            None if route.stream else route.response,
        )
        for route in ROUTES
    }
    assert served == table
    assert operations == set(table)  # the app mounts every router, and nothing else
    assert ("GET", f"{API_PREFIX}/whoami") in served


def test_every_body_and_namespace_of_the_table_is_the_servers() -> None:
    bodies = {
        key: typing.get_type_hints(route.endpoint).get("body") for key, route in _handlers().items()
    }
    for route in ROUTES:
        body = bodies[(route.method, API_PREFIX + route.path)]
        expected = route.request
        # Admin operations take an optional body: FastAPI declares it as ``X | None``.
        assert body in (expected, expected | None if expected else None), route.path
        if route.request is not None and "namespace" in route.request.model_fields:
            assert route.namespaced, f"{route.path} takes a namespace but is not namespaced"


async def test_responses_name_the_tenant_the_request_acted_on(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    ok = await client.get("/memory/stats", headers=auth(acme_key))
    assert ok.status_code == 200
    assert ok.headers["X-CML-Tenant"] == "acme"

    chosen = await client.get(
        "/memory/stats", headers=auth(ADMIN_KEY, **{"X-Tenant-ID": "initech"})
    )
    assert chosen.headers["X-CML-Tenant"] == "initech"

    # Errors after authentication say it too; refusals of the key or tenant do not.
    missing = await client.post(
        "/memory/update", json={"memory_id": "nope", "importance": 0.5}, headers=auth(acme_key)
    )
    assert_error(missing, 404, "not_found")
    assert missing.headers["X-CML-Tenant"] == "acme"
    refused = await client.get("/memory/stats", headers=auth(acme_key, **{"X-Tenant-ID": "globex"}))
    assert_error(refused, 403, "forbidden")
    assert "X-CML-Tenant" not in refused.headers
    anonymous = await client.get("/memory/stats")
    assert_error(anonymous, 401, "authentication_required")
    assert "X-CML-Tenant" not in anonymous.headers
    assert "X-CML-Tenant" not in (await client.get("/health")).headers


async def test_whoami_describes_the_key(client: httpx.AsyncClient, acme_key: str) -> None:
    me = await client.get("/whoami", headers=auth(acme_key))
    assert me.status_code == 200
    body = me.json()
    assert body["tenant_id"] == body["key_tenant_id"] == "acme"
    assert body["scopes"] == ["read", "write"]
    assert body["tenants"] == ["acme"]
    assert body["all_tenants"] is False
    assert body["key_id"]

    admin = (await client.get("/whoami", headers=auth(ADMIN_KEY, **{"X-Tenant-ID": "acme"}))).json()
    assert admin["tenant_id"] == "acme"
    assert admin["scopes"] == ["read", "write", "admin", "operator"]
    assert admin["all_tenants"] is True

    assert_error(await client.get("/whoami"), 401, "authentication_required")
