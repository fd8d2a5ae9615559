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

from cml.models import admin, batch, integrity, lookup, memory, timeline, webhooks
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
    "INTEGRITY_CHECK",
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
    "TIMELINE",
    "TURN",
    "UPDATE",
    "UPDATE_WEBHOOK",
    "VERIFY_EVENTS",
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


def _get(
    path: str,
    response: type[ResultT],
    scope: Scope,
    *,
    namespaced: bool = False,
    stream: bool = False,
) -> Route[ResultT]:
    """A GET route: a read, so repeating it is harmless."""
    return Route(
        "GET", path, response, scope=scope, replayable=True, namespaced=namespaced, stream=stream
    )


def _write(
    path: str, request: type[RequestModel], response: type[ResultT], *, namespaced: bool = True
) -> Route[ResultT]:
    """A memory write: it takes an ``Idempotency-Key``, so that a repeat is stored once."""
    return Route("POST", path, response, request, Scope.WRITE, keyed=True, namespaced=namespaced)


def _query(path: str, request: type[RequestModel], response: type[ResultT]) -> Route[ResultT]:
    """A read sent as a POST: it only bumps access statistics, so repeating it is harmless."""
    return Route("POST", path, response, request, Scope.READ, replayable=True, namespaced=True)


def _admin(
    path: str, request: type[RequestModel], response: type[ResultT], *, replayable: bool = False
) -> Route[ResultT]:
    """An admin operation sent as a POST, without an ``Idempotency-Key``."""
    return Route("POST", path, response, request, Scope.ADMIN, replayable=replayable)


HEALTH = Route("GET", "/health", memory.HealthResponse, replayable=True)
# 200 once the server can serve a write (model loaded, database answering), 503 until then.
READY = Route("GET", "/ready", memory.HealthResponse, replayable=True)
WHOAMI = _get("/whoami", admin.WhoAmIResponse, Scope.READ)

WRITE = _write("/memory/write", memory.WriteRequest, memory.WriteResponse)
READ = _query("/memory/read", memory.ReadRequest, memory.ReadResponse)
TURN = _write("/memory/turn", memory.TurnRequest, memory.TurnResponse)
UPDATE = _write("/memory/update", memory.UpdateRequest, memory.UpdateResponse)
FORGET = _write("/memory/forget", memory.ForgetRequest, memory.ForgetResponse)
RESTORE = _write("/memory/restore", memory.RestoreRequest, memory.RestoreResponse, namespaced=False)
STATS = _get("/memory/stats", memory.StatsResponse, Scope.READ, namespaced=True)
TIMELINE = _get("/memory/stats/timeline", timeline.TimelineResponse, Scope.READ, namespaced=True)
BATCH_WRITE = _write("/memory/batch_write", batch.BatchWriteRequest, batch.BatchWriteResponse)
BATCH_READ = _query("/memory/batch_read", batch.BatchReadRequest, batch.BatchReadResponse)
# The tenant's own memories, for read keys: one by id, its versions, and the listing. A client
# bound to a namespace sends it as the query's namespace, so anything elsewhere is a 404.
GET_MEMORY = _get("/memories/{memory_id}", batch.MemoryRecordOut, Scope.READ, namespaced=True)
MEMORY_HISTORY = _get(
    "/memories/{memory_id}/history", lookup.HistoryPage, Scope.READ, namespaced=True
)
LIST_OWN_MEMORIES = _get("/memories", batch.MemoryPage, Scope.READ, namespaced=True)

LIST_MEMORIES = _get("/admin/memories", batch.MemoryPage, Scope.ADMIN, namespaced=True)
# Not replayable: the route takes no Idempotency-Key, and a repeat would mint a second key.
CREATE_KEY = _admin("/admin/keys", admin.CreateKeyRequest, admin.ApiKeyCreated)
LIST_KEYS: Route[list[admin.ApiKeyInfo]] = _get("/admin/keys", list[admin.ApiKeyInfo], Scope.ADMIN)
REVOKE_KEY = Route(
    "DELETE", "/admin/keys/{key_id}", admin.ApiKeyInfo, scope=Scope.ADMIN, replayable=True
)
# Not replayable: a repeat of an applied run would act again (or hit the running job's 409).
CONSOLIDATE = _admin("/admin/consolidate", admin.ConsolidateRequest, admin.ConsolidateResponse)
RUN_FORGETTING = _admin("/admin/forget", admin.ForgettingRequest, admin.ForgettingResponse)
# Purging twice purges the same memories once.
PURGE = _admin("/admin/purge", admin.PurgeRequest, admin.PurgeResponse, replayable=True)
LIST_TENANTS: Route[list[admin.TenantInfo]] = _get(
    "/admin/tenants", list[admin.TenantInfo], Scope.ADMIN
)
GET_EVENTS = _get("/admin/events", admin.EventPage, Scope.ADMIN)
STREAM_EVENTS = _get("/admin/events/stream", admin.EventItem, Scope.ADMIN, stream=True)
VERIFY_EVENTS = _get("/admin/events/verify", admin.LogVerification, Scope.ADMIN)
COMPONENTS = _get("/admin/components", admin.ComponentHealth, Scope.ADMIN)
# Replayable: the check only reads (a second one while the first runs answers 409).
INTEGRITY_CHECK = Route(
    "POST", "/admin/integrity-check", integrity.IntegrityReport, None, Scope.ADMIN, replayable=True
)
# Webhooks: not replayable when creating (a repeat would subscribe twice) or testing (a repeat
# sends a second test); changing, deleting and listing are.
CREATE_WEBHOOK = _admin("/admin/webhooks", webhooks.CreateWebhookRequest, webhooks.WebhookCreated)
LIST_WEBHOOKS: Route[list[webhooks.WebhookInfo]] = _get(
    "/admin/webhooks", list[webhooks.WebhookInfo], Scope.ADMIN
)
UPDATE_WEBHOOK = Route(
    "PATCH",
    "/admin/webhooks/{webhook_id}",
    webhooks.WebhookInfo,
    webhooks.UpdateWebhookRequest,
    Scope.ADMIN,
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
    "POST", "/admin/webhooks/{webhook_id}/test", webhooks.WebhookDelivery, None, Scope.ADMIN
)
LIST_WEBHOOK_DELIVERIES: Route[list[webhooks.WebhookDelivery]] = _get(
    "/admin/webhooks/{webhook_id}/deliveries", list[webhooks.WebhookDelivery], Scope.ADMIN
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
    TIMELINE,
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
    VERIFY_EVENTS,
    COMPONENTS,
    INTEGRITY_CHECK,
    CREATE_WEBHOOK,
    LIST_WEBHOOKS,
    UPDATE_WEBHOOK,
    DELETE_WEBHOOK,
    TEST_WEBHOOK,
    LIST_WEBHOOK_DELIVERIES,
)
"""Every route of the API, in the order the README's table lists them."""
