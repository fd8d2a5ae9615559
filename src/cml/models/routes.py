"""The route table: every route of the API, stated once for the SDK and the server.

Each :class:`Route` names its method and path (under :data:`API_PREFIX`), the models of its body
and of its answer, the scope a key needs, and how the SDK may send it: whether a write carries
an ``Idempotency-Key``, whether a repeat is harmless, and whether a client bound to a namespace
(``with_namespace``) confines the call to it. The SDK builds its calls from this table; the
server registers its routes from it, and a test checks that the app serves exactly these routes
with exactly these scopes.

Example:
    ```python
    from cml.models.routes import API_PREFIX, WRITE

    assert (WRITE.method, API_PREFIX + WRITE.path) == ("POST", "/api/v1/memory/write")
    ```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cml.models import admin, batch, lookup, memory, webhooks
from cml.models._fields import RequestModel
from cml.models.enums import Scope

__all__ = [
    "API_PREFIX",
    "BATCH_READ",
    "BATCH_WRITE",
    "COMPONENTS",
    "CONSOLIDATE",
    "CREATE_KEY",
    "CREATE_WEBHOOK",
    "DELETE_WEBHOOK",
    "FORGET",
    "GET_EVENTS",
    "GET_MEMORY",
    "HEALTH",
    "LIST_KEYS",
    "LIST_MEMORIES",
    "LIST_OWN_MEMORIES",
    "LIST_TENANTS",
    "LIST_WEBHOOKS",
    "LIST_WEBHOOK_DELIVERIES",
    "MEMORY_HISTORY",
    "PURGE",
    "READ",
    "READY",
    "RESTORE",
    "REVOKE_KEY",
    "ROUTES",
    "RUN_FORGETTING",
    "STATS",
    "STREAM_EVENTS",
    "TEST_WEBHOOK",
    "TURN",
    "UPDATE",
    "UPDATE_WEBHOOK",
    "WHOAMI",
    "WRITE",
    "Route",
]

API_PREFIX = "/api/v1"
"""Every route lives under this prefix."""

ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class Route(Generic[ResultT]):
    """One route of the API.

    Attributes:
        method: HTTP method.
        path: Path under :data:`API_PREFIX`; ``{name}`` placeholders are filled per call.
        response: Type of a 2xx answer's JSON body (of each event's data, for a stream).
        request: Model of the JSON body, if the route takes one.
        scope: Scope the API key needs; ``None`` for a public route.
        keyed: A write that takes an ``Idempotency-Key``, so that a repeat is stored once.
        replayable: Sending it twice does no harm even without a key (reads, GET, DELETE).
        namespaced: Confined to the namespace of a client bound to one (``with_namespace``):
            the body's or the query's ``namespace``.
        stream: Answers with server-sent events, one ``response`` per event.
    """

    method: str
    path: str
    response: type[ResultT]
    request: type[RequestModel] | None = None
    scope: Scope | None = None
    keyed: bool = False
    replayable: bool = False
    namespaced: bool = False
    stream: bool = False


HEALTH = Route("GET", "/health", memory.HealthResponse, replayable=True)
# 200 once the server can serve a write (model loaded, database answering), 503 until then.
READY = Route("GET", "/ready", memory.HealthResponse, replayable=True)
WHOAMI = Route("GET", "/whoami", admin.WhoAmIResponse, scope=Scope.READ, replayable=True)

WRITE = Route(
    "POST",
    "/memory/write",
    memory.WriteResponse,
    request=memory.WriteRequest,
    scope=Scope.WRITE,
    keyed=True,
    namespaced=True,
)
# A read only bumps access statistics, so repeating it is harmless.
READ = Route(
    "POST",
    "/memory/read",
    memory.ReadResponse,
    request=memory.ReadRequest,
    scope=Scope.READ,
    replayable=True,
    namespaced=True,
)
TURN = Route(
    "POST",
    "/memory/turn",
    memory.TurnResponse,
    request=memory.TurnRequest,
    scope=Scope.WRITE,
    keyed=True,
    namespaced=True,
)
UPDATE = Route(
    "POST",
    "/memory/update",
    memory.UpdateResponse,
    request=memory.UpdateRequest,
    scope=Scope.WRITE,
    keyed=True,
    namespaced=True,
)
FORGET = Route(
    "POST",
    "/memory/forget",
    memory.ForgetResponse,
    request=memory.ForgetRequest,
    scope=Scope.WRITE,
    keyed=True,
    namespaced=True,
)
RESTORE = Route(
    "POST",
    "/memory/restore",
    memory.RestoreResponse,
    request=memory.RestoreRequest,
    scope=Scope.WRITE,
    keyed=True,
)
STATS = Route(
    "GET", "/memory/stats", memory.StatsResponse, scope=Scope.READ, replayable=True, namespaced=True
)
BATCH_WRITE = Route(
    "POST",
    "/memory/batch_write",
    batch.BatchWriteResponse,
    request=batch.BatchWriteRequest,
    scope=Scope.WRITE,
    keyed=True,
    namespaced=True,
)
BATCH_READ = Route(
    "POST",
    "/memory/batch_read",
    batch.BatchReadResponse,
    request=batch.BatchReadRequest,
    scope=Scope.READ,
    replayable=True,
    namespaced=True,
)
# The tenant's own memories, for read keys: one by id, its versions, and the listing. A client
# bound to a namespace sends it as the query's namespace, so anything elsewhere is a 404.
GET_MEMORY = Route(
    "GET",
    "/memories/{memory_id}",
    batch.MemoryRecordOut,
    scope=Scope.READ,
    replayable=True,
    namespaced=True,
)
MEMORY_HISTORY = Route(
    "GET",
    "/memories/{memory_id}/history",
    lookup.HistoryPage,
    scope=Scope.READ,
    replayable=True,
    namespaced=True,
)
LIST_OWN_MEMORIES = Route(
    "GET", "/memories", batch.MemoryPage, scope=Scope.READ, replayable=True, namespaced=True
)

LIST_MEMORIES = Route(
    "GET", "/admin/memories", batch.MemoryPage, scope=Scope.ADMIN, replayable=True, namespaced=True
)
# Not replayable: the route takes no Idempotency-Key, and a repeat would mint a second key.
CREATE_KEY = Route(
    "POST", "/admin/keys", admin.ApiKeyCreated, request=admin.CreateKeyRequest, scope=Scope.ADMIN
)
LIST_KEYS: Route[list[admin.ApiKeyInfo]] = Route(
    "GET", "/admin/keys", list[admin.ApiKeyInfo], scope=Scope.ADMIN, replayable=True
)
REVOKE_KEY = Route(
    "DELETE", "/admin/keys/{key_id}", admin.ApiKeyInfo, scope=Scope.ADMIN, replayable=True
)
# Not replayable: a repeat of an applied run would act again (or hit the running job's 409).
CONSOLIDATE = Route(
    "POST",
    "/admin/consolidate",
    admin.ConsolidateResponse,
    request=admin.ConsolidateRequest,
    scope=Scope.ADMIN,
)
RUN_FORGETTING = Route(
    "POST",
    "/admin/forget",
    admin.ForgettingResponse,
    request=admin.ForgettingRequest,
    scope=Scope.ADMIN,
)
# Purging twice purges the same memories once.
PURGE = Route(
    "POST",
    "/admin/purge",
    admin.PurgeResponse,
    request=admin.PurgeRequest,
    scope=Scope.ADMIN,
    replayable=True,
)
LIST_TENANTS: Route[list[admin.TenantInfo]] = Route(
    "GET", "/admin/tenants", list[admin.TenantInfo], scope=Scope.ADMIN, replayable=True
)
GET_EVENTS = Route("GET", "/admin/events", admin.EventPage, scope=Scope.ADMIN, replayable=True)
STREAM_EVENTS = Route(
    "GET", "/admin/events/stream", admin.EventItem, scope=Scope.ADMIN, replayable=True, stream=True
)
COMPONENTS = Route(
    "GET", "/admin/components", admin.ComponentHealth, scope=Scope.ADMIN, replayable=True
)
# Webhooks: not replayable when creating (a repeat would subscribe twice) or testing (a repeat
# sends a second test); changing, deleting and listing are.
CREATE_WEBHOOK = Route(
    "POST",
    "/admin/webhooks",
    webhooks.WebhookCreated,
    request=webhooks.CreateWebhookRequest,
    scope=Scope.ADMIN,
)
LIST_WEBHOOKS: Route[list[webhooks.WebhookInfo]] = Route(
    "GET", "/admin/webhooks", list[webhooks.WebhookInfo], scope=Scope.ADMIN, replayable=True
)
UPDATE_WEBHOOK = Route(
    "PATCH",
    "/admin/webhooks/{webhook_id}",
    webhooks.WebhookInfo,
    request=webhooks.UpdateWebhookRequest,
    scope=Scope.ADMIN,
    replayable=True,
)
DELETE_WEBHOOK = Route(
    "DELETE",
    "/admin/webhooks/{webhook_id}",
    webhooks.WebhookInfo,
    scope=Scope.ADMIN,
    replayable=True,
)
TEST_WEBHOOK = Route(
    "POST",
    "/admin/webhooks/{webhook_id}/test",
    webhooks.WebhookDelivery,
    scope=Scope.ADMIN,
)
LIST_WEBHOOK_DELIVERIES: Route[list[webhooks.WebhookDelivery]] = Route(
    "GET",
    "/admin/webhooks/{webhook_id}/deliveries",
    list[webhooks.WebhookDelivery],
    scope=Scope.ADMIN,
    replayable=True,
)

ROUTES: tuple[Route[Any], ...] = (
    HEALTH,
    READY,
    WHOAMI,
    WRITE,
    READ,
    TURN,
    UPDATE,
    FORGET,
    RESTORE,
    STATS,
    BATCH_WRITE,
    BATCH_READ,
    GET_MEMORY,
    MEMORY_HISTORY,
    LIST_OWN_MEMORIES,
    LIST_MEMORIES,
    CREATE_KEY,
    LIST_KEYS,
    REVOKE_KEY,
    CONSOLIDATE,
    RUN_FORGETTING,
    PURGE,
    LIST_TENANTS,
    GET_EVENTS,
    STREAM_EVENTS,
    COMPONENTS,
    CREATE_WEBHOOK,
    LIST_WEBHOOKS,
    UPDATE_WEBHOOK,
    DELETE_WEBHOOK,
    TEST_WEBHOOK,
    LIST_WEBHOOK_DELIVERIES,
)
"""Every route of the API, in the order the README's table lists them."""
