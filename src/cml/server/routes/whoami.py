"""``GET /whoami``: the API key a request is made with, the tenant it acts on, what it may do."""

from __future__ import annotations

from fastapi import APIRouter

from cml.models import Scope, WhoAmIResponse, routes
from cml.server.auth import ReadPrincipal
from cml.server.routes import endpoint

__all__ = ["router"]

router = APIRouter(tags=["health"])


@endpoint(router, routes.WHOAMI)
async def whoami(principal: ReadPrincipal) -> WhoAmIResponse:
    """Who is calling: key, tenant and scopes.

    The key's id, the tenant this request acts on, the key's own tenant, its scopes and the
    tenants it may act on.
    """
    return WhoAmIResponse(
        key_id=principal.key_id,
        tenant_id=principal.tenant_id,
        key_tenant_id=principal.key_tenant_id,
        scopes=sorted(principal.scopes, key=list(Scope).index),
        tenants=list(principal.tenants),
        all_tenants=principal.all_tenants,
    )
