"""``GET /admin/memories``: the tenant's memories in full, page by page (admin keys only).

Pages are keyset pages in id order: ``cursor`` is the ``next_cursor`` of the previous page.
``page`` (an offset) is not supported beyond the first page, because offsets skip or repeat
memories when others are written or deleted during the walk (see :mod:`cml.engine.listing`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cml.models import (
    MAX_PAGE_SIZE,
    NAME_PATTERN,
    NAMESPACE_PATTERN,
    MemoryListQuery,
    MemoryPage,
    MemoryType,
    routes,
)
from cml.models.lookup import STATUS_FILTER_PATTERN
from cml.server.auth import AdminPrincipal
from cml.server.deps import EngineDep
from cml.server.errors import HTTPProblem
from cml.server.routes import CursorQuery, endpoint

__all__ = ["router"]

router = APIRouter(tags=["admin"])


@endpoint(router, routes.LIST_MEMORIES)
def list_memories(
    principal: AdminPrincipal,
    engine: EngineDep,
    cursor: CursorQuery = None,
    per_page: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    status: Annotated[
        str,
        Query(
            max_length=16,
            description="A memory status, or 'all'.",
            json_schema_extra={"pattern": STATUS_FILTER_PATTERN},
        ),
    ] = "active",
    memory_types: Annotated[
        list[MemoryType] | None, Query(alias="type", description="Repeat for several types.")
    ] = None,
    namespace: Annotated[str | None, Query(pattern=NAMESPACE_PATTERN)] = None,
    page: Annotated[
        int | None,
        Query(ge=1, description="Only 1; use cursor after that.", json_schema_extra={"maximum": 1}),
    ] = None,
    tenant_id: Annotated[
        str | None,
        Query(
            pattern=NAME_PATTERN, description="The tenant to list (else X-Tenant-ID or the key's)."
        ),
    ] = None,
) -> MemoryPage:
    """List memories in full, one page at a time.

    In id (creation) order, keyset-paged: pass ``next_cursor`` back as ``cursor``.

    Like every admin route, the tenant is ``tenant_id`` when given, else ``X-Tenant-ID``, else the
    key's own: an admin key lists the tenants it administers, a global operator key any.
    """
    if page is not None and page > 1:
        raise HTTPProblem(
            422,
            "validation_error",
            "Offset pages are not supported: pass the previous page's next_cursor as cursor.",
            field="page",
            hint="Offsets skip or repeat memories while others are written; cursors never do.",
        )
    query = MemoryListQuery(
        cursor=cursor,
        per_page=per_page,
        status=status,
        memory_types=memory_types,
        namespace=namespace,
    )
    tenant = principal.check_tenant(tenant_id) if tenant_id else principal.tenant_id
    return engine.memories.list_memories(tenant, query)
