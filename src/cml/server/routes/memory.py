"""``/memory/*``: the memory routes, mapped onto ``engine.memories``.

Write, read, turn, update, forget, stats (now and over time) and the batch routes.

The engine is synchronous. The reads and the changes are ``async`` routes that hand the engine
call to :func:`~cml.server.blocking.run_engine`: the worker pool over a socket (so a slow
embedding never blocks the event loop), the caller's own thread in the embedded sync client (one
thread trip fewer either way: FastAPI validates a ``def`` route's response in the pool too;
decisions 87 and 93). The batch write (up to seconds of embedding) and the counting routes
(stats, timeline) are plain ``def`` functions, which FastAPI runs in the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request

from cml import models
from cml.models import routes
from cml.server import work
from cml.server.auth import Principal, ReadPrincipal, WritePrincipal
from cml.server.blocking import run_engine
from cml.server.deps import EngineDep, IdempotencyKey, require_json
from cml.server.routes import endpoint

__all__ = ["router"]

router = APIRouter(tags=["memory"])

_json_body = [Depends(require_json)]

_Result = TypeVar("_Result")


@dataclass(frozen=True)
class _Write:
    """A mutating request's caller and ``Idempotency-Key``, passed on the same way by each route."""

    principal: Principal
    idempotency_key: str | None

    def run(self, operation: Callable[..., _Result], body: Any, **options: Any) -> _Result:
        """``operation(tenant, body, idempotency_key=..., actor=..., **options)``."""
        return operation(
            self.principal.tenant_id,
            body,
            idempotency_key=self.idempotency_key,
            actor=self.principal.actor,
            **options,
        )


async def _write(principal: WritePrincipal, idempotency_key: IdempotencyKey = None) -> _Write:
    return _Write(principal, idempotency_key)


WriteCall = Annotated[_Write, Depends(_write)]
"""A write-scoped caller and the request's ``Idempotency-Key``."""


@endpoint(router, routes.WRITE, dependencies=_json_body)
async def write(
    request: Request, body: models.WriteRequest, call: WriteCall, engine: EngineDep
) -> models.WriteResponse:
    """Store one memory.

    Through the write gate: secrets are refused, personal data redacted, the type inferred,
    and a near-duplicate reinforces the stored memory instead (``deduplicated``).
    """
    work.charge(request, call.principal.key_id, [body.content])
    return await run_engine(request, call.run, engine.memories.write, body)


@endpoint(router, routes.BATCH_WRITE, dependencies=_json_body)
def batch_write(
    request: Request, body: models.BatchWriteRequest, call: WriteCall, engine: EngineDep
) -> models.BatchWriteResponse:
    """Store many memories at once.

    Up to 500 memories in one transaction (all or nothing), embedded in one batch; results
    in input order.
    """
    work.charge(request, call.principal.key_id, [item.content for item in body.items])
    with work.batch_slot(request, call.principal.key_id):
        return call.run(engine.memories.write_batch, body, deadline=work.deadline(request))


@endpoint(router, routes.BATCH_READ, dependencies=_json_body)
async def batch_read(
    request: Request, body: models.BatchReadRequest, principal: ReadPrincipal, engine: EngineDep
) -> models.BatchReadResponse:
    """Run several reads at once.

    Up to 100 reads in one request; results in query order.
    """
    work.charge(request, principal.key_id, [query.query for query in body.queries])
    with work.batch_slot(request, principal.key_id):
        return await run_engine(
            request,
            engine.memories.read_batch,
            principal.tenant_id,
            body,
            deadline=work.deadline(request),
        )


@endpoint(router, routes.READ, dependencies=_json_body)
async def read(
    request: Request, body: models.ReadRequest, principal: ReadPrincipal, engine: EngineDep
) -> models.ReadResponse:
    """Recall memories relevant to a query.

    Hybrid full-text and vector search, reranked; ``format`` picks a ranked list, a packet
    sorted by kind, or a prompt-ready context block.
    """
    work.charge(request, principal.key_id, [body.query])
    return await run_engine(request, engine.memories.read, principal.tenant_id, body)


@endpoint(router, routes.TURN, dependencies=_json_body)
async def turn(
    request: Request, body: models.TurnRequest, call: WriteCall, engine: EngineDep
) -> models.TurnResponse:
    """Context for a chat turn, and storage of it.

    The memory context for the user's message, and the exchange stored (once per
    idempotency key).
    """
    work.charge(
        request, call.principal.key_id, [body.user_message + (body.assistant_response or "")]
    )
    return await run_engine(request, call.run, engine.memories.turn, body)


@endpoint(
    router,
    routes.UPDATE,
    dependencies=_json_body,
    responses={404: {"description": "No memory with this id in the tenant (or namespace)."}},
)
async def update(
    request: Request, body: models.UpdateRequest, call: WriteCall, engine: EngineDep
) -> models.UpdateResponse:
    """Update one memory.

    Its text, importance, confidence or metadata, or feedback on it; the version increments.
    """
    return await run_engine(request, call.run, engine.memories.update, body)


@endpoint(router, routes.FORGET, dependencies=_json_body)
async def forget(
    request: Request, body: models.ForgetRequest, call: WriteCall, engine: EngineDep
) -> models.ForgetResponse:
    """Forget memories.

    By ids, similarity to a query, age or session (combined with AND); restorable until
    purged unless ``hard``.
    """
    return await run_engine(request, call.run, engine.memories.forget, body)


@endpoint(router, routes.RESTORE, dependencies=_json_body)
async def restore(
    request: Request, body: models.RestoreRequest, call: WriteCall, engine: EngineDep
) -> models.RestoreResponse:
    """Restore forgotten memories.

    Soft-deleted (not yet purged), silenced or superseded memories become active again; a
    superseded one is no longer retired.
    """
    return await run_engine(request, call.run, engine.admin.restore, body)


@endpoint(router, routes.STATS)
def stats(
    principal: ReadPrincipal,
    engine: EngineDep,
    namespace: Annotated[str | None, Query(pattern=models.NAMESPACE_PATTERN)] = None,
) -> models.StatsResponse:
    """Count memories by type and status.

    The store's size on disk is shown to global operator keys only (it reflects every tenant).
    """
    stats = engine.memories.stats(principal.tenant_id, namespace)
    if not principal.all_tenants:
        # The store's size moves with every tenant's writes: a tenant key must not watch it.
        stats.storage_bytes = None
    return stats


@endpoint(router, routes.TIMELINE)
def timeline(
    query: Annotated[models.TimelineQuery, Query()], principal: ReadPrincipal, engine: EngineDep
) -> models.TimelineResponse:
    """Count memories stored per day or week, by type.

    Every UTC day (or week from Monday) from ``since`` to ``until``, empty ones included; 30
    days (12 weeks) up to now by default. Deleted memories are left out.
    """
    return engine.memories.timeline(principal.tenant_id, query)
