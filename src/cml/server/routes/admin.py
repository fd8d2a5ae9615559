"""``/admin/*``: the admin routes (admin keys only).

API keys, consolidation, forgetting, purge, tenants, the event log and component health.

The tenant comes from the body or query (``tenant_id``), else from ``X-Tenant-ID``, else the
key's own. An admin key administers its own tenant and its extra tenants (403 for any other, and
its listings show only those); a global operator key administers every tenant.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import StreamingResponse

from cml import models
from cml.engine.admin import EventFilter
from cml.models import routes
from cml.server.auth import AdminPrincipal, Principal, revocation_check
from cml.server.deps import EngineDep, SettingsDep, require_json
from cml.server.errors import HTTPProblem
from cml.server.routes import CursorQuery, TenantQuery, endpoint
from cml.server.scheduler import Scheduler, scheduler_health
from cml.server.sse import LAST_EVENT_ID_PATTERN, EventStream

__all__ = ["router"]

router = APIRouter(tags=["admin"])


@endpoint(router, routes.CREATE_KEY, status_code=201, dependencies=[Depends(require_json)])
def create_key(
    body: models.CreateKeyRequest, principal: AdminPrincipal, engine: EngineDep
) -> models.ApiKeyCreated:
    """Create an API key.

    The answer is the only time the key's secret is shown: store it then. ``all_tenants``
    says which kind it is: a global operator key, or a key bound to its tenants.
    """
    for tenant in (body.tenant_id, *body.extra_tenants):
        principal.check_tenant(tenant)
    if models.Scope.OPERATOR in body.scopes and not principal.all_tenants:
        raise HTTPProblem(
            403,
            "forbidden",
            "Only a global operator key may create another global operator key.",
            field="scopes",
            hint="Ask for the admin scope (bound to this key's tenants) instead of operator.",
        )
    return engine.keys.create(body, actor=principal.actor)


@endpoint(router, routes.LIST_KEYS)
def list_keys(
    principal: AdminPrincipal, engine: EngineDep, tenant_id: TenantQuery = None
) -> list[models.ApiKeyInfo]:
    """List API keys.

    Of every tenant the key administers, or of ``tenant_id``; revoked ones included, secrets
    never.
    """
    if tenant_id is not None:
        principal.check_tenant(tenant_id)
    return engine.keys.list(tenant_id, among=principal.visible_tenants)


@endpoint(router, routes.REVOKE_KEY, responses={404: {"description": "No API key with this id."}})
def revoke_key(
    key_id: Annotated[str, Path(pattern=models.ID_PATTERN)],
    principal: AdminPrincipal,
    engine: EngineDep,
) -> models.ApiKeyInfo:
    """Revoke an API key.

    It stops working at once, on every server sharing the database.
    """
    return engine.keys.revoke(key_id, actor=principal.actor, among=principal.visible_tenants)


# -- operations (consolidation, forgetting, purge, tenants, events, components) ------------------


def _tenant(principal: Principal, explicit: str | None) -> str:
    # The body/query names the tenant, else X-Tenant-ID / the key's (checked at authentication).
    return principal.check_tenant(explicit) if explicit else principal.tenant_id


_JOB_RUNNING: dict[int | str, dict[str, Any]] = {
    409: {"description": "The job is already running for this tenant (job_running)."}
}


@endpoint(router, routes.CONSOLIDATE, dependencies=[Depends(require_json)], responses=_JOB_RUNNING)
def consolidate(
    principal: AdminPrincipal, engine: EngineDep, body: models.ConsolidateRequest | None = None
) -> models.ConsolidateResponse:
    """Consolidate episodes into semantic facts.

    Samples the tenant's recent episodes, groups those that say the same thing and writes one
    fact per group, linked to its episodes. 409 ``job_running`` while a run of the tenant is
    under way.
    """
    body = body or models.ConsolidateRequest()
    return engine.admin.consolidate(
        _tenant(principal, body.tenant_id), namespace=body.user_id, actor=principal.actor
    )


@endpoint(
    router, routes.RUN_FORGETTING, dependencies=[Depends(require_json)], responses=_JOB_RUNNING
)
def run_forgetting(
    principal: AdminPrincipal, engine: EngineDep, body: models.ForgettingRequest | None = None
) -> models.ForgettingResponse:
    """Run active forgetting (a dry run by default).

    Scores every memory and plans KEEP, DECAY, SILENCE, COMPRESS or DELETE; applies the plan
    only with ``dry_run`` false. 409 ``job_running`` while a run of the tenant is under way.
    """
    body = body or models.ForgettingRequest()
    return engine.admin.run_forgetting(
        _tenant(principal, body.tenant_id),
        namespace=body.user_id,
        dry_run=body.dry_run,
        max_memories=body.max_memories,
        actor=principal.actor,
    )


@endpoint(router, routes.PURGE, dependencies=[Depends(require_json)])
def purge(
    principal: AdminPrincipal, engine: EngineDep, body: models.PurgeRequest | None = None
) -> models.PurgeResponse:
    """Purge forgotten memories for good.

    Deletes the tenant's soft-deleted memories and their history (only those deleted before
    ``older_than`` when given); they can no longer be restored.
    """
    body = body or models.PurgeRequest()
    return engine.admin.purge(
        _tenant(principal, body.tenant_id), older_than=body.older_than, actor=principal.actor
    )


@endpoint(router, routes.LIST_TENANTS)
def list_tenants(principal: AdminPrincipal, engine: EngineDep) -> list[models.TenantInfo]:
    """List tenants with their counts.

    Every tenant the key administers, with its memory, fact and event counts and its last
    activity.
    """
    visible = principal.visible_tenants
    return [t for t in engine.admin.list_tenants() if visible is None or t.tenant_id in visible]


_TypeQuery = Annotated[str | None, Query(pattern=models.ID_PATTERN)]


@endpoint(router, routes.GET_EVENTS)
def get_events(
    principal: AdminPrincipal,
    engine: EngineDep,
    tenant_id: TenantQuery = None,
    cursor: CursorQuery = None,
    page: Annotated[
        int | None, Query(ge=1, description="Page number (the first when omitted).")
    ] = None,
    per_page: Annotated[int, Query(ge=1, le=models.MAX_PAGE_SIZE)] = 50,
    event_type: _TypeQuery = None,
    since: models.Timestamp = None,
) -> models.EventPage:
    """Read the event log, newest first.

    One page of the tenant's events; pass ``next_cursor`` back as ``cursor`` for the next one.
    """
    return engine.admin.events(
        _tenant(principal, tenant_id),
        EventFilter(event_type, since),
        page=page,
        cursor=cursor,
        per_page=per_page,
    )


@endpoint(
    router,
    routes.STREAM_EVENTS,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    request: Request,
    principal: AdminPrincipal,
    engine: EngineDep,
    settings: SettingsDep,
    tenant_id: TenantQuery = None,
    event_type: _TypeQuery = None,
    since: models.Timestamp = None,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", pattern=LAST_EVENT_ID_PATTERN)
    ] = None,
) -> StreamingResponse:
    """Follow the event log live (server-sent events).

    Each event is one SSE message whose ``id`` is the event's; reconnect with
    ``Last-Event-ID`` to resume right after it, or ``since`` to replay from a time.
    """
    stream = EventStream(
        engine,
        _tenant(principal, tenant_id),
        event_type=event_type,
        since=since,
        last_event_id=last_event_id,
        heartbeat=settings.events_heartbeat_seconds,
        max_idle=settings.events_stream_idle_seconds,
        authorized=revocation_check(request, principal, engine),
    )
    return StreamingResponse(
        stream.lines(request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@endpoint(router, routes.VERIFY_EVENTS)
def verify_events(
    principal: AdminPrincipal, engine: EngineDep, tenant_id: TenantQuery = None
) -> models.LogVerification:
    """Verify the event log's hash chain.

    Recomputes every event's hash of the tenant, oldest first, and reports the first broken
    link (event id and position: changed, removed or reordered events) or ``ok`` with the
    number of events checked.
    """
    return engine.admin.verify_log(_tenant(principal, tenant_id))


@endpoint(router, routes.COMPONENTS)
def component_health(
    request: Request, principal: AdminPrincipal, engine: EngineDep
) -> models.ComponentHealth:
    """Probe every component.

    Database, vector index, embedder, LLM and scheduler, each with a real probe; a broken
    component is reported while the route still answers 200.
    """
    components = engine.admin.components()
    scheduler: Scheduler | None = getattr(request.app.state, "scheduler", None)
    health = scheduler_health(scheduler, engine.integrity.last)
    components["scheduler"] = models.ComponentStatus.model_validate(health)
    broken = any(c.status == "unhealthy" for c in components.values())
    return models.ComponentHealth(status="degraded" if broken else "healthy", components=components)


@endpoint(router, routes.INTEGRITY_CHECK, responses={409: {"description": "A check is running."}})
def integrity_check(principal: AdminPrincipal, engine: EngineDep) -> models.IntegrityReport:
    """Check the whole store for damage.

    Reads every page and index (seconds per GB; requests go on meanwhile). Damage found makes
    every memory request answer ``500 database_damaged`` (not retryable) and health report
    the database damaged until the server restarts on a restored or recovered store.
    """
    return engine.integrity.check(trigger="api")
