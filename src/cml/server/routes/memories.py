"""``/memories``: a tenant's own memories for read keys: one by id, its history, the listing.

The listing pages by cursor in id order like the admin one (``GET /admin/memories``), but acts
only on the tenant the key may read, and filters by type, status, namespace, metadata, context
tag, agent and the memory that retired them. A memory of another tenant, or outside the
namespace the query names, is a 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cml import models
from cml.models import routes
from cml.server.auth import ReadPrincipal
from cml.server.deps import EngineDep
from cml.server.routes import endpoint

__all__ = ["router"]

router = APIRouter(tags=["memory"])

_NOT_FOUND: dict[int | str, dict[str, str]] = {
    404: {"description": "No memory with this id in the tenant (or the namespace named)."}
}
MemoryIdPath = Annotated[str, Path(pattern=models.ID_PATTERN)]


@endpoint(router, routes.LIST_OWN_MEMORIES)
def list_memories(
    query: Annotated[models.MemoryListQuery, Query()], principal: ReadPrincipal, engine: EngineDep
) -> models.MemoryPage:
    """List the tenant's memories, filtered (a read key is enough).

    In id (creation) order, keyset-paged: pass ``next_cursor`` back as ``cursor``. Filters by
    type, status, namespace, metadata (JSON equality per key), context tags (any), agent, and
    the memory that retired them (``superseded_by``).
    """
    return engine.memories.list_memories(principal.tenant_id, query)


@endpoint(router, routes.GET_MEMORY, responses=_NOT_FOUND)
def get_memory(
    memory_id: MemoryIdPath,
    principal: ReadPrincipal,
    engine: EngineDep,
    namespace: Annotated[str | None, Query(pattern=models.NAMESPACE_PATTERN)] = None,
) -> models.MemoryRecordOut:
    """Get one memory in full.

    Whatever its status; another tenant's memory is the same 404 as a missing one.
    """
    return engine.memories.get(principal.tenant_id, memory_id, namespace=namespace)


@endpoint(router, routes.MEMORY_HISTORY, responses=_NOT_FOUND)
def memory_history(
    memory_id: MemoryIdPath,
    query: Annotated[models.HistoryQuery, Query()],
    principal: ReadPrincipal,
    engine: EngineDep,
) -> models.HistoryPage:
    """A memory's history, newest state first.

    The current state and the kept versions, one keyset page at a time.
    """
    return engine.memories.history(
        principal.tenant_id,
        memory_id,
        cursor=query.cursor,
        limit=query.per_page,
        namespace=query.namespace,
    )
