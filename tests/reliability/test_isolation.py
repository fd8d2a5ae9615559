"""Tenant and namespace isolation, tried on every route of the HTTP API.

Tenant A (``acme``) attacks tenant B (``globex``) with its own read+write key: B's memory ids
(known or guessed), B's namespace names, B's session id, B's idempotency keys, B's exact content,
words only B's memories contain, a forged ``X-Tenant-ID`` in several spellings, ``tenant_id``
smuggled into bodies and queries. An admin key acting on A (by ``tenant_id`` or ``X-Tenant-ID``)
runs every admin operation. After each route's attacks B's whole state in the store is compared
with what it was before; every answer A got is checked for B's marker word, B's ids and B's key.

The route list comes from the app itself: a new route without a case here fails
:func:`test_every_route_has_a_case`. The matrix runs on SQLite and, when a PostgreSQL can be
started, on PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from cml.engine.listing import encode_cursor
from cml.models import CreateKeyRequest, MemoryListQuery, MemoryType, WriteRequest
from cml.models.routes import API_PREFIX
from cml.server.app import create_app
from cml.storage.base import MemoryFilter
from cml.storage.ids import new_id

from .isolation_world import (
    ADMIN_KEY,
    MARK_B,
    SESSION,
    A,
    B,
    World,
)

Case = Callable[[World], Awaitable[None]]
ROUTE_CASES: dict[tuple[str, str], Case] = {}

B_CONTENT = f"The {MARK_B} plan is to acquire Initech in May"
"""One of B's memories, word for word."""
B_QUESTION = "What is the plan to acquire Initech in May?"
"""A question B's memories answer, without B's marker word."""
FORMATS = ("packet", "list", "llm_context")
WIDE = {"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}


def case(method: str, route: str) -> Callable[[Case], Case]:
    """Register the attacks on one route."""

    def register(attack: Case) -> Case:
        ROUTE_CASES[(method, route)] = attack
        return attack

    return register


def app_routes() -> set[tuple[str, str]]:
    """Every (method, path) the app serves; paths under ``/api/v1`` lose the prefix.

    Plain Starlette routes (the docs) are read from ``app.routes``; the API routes from the
    OpenAPI document, which lists every route the routers registered.
    """
    app = create_app()
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Route):  # API routes (APIRoute) included
            found |= {(m, route.path) for m in route.methods or () if m != "HEAD"}
    for path, operations in app.openapi()["paths"].items():
        found |= {(method.upper(), path) for method in operations}
    return {(m, p.removeprefix(API_PREFIX) if p.startswith(API_PREFIX) else p) for m, p in found}


def ids_in(payload: Any) -> set[str]:
    """Every memory id in a read/batch-read/listing answer (items with ``id`` and ``text``)."""
    found: set[str] = set()
    if isinstance(payload, dict):
        if isinstance(payload.get("id"), str) and "text" in payload:
            found.add(payload["id"])
        for value in payload.values():
            found |= ids_in(value)
    elif isinstance(payload, list):
        for value in payload:
            found |= ids_in(value)
    return found


def without(payload: Any, *ids: str) -> Any:
    """``payload`` with ``ids`` replaced by a placeholder and the request id dropped."""
    text = json.dumps(payload)
    for value in ids:
        text = text.replace(value, "<id>")
    cleaned = json.loads(text)
    if isinstance(cleaned, dict) and isinstance(cleaned.get("error"), dict):
        cleaned["error"].pop("request_id", None)
    return cleaned


async def same_as_missing(w: World, route: str, body: Callable[[str], dict[str, Any]]) -> int:
    """Send ``body(id)`` for every id of B and for unknown ids: the answers must not differ."""
    statuses = set()
    for b_id in sorted(w.b_ids):
        missing = new_id()
        to_b = await w.call("POST", route, key=w.key_a, json=body(b_id), echo=(b_id,))
        to_nothing = await w.call("POST", route, key=w.key_a, json=body(missing))
        assert to_b.status_code == to_nothing.status_code
        assert without(to_b.json(), b_id) == without(to_nothing.json(), missing)
        statuses.add(to_b.status_code)
    assert len(statuses) == 1
    return statuses.pop()


def refused(response: httpx.Response, status: int = 403, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    expected = code or {403: "forbidden", 422: "validation_error"}[status]
    assert response.json()["error"]["code"] == expected


# --- public routes ------------------------------------------------------------------------------


@case("GET", "/health")
async def _health(w: World) -> None:
    for key, tenant in ((None, None), (w.key_a, B), ("not-a-key", B)):
        response = await w.call("GET", "/health", key=key, tenant=tenant)
        assert response.status_code == 200


@case("GET", "/metrics")
async def _metrics(w: World) -> None:
    # Counts only: no tenant label unless the operator asks for one, and no memory text.
    await w.call("POST", "/memory/write", key=w.key_a, json={"content": "Planted by acme"})
    response = await w.call("GET", "/metrics", key=w.key_a, tenant=B, leak_ok=True)
    assert response.status_code == 200
    assert B not in response.text
    assert "Planted" not in response.text


@case("GET", "/ready")
async def _ready(w: World) -> None:
    # Ready once the app has started (its lifespan loads the model); public, tenant-free.
    async with w.app.router.lifespan_context(w.app):
        for _ in range(100):
            if w.app.state.readiness.embedder == "ready":
                break
            await asyncio.sleep(0.05)
        for key, tenant in ((None, None), (w.key_a, B)):
            response = await w.call("GET", "/ready", key=key, tenant=tenant)
            assert response.status_code == 200


@case("GET", "/redoc")
async def _redoc(w: World) -> None:
    assert (await w.call("GET", "/redoc", key=None)).status_code == 200


@case("GET", "/")
async def _root(w: World) -> None:
    assert (await w.call("GET", "/", key=None)).status_code == 307


@case("GET", "/openapi.json")
async def _openapi(w: World) -> None:
    assert (await w.call("GET", "/openapi.json", key=w.key_a, tenant=B)).status_code == 200


@case("GET", "/docs")
async def _docs(w: World) -> None:
    assert (await w.call("GET", "/docs", key=None)).status_code == 200


@case("GET", "/docs/oauth2-redirect")
async def _docs_redirect(w: World) -> None:
    assert (await w.call("GET", "/docs/oauth2-redirect", key=None)).status_code == 200


# --- memory routes --------------------------------------------------------------------------------


@case("GET", "/whoami")
async def _whoami(w: World) -> None:
    refused(await w.call("GET", "/whoami", key=w.key_a, tenant=B), 403)
    response = await w.call("GET", "/whoami", key=w.key_a)
    assert response.status_code == 200
    assert response.headers["X-CML-Tenant"] == A
    me = response.json()
    assert (me["tenant_id"], me["tenants"], me["all_tenants"]) == (A, [A], False)
    assert B not in json.dumps(me)


@case("POST", "/memory/write")
async def _write(w: World) -> None:
    smuggled = {"content": "Planted by acme", "tenant_id": B}
    refused(await w.call("POST", "/memory/write", key=w.key_a, json=smuggled), 422)
    # B's exact memory, in B's namespace and session, under the key only B used.
    copy = {
        "content": B_CONTENT,
        "namespace": "work",
        "session_id": SESSION,
        "metadata": {"owner": f"{MARK_B}-owner", "nested": {"code": MARK_B}},
    }
    response = await w.call(
        "POST", "/memory/write", key=w.key_a, json=copy, headers={"Idempotency-Key": f"only-{B}"}
    )
    assert response.status_code == 200
    written = response.json()
    assert written["deduplicated"] is False
    assert written["memory_id"] in w.a_ids()


@case("POST", "/memory/batch_write")
async def _batch_write(w: World) -> None:
    for body in (
        {"items": [{"content": "Planted", "tenant_id": B}]},
        {"items": [{"content": "Planted"}], "tenant_id": B},
    ):
        refused(await w.call("POST", "/memory/batch_write", key=w.key_a, json=body), 422)
    body = {
        "items": [{"content": B_CONTENT}, {"content": f"The {MARK_B} family dinner is on Sunday"}],
        "namespace": "work",
        "session_id": SESSION,
    }
    response = await w.call(
        "POST",
        "/memory/batch_write",
        key=w.key_a,
        json=body,
        headers={"Idempotency-Key": "shared-batch-2"},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["deduplicated"] for r in results] == [False, False]
    assert {r["memory_id"] for r in results} <= w.a_ids()


def read_bodies() -> Iterator[dict[str, Any]]:
    """Reads aimed at B's memories: B's words, namespaces, session, every status and type."""
    for query in (MARK_B, B_QUESTION, f"{MARK_B} budget offsite parking CEO address"):
        for fmt in FORMATS:
            for namespace in (None, "work", "home"):
                body: dict[str, Any] = {"query": query, "format": fmt, "max_results": 100}
                if namespace:
                    body["namespace"] = namespace
                yield body
        yield {
            "query": query,
            "include_silent": True,
            "session_id": SESSION,
            "memory_types": [t.value for t in MemoryType],
            "max_results": 100,
            **WIDE,
        }


@case("POST", "/memory/read")
async def _read(w: World) -> None:
    smuggled = {"query": MARK_B, "tenant_id": B}
    refused(await w.call("POST", "/memory/read", key=w.key_a, json=smuggled), 422)
    mine = w.a_ids()
    seen: set[str] = set()
    for body in read_bodies():
        response = await w.call("POST", "/memory/read", key=w.key_a, json=body)
        assert response.status_code == 200
        found = ids_in(response.json())
        assert found <= mine
        seen |= found
    assert seen, "the reads found none of A's own memories: the test proves nothing"


@case("POST", "/memory/batch_read")
async def _batch_read(w: World) -> None:
    queries = list(read_bodies())
    response = await w.call("POST", "/memory/batch_read", key=w.key_a, json={"queries": queries})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == len(queries)
    assert ids_in(results) <= w.a_ids()
    smuggled = {"queries": [{"query": MARK_B, "tenant_id": B}]}
    refused(await w.call("POST", "/memory/batch_read", key=w.key_a, json=smuggled), 422)


@case("POST", "/memory/turn")
async def _turn(w: World) -> None:
    for namespace in (None, "work", "home"):
        body: dict[str, Any] = {
            "user_message": B_QUESTION,
            "assistant_response": "Let me check.",
            "session_id": SESSION,
        }
        if namespace:
            body["namespace"] = namespace
        response = await w.call(
            "POST",
            "/memory/turn",
            key=w.key_a,
            json=body,
            headers={"Idempotency-Key": f"only-{B}"},
        )
        assert response.status_code in (200, 409)  # 409: A reused its own key for a new body
        if response.status_code == 200:
            assert set(response.json()["stored_ids"]) <= w.a_ids()
    smuggled = {"user_message": "hello", "tenant_id": B}
    refused(await w.call("POST", "/memory/turn", key=w.key_a, json=smuggled), 422)


@case("POST", "/memory/update")
async def _update(w: World) -> None:
    changes: list[dict[str, Any]] = [
        {"text": "Hijacked by acme"},
        {"feedback": "incorrect"},
        {"feedback": "outdated"},
        {"importance": 0.0, "confidence": 0.0},
        {"metadata": {"owner": "acme"}},
        {"text": "Hijacked", "namespace": "work"},
    ]
    for change in changes:

        def update(memory_id: str, c: dict[str, Any] = change) -> dict[str, Any]:
            return {"memory_id": memory_id, **c}

        status = await same_as_missing(w, "/memory/update", update)
        assert status == 404
    # Under the idempotency key only B used, B's id is still just "not found".
    b_id = min(w.b_ids)
    response = await w.call(
        "POST",
        "/memory/update",
        key=w.key_a,
        json={"memory_id": b_id, "text": "x"},
        headers={"Idempotency-Key": f"only-{B}"},
        echo=(b_id,),
    )
    assert response.status_code == 404


@case("POST", "/memory/forget")
async def _forget(w: World) -> None:
    everything = sorted(w.b_ids)
    for hard in (False, True):

        def forget(memory_id: str, h: bool = hard) -> dict[str, Any]:
            return {"memory_ids": [memory_id], "hard": h}

        status = await same_as_missing(w, "/memory/forget", forget)
        assert status == 200
        response = await w.call(
            "POST", "/memory/forget", key=w.key_a, json={"memory_ids": everything, "hard": hard}
        )
        assert response.json()["affected_count"] == 0
    # Broad selectors: they may only ever reach A's own memories.
    mine = w.a_ids()
    for body in (
        {"query": B_CONTENT, "threshold": 0.0, "namespace": "work"},
        {"query": MARK_B, "threshold": 0.0},
        {"session_id": SESSION, "hard": True},
        {"before": "2100-01-01T00:00:00Z", "namespace": "home", "hard": True},
        {"before": "2100-01-01T00:00:00Z", "hard": True},
    ):
        response = await w.call("POST", "/memory/forget", key=w.key_a, json=body)
        assert response.status_code == 200
        assert set(response.json()["memory_ids"]) <= mine
    assert not w.a_ids(), "A's broad forget should have emptied A"


@case("POST", "/memory/restore")
async def _restore(w: World) -> None:
    status = await same_as_missing(w, "/memory/restore", lambda m: {"memory_ids": [m]})
    assert status == 200
    response = await w.call(
        "POST", "/memory/restore", key=w.key_a, json={"memory_ids": sorted(w.b_ids)}
    )
    assert response.json()["affected_count"] == 0


@case("GET", "/memory/stats")
async def _stats(w: World) -> None:
    # A tenant_id smuggled into the query is refused, not quietly read as A's own.
    smuggled = await w.call("GET", "/memory/stats", key=w.key_a, params={"tenant_id": B})
    assert smuggled.status_code == 422
    before = []
    for params in ({}, {"namespace": "work"}, {"namespace": "home"}):
        response = await w.call("GET", "/memory/stats", key=w.key_a, params=params)
        assert response.status_code == 200
        assert response.json()["tenant_id"] == A
        before.append(response.json())
    # B grows a lot: nothing A can see may change with it.
    for index in range(40):
        w.engine.memories.write(
            B, WriteRequest(content=f"Globex note {index}: {MARK_B} " + "lorem ipsum " * 50)
        )
    after = [
        (await w.call("GET", "/memory/stats", key=w.key_a, params=params)).json()
        for params in ({}, {"namespace": "work"}, {"namespace": "home"})
    ]
    assert after == before


@case("GET", "/memory/stats/timeline")
async def _timeline(w: World) -> None:
    route = "/memory/stats/timeline"
    smuggled = await w.call("GET", route, key=w.key_a, params={"tenant_id": B})
    assert smuggled.status_code == 422
    spans = [
        {**span, "namespace": ns} if ns else span
        for span in ({}, {"bucket": "week", "since": "2020-01-01T00:00:00Z"})
        for ns in (None, "work", "home")
    ]
    before = []
    for params in spans:
        response = await w.call("GET", route, key=w.key_a, params=params)
        assert response.status_code == 200
        assert response.json()["tenant_id"] == A
        before.append(response.json())
    # B writes today: none of A's buckets may change with it.
    for index in range(5):
        w.engine.memories.write(B, WriteRequest(content=f"Globex timeline {index}: {MARK_B}"))
    after = [(await w.call("GET", route, key=w.key_a, params=p)).json() for p in spans]
    assert after == before


# --- admin routes ---------------------------------------------------------------------------------


async def tenant_key_is_refused(w: World, method: str, route: str, **request: Any) -> None:
    """A's key, with and without B's tenant named, gets 403 on an admin route."""
    for tenant in (None, A, B):
        refused(await w.call(method, route, key=w.key_a, tenant=tenant, **request))


def admin_on_a() -> list[dict[str, Any]]:
    """The ways an admin names tenant A: body/query ``tenant_id`` or ``X-Tenant-ID``."""
    return [{"tenant": A}, {"tenant": B, "explicit": A}, {"tenant": None, "explicit": A}]


@case("POST", "/admin/keys")
async def _create_key(w: World) -> None:
    await tenant_key_is_refused(w, "POST", "/admin/keys", json={"tenant_id": B})
    await tenant_key_is_refused(
        w, "POST", "/admin/keys", json={"tenant_id": A, "scopes": ["admin"]}
    )
    response = await w.call("POST", "/admin/keys", key=ADMIN_KEY, tenant=A, json={"tenant_id": A})
    assert response.status_code == 201


@case("GET", "/admin/keys")
async def _list_keys(w: World) -> None:
    await tenant_key_is_refused(w, "GET", "/admin/keys", params={"tenant_id": B})
    response = await w.call("GET", "/admin/keys", key=ADMIN_KEY, params={"tenant_id": A})
    assert {k["tenant_id"] for k in response.json()} == {A}


@case("DELETE", "/admin/keys/{key_id}")
async def _revoke_key(w: World) -> None:
    route = "/admin/keys/{key_id}"
    await tenant_key_is_refused(w, "DELETE", route, path={"key_id": w.key_b_id})
    response = await w.call("DELETE", route, key=ADMIN_KEY, tenant=A, path={"key_id": w.key_a_id})
    assert response.status_code == 200
    refused(await w.call("GET", "/memory/stats", key=w.key_a), 401, "invalid_api_key")
    # B's key is untouched by the revocation of A's.
    b_stats = await w.call("GET", "/memory/stats", key=w.key_b, leak_ok=True)
    assert b_stats.status_code == 200


_HOOK = "http://8.8.8.8/hook"  # public and literal: nothing is resolved, and nothing is sent
_HOOK_ROUTES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("PATCH", "/admin/webhooks/{webhook_id}", {"json": {"enabled": False}}),
    ("POST", "/admin/webhooks/{webhook_id}/test", {}),
    ("GET", "/admin/webhooks/{webhook_id}/deliveries", {}),
    ("DELETE", "/admin/webhooks/{webhook_id}", {}),
)


async def _webhooks_are_admin_only(w: World, method: str, route: str, **request: Any) -> None:
    """Tenant keys may not subscribe, list or touch webhooks; the admin may, for tenant A."""
    created = await w.call(
        "POST", "/admin/webhooks", key=ADMIN_KEY, json={"url": _HOOK, "tenant_id": A}
    )
    assert created.status_code == 201
    hook = {"webhook_id": created.json()["id"]}
    if "{webhook_id}" in route:
        request = {**request, "path": hook}
    await tenant_key_is_refused(w, method, route, **request)
    response = await w.call(method, route, key=ADMIN_KEY, tenant=A, **request)
    assert response.status_code in (200, 201, 202)
    listed = await w.call("GET", "/admin/webhooks", key=ADMIN_KEY, params={"tenant_id": B})
    assert listed.json() == []


@case("POST", "/admin/webhooks")
async def _create_webhook(w: World) -> None:
    # A's key may not subscribe B's events, nor even its own.
    await tenant_key_is_refused(w, "POST", "/admin/webhooks", json={"url": _HOOK, "tenant_id": B})
    await _webhooks_are_admin_only(
        w, "POST", "/admin/webhooks", json={"url": _HOOK, "tenant_id": A}
    )


@case("GET", "/admin/webhooks")
async def _list_webhooks(w: World) -> None:
    await _webhooks_are_admin_only(w, "GET", "/admin/webhooks", params={"tenant_id": A})


for _method, _route, _request in _HOOK_ROUTES:

    async def _hook_case(
        w: World, m: str = _method, r: str = _route, q: dict[str, Any] = _request
    ) -> None:
        await _webhooks_are_admin_only(w, m, r, **q)

    case(_method, _route)(_hook_case)


def _admin_requests(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """An admin request on tenant A, named in the body, in the header, or both (body wins)."""
    yield {"tenant": A, "json": body}
    yield {"tenant": None, "json": {**body, "tenant_id": A}}
    yield {"tenant": B, "json": {**body, "tenant_id": A}}


@case("POST", "/admin/consolidate")
async def _consolidate(w: World) -> None:
    for body in ({}, {"tenant_id": B}, {"tenant_id": B, "user_id": "work"}):
        await tenant_key_is_refused(w, "POST", "/admin/consolidate", json=body)
    facts = 0
    for request in _admin_requests({"user_id": "work"}):
        response = await w.call("POST", "/admin/consolidate", key=ADMIN_KEY, **request)
        assert response.status_code == 200
        report = response.json()
        assert report["tenant_id"] == A
        assert set(report["fact_ids"]) <= w.a_ids()
        facts += report["facts_extracted"]
    assert facts == 1, "A's episodes should have formed one fact (else nothing was tried)"


@case("POST", "/admin/forget")
async def _forgetting(w: World) -> None:
    await tenant_key_is_refused(w, "POST", "/admin/forget", json={"tenant_id": B, "dry_run": False})
    for request in _admin_requests({"dry_run": False, "max_memories": 100_000}):
        response = await w.call("POST", "/admin/forget", key=ADMIN_KEY, **request)
        assert response.status_code == 200
        report = response.json()
        assert report["tenant_id"] == A
        assert {d["memory_id"] for d in report["memories"]} <= w.a_ids()
        assert report["total_scored"] > 0


@case("POST", "/admin/purge")
async def _purge(w: World) -> None:
    await tenant_key_is_refused(w, "POST", "/admin/purge", json={"tenant_id": B})
    purged: set[str] = set()
    for request in _admin_requests({}):
        response = await w.call("POST", "/admin/purge", key=ADMIN_KEY, **request)
        assert response.status_code == 200
        assert response.json()["tenant_id"] == A
        purged |= set(response.json()["memory_ids"])
    assert purged, "A's deleted memory should have been purged (else nothing was tried)"
    assert not purged & w.b_ids


@case("GET", "/admin/tenants")
async def _tenants(w: World) -> None:
    await tenant_key_is_refused(w, "GET", "/admin/tenants")
    response = await w.call("GET", "/admin/tenants", key=ADMIN_KEY, tenant=A)
    # Admins see every tenant by design; only counts, never content.
    assert {t["tenant_id"] for t in response.json()} >= {A, B}


async def _events_of_a(w: World, response: httpx.Response) -> None:
    assert response.status_code == 200
    page = response.json()
    assert page["items"]
    for event in page["items"]:
        assert event["tenant_id"] == A
        assert set(event["memory_ids"]) <= w.a_ids()


@case("GET", "/admin/events")
async def _events(w: World) -> None:
    await tenant_key_is_refused(w, "GET", "/admin/events", params={"tenant_id": B})
    total = w.engine.store.list_events(A, limit=1)[1]
    for tenant, params in ((A, {}), (None, {"tenant_id": A}), (B, {"tenant_id": A})):
        response = await w.call(
            "GET",
            "/admin/events",
            key=ADMIN_KEY,
            tenant=tenant,
            params={**params, "per_page": 500, "since": "2000-01-01T00:00:00Z"},
        )
        await _events_of_a(w, response)
        assert response.json()["total"] == total


@case("GET", "/admin/events/stream")
async def _event_stream(w: World) -> None:
    route = "/admin/events/stream"
    await tenant_key_is_refused(w, "GET", route, params={"tenant_id": B})
    for tenant, params in ((A, {}), (B, {"tenant_id": A})):
        response = await w.call(
            "GET",
            route,
            key=ADMIN_KEY,
            tenant=tenant,
            params={**params, "since": "2000-01-01T00:00:00Z"},
            headers={"Last-Event-ID": "0"},
        )
        assert response.status_code == 200
        events = [
            json.loads(line.removeprefix("data: "))
            for line in response.text.splitlines()
            if line.startswith("data: ")
        ]
        assert events
        assert {e["tenant_id"] for e in events} == {A}


@case("GET", "/admin/events/verify")
async def _verify_events(w: World) -> None:
    route = "/admin/events/verify"
    await tenant_key_is_refused(w, "GET", route, params={"tenant_id": B})
    total = w.engine.store.list_events(A, limit=1)[1]
    for tenant, params in ((A, {}), (None, {"tenant_id": A}), (B, {"tenant_id": A})):
        response = await w.call("GET", route, key=ADMIN_KEY, tenant=tenant, params=params)
        assert response.status_code == 200
        report = response.json()
        assert (report["tenant_id"], report["ok"], report["events"]) == (A, True, total)


@case("GET", "/admin/components")
async def _components(w: World) -> None:
    await tenant_key_is_refused(w, "GET", "/admin/components")
    response = await w.call("GET", "/admin/components", key=ADMIN_KEY, tenant=A)
    assert response.status_code == 200


@case("POST", "/admin/integrity-check")
async def _integrity_check(w: World) -> None:
    # Store-wide and read-only: a tenant key is refused; the admin's report names no tenant data.
    await tenant_key_is_refused(w, "POST", "/admin/integrity-check")
    response = await w.call("POST", "/admin/integrity-check", key=ADMIN_KEY, tenant=A)
    assert response.status_code == 200
    assert response.json()["status"] == "intact"


@case("GET", "/admin/memories")
async def _memories(w: World) -> None:
    route = "/admin/memories"
    b_cursor = encode_cursor(min(w.b_ids))
    await tenant_key_is_refused(w, "GET", route, params={"status": "all", "cursor": b_cursor})
    mine = w.a_ids()
    listed: set[str] = set()
    for params in (
        [("status", "all"), ("per_page", "500")],
        [("status", "all"), ("cursor", b_cursor)],
        [("status", "all"), ("namespace", "work")],
        [("status", "deleted"), *[("type", t.value) for t in MemoryType]],
        [("status", "all"), ("tenant_id", A)],
    ):
        response = await w.call("GET", route, key=ADMIN_KEY, tenant=A, params=params)
        assert response.status_code == 200
        found = ids_in(response.json())
        assert found <= mine
        listed |= found
    assert listed == mine
    # An admin key acts on any tenant, and tenant_id names it as on every admin route: the
    # listing is B's alone, never a mix, and never A's silently in its place.
    response = await w.call(
        "GET",
        route,
        key=ADMIN_KEY,
        tenant=A,
        params={"status": "all", "tenant_id": B},
        leak_ok=True,
    )
    assert response.status_code == 200
    found = ids_in(response.json())
    assert found
    assert not found & mine


@case("GET", "/memories/{memory_id}")
async def _get_memory(w: World) -> None:
    await _same_as_missing_get(w, "/memories/{memory_id}")
    mine = min(w.a_ids())
    response = await w.call("GET", "/memories/{memory_id}", key=w.key_a, path={"memory_id": mine})
    assert response.status_code == 200
    assert response.json()["id"] == mine


@case("GET", "/memories/{memory_id}/history")
async def _memory_history(w: World) -> None:
    await _same_as_missing_get(w, "/memories/{memory_id}/history")
    mine = min(w.a_ids())
    response = await w.call(
        "GET", "/memories/{memory_id}/history", key=w.key_a, path={"memory_id": mine}
    )
    assert response.status_code == 200
    assert response.json()["items"][0]["current"] is True


async def _same_as_missing_get(w: World, route: str) -> None:
    """B's ids, through every namespace, answer exactly as ids that never existed."""
    for b_id in sorted(w.b_ids):
        missing = new_id()
        for params in ({}, {"namespace": "work"}, {"namespace": "home"}):
            to_b = await w.call(
                "GET", route, key=w.key_a, path={"memory_id": b_id}, params=params, echo=(b_id,)
            )
            to_nothing = await w.call(
                "GET", route, key=w.key_a, path={"memory_id": missing}, params=params
            )
            assert to_b.status_code == to_nothing.status_code == 404
            assert without(to_b.json(), b_id) == without(to_nothing.json(), missing)


@case("GET", "/memories")
async def _list_own_memories(w: World) -> None:
    route = "/memories"
    b_cursor = encode_cursor(min(w.b_ids))
    mine = w.a_ids()
    listed: set[str] = set()
    for params in (
        [("status", "all"), ("per_page", "500")],
        [("status", "all"), ("cursor", b_cursor)],
        [("status", "all"), ("namespace", "work")],
        [("status", "all"), ("context_tags", MARK_B), ("context_tags", "wombatacme")],
        [("status", "all"), ("agent_id", f"{MARK_B}-agent")],
        [("status", "all"), ("metadata", json.dumps({"owner": f"{MARK_B}-owner"}))],
        [("status", "all"), ("metadata", json.dumps({"nested": {"code": MARK_B}}))],
        [("status", "deleted"), *[("memory_types", t.value) for t in MemoryType]],
    ):
        response = await w.call("GET", route, key=w.key_a, params=params)
        assert response.status_code == 200
        found = ids_in(response.json())
        assert found <= mine
        listed |= found
    assert listed == mine
    # Filters that only B's memories match find nothing for A.
    for name, value in (
        ("agent_id", f"{MARK_B}-agent"),
        ("context_tags", MARK_B),
        ("metadata", json.dumps({"owner": f"{MARK_B}-owner"})),
    ):
        response = await w.call("GET", route, key=w.key_a, params={"status": "all", name: value})
        assert response.json()["items"] == []

    # What B's memories retired is not A's to list, nor is what A's retired B's.
    def fact(content: str) -> WriteRequest:
        # B's marker in the metadata: a leak of either memory would show it.
        return WriteRequest(
            content=content, memory_type=MemoryType.SEMANTIC_FACT, metadata={"owner": MARK_B}
        )

    w.engine.memories.write(B, fact("Dana lives in Berlin"))
    newer = w.engine.memories.write(B, fact("Dana moved to Munich"))
    assert newer.superseded, "B's newer fact retires the older one"
    newer_id = str(newer.memory_id)
    retired = w.engine.memories.list_memories(
        B, MemoryListQuery(status="all", superseded_by=newer_id)
    )
    assert [m.id for m in retired.items] == newer.superseded
    for b_id in [*sorted(w.b_ids), newer_id]:
        by_b = {"status": "all", "superseded_by": b_id}
        response = await w.call("GET", route, key=w.key_a, params=by_b, echo=(b_id,))
        assert response.json()["items"] == []
    for a_id in sorted(mine):
        by_a = {"status": "all", "superseded_by": a_id}
        assert ids_in((await w.call("GET", route, key=w.key_a, params=by_a)).json()) <= mine
    smuggled = {"status": "all", "tenant_id": B}
    refused(await w.call("GET", route, key=w.key_a, params=smuggled), 422)


# --- the tests ---------------------------------------------------------------------------------


def test_every_route_has_a_case() -> None:
    served = app_routes()
    missing = served - set(ROUTE_CASES)
    assert not missing, f"routes without an isolation case: {sorted(missing)}"
    assert not set(ROUTE_CASES) - served, "cases for routes that no longer exist"
    assert set(ROUTE_CASES) >= ON_POSTGRES


# The routes whose queries touch tenants' memories and events run on PostgreSQL as well; the
# rest (docs, keys, tenants, components, the stream's transport) do not depend on the backend.
ON_POSTGRES = {
    ("POST", "/memory/write"),
    ("POST", "/memory/batch_write"),
    ("POST", "/memory/read"),
    ("POST", "/memory/batch_read"),
    ("POST", "/memory/turn"),
    ("POST", "/memory/update"),
    ("POST", "/memory/forget"),
    ("POST", "/memory/restore"),
    ("GET", "/memory/stats"),
    ("GET", "/memory/stats/timeline"),
    ("POST", "/admin/consolidate"),
    ("POST", "/admin/forget"),
    ("POST", "/admin/purge"),
    ("GET", "/admin/events"),
    ("GET", "/admin/events/verify"),
    ("GET", "/admin/memories"),
    ("GET", "/memories"),
    ("GET", "/memories/{memory_id}"),
    ("GET", "/memories/{memory_id}/history"),
}
# The cases in which B writes on purpose (to see that nothing A sees changes with it).
B_WRITES = {("GET", "/memory/stats"), ("GET", "/memory/stats/timeline"), ("GET", "/memories")}
MATRIX = [
    pytest.param(backend, route, id=f"{backend}-{route[0]} {route[1]}")
    for route in sorted(ROUTE_CASES)
    for backend in ("sqlite", "postgres")
    if backend == "sqlite" or route in ON_POSTGRES
]


@pytest.mark.parametrize(("backend_url", "route"), MATRIX, indirect=["backend_url"])
async def test_tenant_a_cannot_reach_tenant_b(world: World, route: tuple[str, str]) -> None:
    before = world.b_state()
    await ROUTE_CASES[route](world)
    assert route in world.called
    after = world.b_state()
    if route in B_WRITES:
        # B wrote on purpose in that case; everything else of B must be as it was.
        after["memories"] = after["memories"][: len(before["memories"])]
        after["counts"] = before["counts"]
        after["events"] = before["events"]
    assert after == before


# Minimal valid requests: the forged-tenant sweep needs one per route.
MINIMAL: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/memory/write"): {"json": {"content": "Planted by acme"}},
    ("POST", "/memory/batch_write"): {"json": {"items": [{"content": "Planted by acme"}]}},
    ("POST", "/memory/read"): {"json": {"query": B_QUESTION}},
    ("POST", "/memory/batch_read"): {"json": {"queries": [{"query": B_QUESTION}]}},
    ("POST", "/memory/turn"): {"json": {"user_message": B_QUESTION}},
    ("POST", "/memory/update"): {"json": {"memory_id": "<b>", "text": "Hijacked"}},
    ("POST", "/memory/forget"): {"json": {"memory_ids": ["<b>"], "hard": True}},
    ("POST", "/memory/restore"): {"json": {"memory_ids": ["<b>"]}},
    ("GET", "/memory/stats"): {},
    ("GET", "/memory/stats/timeline"): {},
    ("GET", "/memories"): {"params": {"status": "all"}},
    ("GET", "/memories/{memory_id}"): {"path": {"memory_id": "<b>"}},
    ("GET", "/memories/{memory_id}/history"): {"path": {"memory_id": "<b>"}},
    ("GET", "/whoami"): {},
    ("POST", "/admin/keys"): {"json": {"tenant_id": B, "scopes": ["admin"]}},
    ("GET", "/admin/keys"): {},
    ("DELETE", "/admin/keys/{key_id}"): {"path": {"key_id": "<b-key>"}},
    ("POST", "/admin/consolidate"): {"json": {}},
    ("POST", "/admin/forget"): {"json": {"dry_run": False}},
    ("POST", "/admin/purge"): {"json": {}},
    ("GET", "/admin/tenants"): {},
    ("GET", "/admin/events"): {},
    ("GET", "/admin/events/stream"): {"params": {"since": "2000-01-01T00:00:00Z"}},
    ("GET", "/admin/events/verify"): {},
    ("GET", "/admin/components"): {},
    ("POST", "/admin/integrity-check"): {},
    ("GET", "/admin/memories"): {"params": {"status": "all"}},
    ("POST", "/admin/webhooks"): {"json": {"url": _HOOK, "tenant_id": B}},
    ("GET", "/admin/webhooks"): {},
    **{
        (method, route): {**request, "path": {"webhook_id": "nope"}}
        for method, route, request in _HOOK_ROUTES
    },
}
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/ready"),
    ("GET", "/redoc"),
    ("GET", "/"),
}

FORGED: list[tuple[str, list[tuple[str, str]], set[int]]] = [
    ("X-Tenant-ID of B", [("X-Tenant-ID", B)], {403}),
    ("X-Tenant-ID of B, other case", [("X-Tenant-ID", B.upper())], {403}),
    ("X-Tenant-ID of B, padded", [("X-Tenant-ID", f" {B} ")], {403, 422}),
    ("X-Tenant-ID of A and B", [("X-Tenant-ID", f"{A},{B}")], {422}),
    ("X-Tenant-ID twice, A then B", [("X-Tenant-ID", A), ("X-Tenant-ID", B)], {200, 201, 403, 404}),
    ("X-Tenant-ID twice, B then A", [("X-Tenant-ID", B), ("X-Tenant-ID", A)], {200, 201, 403, 404}),
    (
        "Bearer A with X-Tenant-ID of B",
        [("Authorization", "Bearer {a}"), ("X-Tenant-ID", B)],
        {403},
    ),
    ("B's key as X-Tenant-ID", [("X-Tenant-ID", "{b}")], {403, 422}),
]


def test_the_sweep_has_a_request_for_every_route() -> None:
    assert set(MINIMAL) | PUBLIC == set(ROUTE_CASES)


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_a_forged_tenant_never_reaches_b(world: World) -> None:
    before = world.b_state()
    b_memory = min(world.b_ids)
    tried = 0
    for (method, path), template in sorted(MINIMAL.items()):
        raw = json.dumps(template).replace("<b-key>", world.key_b_id).replace("<b>", b_memory)
        request = json.loads(raw)
        for name, headers, allowed in FORGED:
            sent = [(h, v.format(a=world.key_a, b=world.key_b)) for h, v in headers]
            uses_bearer = any(h == "Authorization" for h, _ in sent)
            response = await world.call(
                method,
                path,
                key=None if uses_bearer else world.key_a,
                headers=sent,
                echo=(b_memory,),
                **request,
            )
            assert response.status_code in allowed, (method, path, name, response.text)
            if response.status_code == 403 and path.startswith("/memory"):
                assert "may not act on tenant" in response.json()["error"]["message"]
            tried += 1
    assert tried == len(MINIMAL) * len(FORGED)
    after = world.b_state()
    assert after["memories"] == before["memories"]
    assert after["keys"] == before["keys"]
    assert after["events"] == before["events"]


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_a_key_granted_extra_tenants_reaches_those_and_no_others(world: World) -> None:
    created = world.engine.keys.create(CreateKeyRequest(tenant_id=A, extra_tenants=["acme-eu"]))
    ok = await world.call(
        "POST", "/memory/write", key=created.key, tenant="acme-eu", json={"content": "EU note"}
    )
    assert ok.status_code == 200
    refused(
        await world.call(
            "POST", "/memory/read", key=created.key, tenant=B, json={"query": B_QUESTION}
        )
    )


@pytest.mark.parametrize("backend_url", ["sqlite"], indirect=True)
async def test_namespaces_are_exact_partitions_inside_a_tenant(world: World) -> None:
    namespace_of = {
        r.id: r.namespace
        for r in world.engine.store.list_memories(MemoryFilter(A, statuses=None), limit=10_000)
    }
    for namespace in ("work", "home"):
        for body in read_bodies():
            if body.get("namespace", namespace) != namespace:
                continue
            body = {
                **body,
                "query": body["query"].replace(MARK_B, "wombatacme"),
                "namespace": namespace,
            }
            response = await world.call("POST", "/memory/read", key=world.key_a, json=body)
            found = ids_in(response.json())
            assert {namespace_of[i] for i in found} <= {namespace}
        stats = (
            await world.call(
                "GET", "/memory/stats", key=world.key_a, params={"namespace": namespace}
            )
        ).json()
        expected = sum(1 for i, ns in namespace_of.items() if ns == namespace)
        assert stats["total_memories"] + stats["deleted_memories"] == expected
