"""``/admin/keys``: create, list and revoke API keys (admin keys only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from cml.models import NAME_PATTERN, ApiKeyCreated, ApiKeyInfo, CreateKeyRequest
from cml.server.auth import AdminPrincipal
from cml.server.deps import EngineDep, require_json

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/keys", status_code=201, dependencies=[Depends(require_json)])
def create_key(
    body: CreateKeyRequest, principal: AdminPrincipal, engine: EngineDep
) -> ApiKeyCreated:
    """Create an API key; the response is the only time its secret is shown."""
    return engine.keys.create(body, actor=principal.actor)


@router.get("/keys")
def list_keys(
    principal: AdminPrincipal,
    engine: EngineDep,
    tenant_id: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
) -> list[ApiKeyInfo]:
    """List API keys (all tenants, or one), revoked ones included."""
    return engine.keys.list(tenant_id)


@router.delete("/keys/{key_id}")
def revoke_key(
    key_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: AdminPrincipal,
    engine: EngineDep,
) -> ApiKeyInfo:
    """Revoke an API key; it stops working at once."""
    return engine.keys.revoke(key_id, actor=principal.actor)
