"""Tenant isolation through every public method of the SDK clients (async and sync).

Three clients attack tenant B (``globex``): tenant A's key as is (``plain``), tenant A's key
with ``tenant_id`` set to B (``forged``), and tenant A's key with an admin key acting on A
(``admin``). Every public method of ``AsyncCognitiveMemoryLayer`` / ``CognitiveMemoryLayer``
has a case, and every namespaced one a second case through a namespaced client; a new method
without one fails :func:`test_every_public_method_has_a_case`. Every value a method returns (or
the message of the error it raises) is checked for B's marker word, ids and key, and B's whole
state in the store is compared before and after. The sync client talks to a real uvicorn server
on loopback, the async one to the app in-process.

``cml export --tenant`` is checked too: it reads the store directly (an operator tool, no key),
so the only isolation it owes is to export the tenant it is asked for and nothing else.
"""

from __future__ import annotations

import inspect
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

import cml
from cml.cli import app as cli_app
from cml.config import CMLConfig
from cml.models import ForgetRequest

from .isolation_world import ADMIN_KEY, MARK_B, SESSION, A, B, World, build_world, sqlite_url

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
B_CONTENT = f"The {MARK_B} plan is to acquire Initech in May"
B_QUESTION = "What is the plan to acquire Initech in May?"
LOCAL = {"set_tenant", "with_namespace", "close"}
"""Methods that send nothing (checked through the calls made after them)."""


@dataclass
class Clients:
    """The three attacking clients of one kind, and the world they attack."""

    world: World
    plain: Any
    forged: Any
    admin: Any
    outcomes: list[str]

    def leaks(self, value: Any, echo: tuple[str, ...] = ()) -> list[str]:
        return self.world.leak.found_in(_text(value), echo)


def _text(value: Any) -> str:
    if hasattr(value, "model_dump_json"):
        return str(value.model_dump_json())
    if isinstance(value, list):
        return "[" + ",".join(_text(v) for v in value) + "]"
    if isinstance(value, BaseException):
        return str(value)
    return json.dumps(value, default=str)


async def run(client: Any, name: str, *args: Any, take: int | None = None, **kwargs: Any) -> Any:
    """Call ``client.name`` whatever the client's kind; iterators are drained (``take`` items)."""
    result = getattr(client, name)(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    if inspect.isasyncgen(result):
        items = []
        try:
            async for item in result:
                items.append(item)
                if take is not None and len(items) >= take:
                    break
        finally:
            await result.aclose()
        return items
    if inspect.isgenerator(result):
        try:
            return list(itertools.islice(result, take) if take is not None else result)
        finally:
            result.close()
    return result


async def expect(
    c: Clients,
    client: Any,
    name: str,
    *args: Any,
    error: type[Exception] | None = None,
    **kwargs: Any,
) -> Any:
    """Run one call; it must succeed (``error=None``) or raise ``error``, and leak nothing."""
    try:
        result = await run(client, name, *args, **kwargs)
    except cml.CMLError as exc:
        failure: cml.CMLError = exc
    else:
        assert error is None, f"{name} should have raised {error}, returned {result!r}"
        found = c.leaks(result)
        assert not found, f"{name} returned B's {found}: {_text(result)[:500]}"
        c.outcomes.append(f"{name}:ok")
        return result
    assert error is not None, f"{name}: {failure!r}"
    assert isinstance(failure, error), f"{name}: {failure!r}"
    # An error may quote the id the caller asked for: that is the caller's own input.
    assert not c.leaks(failure, tuple(a for a in args if isinstance(a, str))), failure
    c.outcomes.append(f"{name}:{type(failure).__name__}")
    return failure


def only_a(c: Clients, ids: Any) -> None:
    assert set(ids) <= c.world.a_ids()


def drop_copies(c: Clients, ids: list[str | None]) -> None:
    """Delete A's copies of B's content for good, so later answers to A are leak-checked again."""
    kept = [i for i in ids if i is not None]
    c.world.engine.memories.forget(A, ForgetRequest(memory_ids=kept, hard=True))


# --- one case per public method -------------------------------------------------------------

Case = Callable[[Clients], Any]
CASES: dict[str, Case] = {}
VIEW_CASES: dict[str, Case] = {}


def method(name: str, *, view: bool = False) -> Callable[[Case], Case]:
    def register(case: Case) -> Case:
        (VIEW_CASES if view else CASES)[name] = case
        return case

    return register


Denied = cml.AuthorizationError


async def forged_is_denied(c: Clients, name: str, *args: Any, **kwargs: Any) -> None:
    await expect(c, c.forged, name, *args, error=Denied, **kwargs)


@method("health")
async def _health(c: Clients) -> None:
    for client in (c.plain, c.forged, c.admin):
        await expect(c, client, "health")


@method("ready")
async def _ready(c: Clients) -> None:
    for client in (c.plain, c.forged, c.admin):
        await expect(c, client, "ready")


@method("whoami")
async def _whoami(c: Clients) -> None:
    await forged_is_denied(c, "whoami")
    me = await expect(c, c.plain, "whoami")
    assert (me.tenant_id, me.tenants, me.all_tenants) == (A, [A], False)
    assert c.plain.tenant_id == A
    # whoami describes api_key; the admin key is used for admin routes only.
    admin = await expect(c, c.admin, "whoami")
    assert (admin.tenant_id, admin.tenants) == (A, [A])


@method("write")
async def _write(c: Clients) -> None:
    kwargs: dict[str, Any] = {
        "namespace": "work",
        "session_id": SESSION,
        "idempotency_key": f"only-{B}",
    }
    await forged_is_denied(c, "write", "Planted by acme", **kwargs)
    written = await expect(c, c.plain, "write", B_CONTENT, **kwargs)
    assert not written.deduplicated
    only_a(c, [written.memory_id])
    drop_copies(c, [written.memory_id])


@method("read")
async def _read(c: Clients) -> None:
    await forged_is_denied(c, "read", B_QUESTION)
    for query in (MARK_B, B_QUESTION):
        for namespace in (None, "work", "home"):
            found = await expect(
                c,
                c.plain,
                "read",
                query,
                namespace=namespace,
                include_silent=True,
                max_results=100,
                since=EPOCH,
            )
            only_a(c, [m.id for m in found.memories])


@method("turn")
async def _turn(c: Clients) -> None:
    await forged_is_denied(c, "turn", B_QUESTION)
    turn = await expect(c, c.plain, "turn", B_QUESTION, session_id=SESSION, namespace="work")
    only_a(c, turn.stored_ids)


@method("update")
async def _update(c: Clients) -> None:
    b_id = min(c.world.b_ids)
    await forged_is_denied(c, "update", b_id, text="Hijacked")
    for change in ({"text": "Hijacked"}, {"feedback": "outdated"}, {"importance": 0.0}):
        error = await expect(c, c.plain, "update", b_id, error=cml.NotFoundError, **change)
        assert error.status_code == 404


@method("forget")
async def _forget(c: Clients) -> None:
    ids = sorted(c.world.b_ids)
    await forged_is_denied(c, "forget", memory_ids=ids)
    gone = await expect(c, c.plain, "forget", memory_ids=ids, hard=True)
    assert gone.affected_count == 0
    broad = await expect(c, c.plain, "forget", query=B_CONTENT, threshold=0.0, namespace="work")
    only_a(c, broad.memory_ids)


@method("stats")
async def _stats(c: Clients) -> None:
    await forged_is_denied(c, "stats")
    for namespace in (None, "work"):
        stats = await expect(c, c.plain, "stats", namespace=namespace)
        assert stats.tenant_id == A
        assert stats.storage_bytes is None  # the store's size reflects every tenant


@method("timeline")
async def _timeline(c: Clients) -> None:
    await forged_is_denied(c, "timeline")
    for namespace in (None, "work"):
        stats = await expect(c, c.plain, "stats", namespace=namespace)
        series = await expect(c, c.plain, "timeline", bucket="week", namespace=namespace)
        assert series.tenant_id == A
        # Every one of A's memories was stored within the weeks shown, and none of B's counts.
        assert sum(b.total for b in series.buckets) == stats.total_memories


@method("batch_write")
async def _batch_write(c: Clients) -> None:
    items = [{"content": B_CONTENT}, {"content": f"The {MARK_B} family dinner is on Sunday"}]
    await forged_is_denied(c, "batch_write", items)
    results = await expect(c, c.plain, "batch_write", items, namespace="work", session_id=SESSION)
    assert not any(r.deduplicated for r in results)
    only_a(c, [r.memory_id for r in results])
    drop_copies(c, [r.memory_id for r in results])


@method("batch_read")
async def _batch_read(c: Clients) -> None:
    queries = [MARK_B, B_QUESTION, f"{MARK_B} budget"]
    await forged_is_denied(c, "batch_read", queries)
    for namespace in (None, "work"):
        answers = await expect(c, c.plain, "batch_read", queries, namespace=namespace)
        only_a(c, [m.id for a in answers for m in a.memories])


@method("iter_memories")
async def _iter_memories(c: Clients) -> None:
    await forged_is_denied(c, "iter_memories")
    await expect(c, c.plain, "iter_memories", status="all", error=Denied)
    items = await expect(c, c.admin, "iter_memories", status="all", batch_size=3)
    assert {i.id for i in items} == c.world.a_ids()


@method("get")
async def _get(c: Clients) -> None:
    b_id = min(c.world.b_ids)
    await forged_is_denied(c, "get", b_id)
    for namespace in (None, "work"):
        error = await expect(c, c.plain, "get", b_id, namespace=namespace, error=cml.NotFoundError)
        assert error.status_code == 404
    mine = min(c.world.a_ids())
    assert (await expect(c, c.plain, "get", mine)).id == mine


@method("history")
async def _history(c: Clients) -> None:
    b_id = min(c.world.b_ids)
    await forged_is_denied(c, "history", b_id)
    await expect(c, c.plain, "history", b_id, error=cml.NotFoundError)
    states = await expect(c, c.plain, "history", min(c.world.a_ids()))
    assert states[0].current


@method("list_memories")
async def _list_memories(c: Clients) -> None:
    await forged_is_denied(c, "list_memories")
    page = await expect(c, c.plain, "list_memories", status="all", per_page=500)
    assert {i.id for i in page.items} == c.world.a_ids()
    filters_only_b_matches: list[dict[str, Any]] = [
        {"agent_id": f"{MARK_B}-agent"},
        {"context_tags": [MARK_B]},
        {"metadata": {"owner": f"{MARK_B}-owner"}},
        *({"superseded_by": b_id} for b_id in sorted(c.world.b_ids)),
    ]
    for filters in filters_only_b_matches:
        page = await expect(c, c.plain, "list_memories", status="all", **filters)
        assert page.items == []


@method("consolidate")
async def _consolidate(c: Clients) -> None:
    await forged_is_denied(c, "consolidate", tenant_id=B)
    await expect(c, c.plain, "consolidate", tenant_id=B, error=Denied)
    report = await expect(c, c.admin, "consolidate", user_id="work")
    assert report["tenant_id"] == A
    only_a(c, report["fact_ids"])


@method("run_forgetting")
async def _run_forgetting(c: Clients) -> None:
    await forged_is_denied(c, "run_forgetting", tenant_id=B, dry_run=False)
    await expect(c, c.plain, "run_forgetting", tenant_id=B, dry_run=False, error=Denied)
    report = await expect(c, c.admin, "run_forgetting", dry_run=False)
    assert report["tenant_id"] == A
    only_a(c, [d["memory_id"] for d in report["memories"]])


@method("restore")
async def _restore(c: Clients) -> None:
    ids = sorted(c.world.b_ids)
    await forged_is_denied(c, "restore", ids)
    restored = await expect(c, c.plain, "restore", ids)
    assert restored.affected_count == 0


@method("purge")
async def _purge(c: Clients) -> None:
    await forged_is_denied(c, "purge", tenant_id=B)
    await expect(c, c.plain, "purge", tenant_id=B, error=Denied)
    report = await expect(c, c.admin, "purge")
    assert report["tenant_id"] == A
    assert not set(report["memory_ids"]) & c.world.b_ids


@method("list_tenants")
async def _list_tenants(c: Clients) -> None:
    await forged_is_denied(c, "list_tenants")
    await expect(c, c.plain, "list_tenants", error=Denied)
    tenants = await expect(c, c.admin, "list_tenants")  # admins see every tenant's counts
    assert {t["tenant_id"] for t in tenants} >= {A, B}


@method("get_events")
async def _get_events(c: Clients) -> None:
    await forged_is_denied(c, "get_events")
    await expect(c, c.plain, "get_events", error=Denied)
    page = await expect(c, c.admin, "get_events", limit=500, since=EPOCH)
    assert page["items"]
    assert {e["tenant_id"] for e in page["items"]} == {A}


@method("stream_events")
async def _stream_events(c: Clients) -> None:
    await forged_is_denied(c, "stream_events", since=EPOCH, take=1)
    await expect(c, c.plain, "stream_events", since=EPOCH, take=1, error=Denied)
    events = await expect(c, c.admin, "stream_events", since=EPOCH, take=5)
    assert len(events) == 5
    assert {e["tenant_id"] for e in events} == {A}


@method("verify_event_log")
async def _verify_event_log(c: Clients) -> None:
    await forged_is_denied(c, "verify_event_log")
    await expect(c, c.plain, "verify_event_log", tenant_id=B, error=Denied)
    report = await expect(c, c.admin, "verify_event_log")
    assert (report.tenant_id, report.ok) == (A, True)
    assert report.events == c.world.engine.store.list_events(A, limit=1)[1]


@method("component_health")
async def _component_health(c: Clients) -> None:
    await forged_is_denied(c, "component_health")
    await expect(c, c.plain, "component_health", error=Denied)
    await expect(c, c.admin, "component_health")


@method("check_integrity")
async def _check_integrity(c: Clients) -> None:
    await forged_is_denied(c, "check_integrity")
    await expect(c, c.plain, "check_integrity", error=Denied)
    report = await expect(c, c.admin, "check_integrity")
    assert report.status == "intact"


@method("create_api_key")
async def _create_api_key(c: Clients) -> None:
    await forged_is_denied(c, "create_api_key", B, scopes=["admin"])
    await expect(c, c.plain, "create_api_key", B, scopes=["admin"], error=Denied)
    created = await expect(c, c.admin, "create_api_key", A)
    assert created.tenant_id == A


@method("list_api_keys")
async def _list_api_keys(c: Clients) -> None:
    await forged_is_denied(c, "list_api_keys", tenant_id=B)
    await expect(c, c.plain, "list_api_keys", tenant_id=B, error=Denied)
    keys = await expect(c, c.admin, "list_api_keys", tenant_id=A)
    assert {k.tenant_id for k in keys} == {A}


@method("revoke_api_key")
async def _revoke_api_key(c: Clients) -> None:
    await forged_is_denied(c, "revoke_api_key", c.world.key_b_id)
    await expect(c, c.plain, "revoke_api_key", c.world.key_b_id, error=Denied)
    spare = await expect(c, c.admin, "create_api_key", A)
    revoked = await expect(c, c.admin, "revoke_api_key", spare.id)
    assert revoked.revoked_at is not None


async def _hook_of_a(c: Clients) -> str:
    created = await expect(c, c.admin, "create_webhook", "http://8.8.8.8/hook", tenant_id=A)
    assert created.tenant_id == A
    return str(created.id)


@method("create_webhook")
async def _create_webhook(c: Clients) -> None:
    await forged_is_denied(c, "create_webhook", "http://8.8.8.8/hook", tenant_id=B)
    await expect(c, c.plain, "create_webhook", "http://8.8.8.8/hook", tenant_id=B, error=Denied)
    await _hook_of_a(c)


@method("list_webhooks")
async def _list_webhooks(c: Clients) -> None:
    await forged_is_denied(c, "list_webhooks", tenant_id=B)
    await expect(c, c.plain, "list_webhooks", tenant_id=A, error=Denied)
    await _hook_of_a(c)
    assert await expect(c, c.admin, "list_webhooks", tenant_id=B) == []


for _name, _extra in (
    ("update_webhook", {"enabled": False}),
    ("delete_webhook", {}),
    ("test_webhook", {}),
    ("webhook_deliveries", {}),
):

    async def _hook_method(c: Clients, name: str = _name, extra: dict[str, Any] = _extra) -> None:
        hook = await _hook_of_a(c)
        await forged_is_denied(c, name, hook, **extra)
        await expect(c, c.plain, name, hook, **extra, error=Denied)
        await expect(c, c.admin, name, hook, **extra)

    method(_name)(_hook_method)


@method("set_tenant")
async def _set_tenant(c: Clients) -> None:
    c.plain.set_tenant(B)
    c.outcomes.append("set_tenant:local")
    try:
        await expect(c, c.plain, "stats", error=Denied)
        await expect(c, c.plain, "read", MARK_B, error=Denied)
    finally:
        c.plain.set_tenant(A)
    await expect(c, c.plain, "stats")


@method("with_namespace")
async def _with_namespace(c: Clients) -> None:
    view = c.plain.with_namespace("work")
    c.outcomes.append("with_namespace:local")
    found = await expect(c, view, "read", B_QUESTION, max_results=100)
    assert {m.namespace for m in found.memories} <= {"work"}


@method("close")
async def _close(c: Clients) -> None:
    c.outcomes.append("close:local")  # closing is done by the fixture, after the attacks


# The namespaced views: the same attacks, confined to B's namespace name.


@method("health", view=True)
async def _v_health(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "health")


@method("write", view=True)
async def _v_write(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "write", "Planted", error=Denied)
    written = await expect(c, c.plain.with_namespace("work"), "write", B_CONTENT)
    only_a(c, [written.memory_id])
    drop_copies(c, [written.memory_id])


@method("batch_write", view=True)
async def _v_batch_write(c: Clients) -> None:
    items = [{"content": B_CONTENT}]
    await expect(c, c.forged.with_namespace("work"), "batch_write", items, error=Denied)
    results = await expect(c, c.plain.with_namespace("work"), "batch_write", items)
    only_a(c, [r.memory_id for r in results])
    drop_copies(c, [r.memory_id for r in results])


@method("read", view=True)
async def _v_read(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "read", MARK_B, error=Denied)
    for namespace in ("work", "home"):
        found = await expect(
            c,
            c.plain.with_namespace(namespace),
            "read",
            MARK_B,
            include_silent=True,
            max_results=100,
        )
        only_a(c, [m.id for m in found.memories])
        assert {m.namespace for m in found.memories} <= {namespace}


@method("batch_read", view=True)
async def _v_batch_read(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "batch_read", [MARK_B], error=Denied)
    answers = await expect(c, c.plain.with_namespace("home"), "batch_read", [MARK_B, B_QUESTION])
    assert {m.namespace for a in answers for m in a.memories} <= {"home"}


@method("turn", view=True)
async def _v_turn(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "turn", B_QUESTION, error=Denied)
    turn = await expect(c, c.plain.with_namespace("work"), "turn", B_QUESTION, session_id=SESSION)
    only_a(c, turn.stored_ids)


@method("update", view=True)
async def _v_update(c: Clients) -> None:
    b_id = min(c.world.b_ids)
    view = c.plain.with_namespace("work")
    await expect(c, c.forged.with_namespace("work"), "update", b_id, text="x", error=Denied)
    await expect(c, view, "update", b_id, text="Hijacked", error=cml.NotFoundError)


@method("forget", view=True)
async def _v_forget(c: Clients) -> None:
    ids = sorted(c.world.b_ids)
    await expect(c, c.forged.with_namespace("work"), "forget", memory_ids=ids, error=Denied)
    gone = await expect(c, c.plain.with_namespace("work"), "forget", memory_ids=ids, hard=True)
    assert gone.affected_count == 0


@method("stats", view=True)
async def _v_stats(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "stats", error=Denied)
    stats = await expect(c, c.plain.with_namespace("home"), "stats")
    assert (stats.tenant_id, stats.namespace) == (A, "home")


@method("timeline", view=True)
async def _v_timeline(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "timeline", error=Denied)
    series = await expect(c, c.plain.with_namespace("home"), "timeline")
    stats = await expect(c, c.plain.with_namespace("home"), "stats")
    assert (series.tenant_id, series.namespace) == (A, "home")
    assert sum(b.total for b in series.buckets) == stats.total_memories


@method("iter_memories", view=True)
async def _v_iter_memories(c: Clients) -> None:
    await expect(c, c.plain.with_namespace("work"), "iter_memories", error=Denied)
    items = await expect(c, c.admin.with_namespace("home"), "iter_memories", status="all")
    assert items
    assert {i.namespace for i in items} == {"home"}
    only_a(c, [i.id for i in items])


@method("get", view=True)
async def _v_get(c: Clients) -> None:
    view = c.plain.with_namespace("work")
    await expect(c, c.forged.with_namespace("work"), "get", min(c.world.b_ids), error=Denied)
    await expect(c, view, "get", min(c.world.b_ids), error=cml.NotFoundError)
    home = await expect(c, c.plain.with_namespace("home"), "list_memories")
    assert home.items
    await expect(c, view, "get", home.items[0].id, error=cml.NotFoundError)


@method("history", view=True)
async def _v_history(c: Clients) -> None:
    view = c.plain.with_namespace("work")
    await expect(c, c.forged.with_namespace("work"), "history", min(c.world.b_ids), error=Denied)
    await expect(c, view, "history", min(c.world.b_ids), error=cml.NotFoundError)


@method("list_memories", view=True)
async def _v_list_memories(c: Clients) -> None:
    await expect(c, c.forged.with_namespace("work"), "list_memories", error=Denied)
    page = await expect(c, c.plain.with_namespace("home"), "list_memories", status="all")
    assert page.items
    assert {i.namespace for i in page.items} == {"home"}
    only_a(c, [i.id for i in page.items])


@method("set_tenant", view=True)
async def _v_set_tenant(c: Clients) -> None:
    view = c.plain.with_namespace("work")
    view.set_tenant(B)  # the view's tenant is its client's: set it back for the other cases
    try:
        await expect(c, view, "read", MARK_B, error=Denied)
    finally:
        view.set_tenant(A)


@method("with_namespace", view=True)
async def _v_with_namespace(c: Clients) -> None:
    nested = c.plain.with_namespace("work").with_namespace("home")  # namespace work/home
    found = await expect(c, nested, "read", B_QUESTION, max_results=100)
    assert found.memories == []


# --- fixtures and tests -------------------------------------------------------------------


def public_methods(cls: type) -> set[str]:
    """Public names of ``cls`` that are methods (properties are reached through the calls)."""
    return {
        name
        for name in dir(cls)
        if not name.startswith("_") and not isinstance(inspect.getattr_static(cls, name), property)
    }


NAMESPACED = {
    "write",
    "batch_write",
    "read",
    "batch_read",
    "turn",
    "update",
    "forget",
    "stats",
    "timeline",
    "iter_memories",
    "get",
    "history",
    "list_memories",
}
"""The methods a namespaced client confines (their routes are namespaced in the route table)."""


def test_every_public_method_has_a_case() -> None:
    for cls in (cml.AsyncCognitiveMemoryLayer, cml.CognitiveMemoryLayer):
        missing = public_methods(cls) - set(CASES)
        assert not missing, f"{cls.__name__} methods without an isolation case: {sorted(missing)}"
        assert not set(CASES) - public_methods(cls)
        # A namespaced client is the same class: its confined methods are attacked through it too.
        assert NAMESPACED <= set(VIEW_CASES) <= public_methods(cls)


@contextmanager
def serve_in_thread(world: World) -> Iterator[str]:
    """The world's app under uvicorn on a free loopback port; yields the ``/api/v1`` URL."""
    config = uvicorn.Config(
        world.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@asynccontextmanager
async def clients(kind: str, world: World) -> AsyncIterator[Clients]:
    # No lifespan runs: load the model as a started server has, so that ready() succeeds.
    world.app.state.readiness.load_now(world.engine)
    configs = {
        "plain": CMLConfig(api_key=world.key_a, max_retries=0),
        "forged": CMLConfig(api_key=world.key_a, tenant_id=B, max_retries=0),
        "admin": CMLConfig(
            api_key=world.key_a, admin_api_key=ADMIN_KEY, tenant_id=A, max_retries=0
        ),
    }
    if kind == "async":
        made = {
            name: cml.AsyncCognitiveMemoryLayer(
                config=config.replace(base_url="http://test"),
                transport=httpx.ASGITransport(app=world.app),
            )
            for name, config in configs.items()
        }
        try:
            yield Clients(world=world, outcomes=[], **made)
        finally:
            for client in made.values():
                await client.close()
        return
    with serve_in_thread(world) as url:
        blocking = {
            name: cml.CognitiveMemoryLayer(config=config.replace(base_url=url))
            for name, config in configs.items()
        }
        try:
            yield Clients(world=world, outcomes=[], **blocking)
        finally:
            for sync_client in blocking.values():
                sync_client.close()


@pytest.mark.parametrize("kind", ["async", "sync"])
async def test_no_client_method_reaches_another_tenant(kind: str, tmp_path: Path) -> None:
    with build_world(sqlite_url(tmp_path)) as world:
        before = world.b_state()
        async with clients(kind, world) as c:
            for name, case in sorted(CASES.items()):
                await case(c)
                assert any(o.startswith(f"{name}:") for o in c.outcomes), name
            for _, case in sorted(VIEW_CASES.items()):
                await case(c)
        assert world.b_state() == before
    # Every attack was made: at least one refusal per method that sends anything.
    refused = {o.split(":")[0] for o in c.outcomes if o.endswith("Error")}
    assert refused >= set(CASES) - LOCAL - {"health", "ready"}


def test_export_of_one_tenant_holds_nothing_of_another(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    with build_world(url) as world:
        expected = world.a_ids()
    output = tmp_path / "acme.jsonl"
    result = CliRunner().invoke(
        cli_app,
        ["export", "--database-url", url, "--tenant", A, "--output", str(output)],
        env={"CML_EMBEDDING_PROVIDER": "hash"},
    )
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    assert MARK_B not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert {line["tenant_id"] for line in lines} == {A}
    assert {line["id"] for line in lines} == expected
    assert not world.leak.found_in(text)
