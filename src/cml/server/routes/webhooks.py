"""``/admin/webhooks``: subscribe a tenant's events to a URL, and see how deliveries went.

Admin keys only. A webhook belongs to the tenant named in the body (``tenant_id``), else in
``X-Tenant-ID``, else the key's own. An admin key bound to its tenants sees and changes only
their webhooks (another tenant's ``webhook_id`` is not found); a global operator key, any.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from cml import models
from cml.engine.webhooks import WebhookService
from cml.models import routes
from cml.server.auth import AdminPrincipal
from cml.server.deps import EngineDep, SettingsDep, require_json
from cml.server.routes import TenantQuery, endpoint

__all__ = ["router"]

router = APIRouter(tags=["webhooks"])

_WebhookId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
_NOT_FOUND = {404: {"description": "No webhook with this id."}}


def _service(engine: EngineDep, settings: SettingsDep, principal: AdminPrincipal) -> WebhookService:
    return WebhookService(
        engine.store,
        allow_private=settings.webhooks_allow_private,
        among=principal.visible_tenants,
    )


Service = Annotated[WebhookService, Depends(_service)]


@endpoint(router, routes.CREATE_WEBHOOK, status_code=201, dependencies=[Depends(require_json)])
def create_webhook(
    body: models.CreateWebhookRequest, principal: AdminPrincipal, service: Service
) -> models.WebhookCreated:
    """Subscribe a URL to a tenant's events.

    The response is the only time the signing secret is shown.
    """
    tenant = principal.check_tenant(body.tenant_id) if body.tenant_id else principal.tenant_id
    return service.create(tenant, body)


@endpoint(router, routes.LIST_WEBHOOKS)
def list_webhooks(
    principal: AdminPrincipal, service: Service, tenant_id: TenantQuery = None
) -> list[models.WebhookInfo]:
    """List every webhook, or one tenant's.

    Of the tenants the key administers; secrets are never listed.
    """
    if tenant_id is not None:
        principal.check_tenant(tenant_id)
    return service.list_webhooks(tenant_id)


@endpoint(router, routes.UPDATE_WEBHOOK, dependencies=[Depends(require_json)], responses=_NOT_FOUND)
def update_webhook(
    webhook_id: _WebhookId,
    body: models.UpdateWebhookRequest,
    principal: AdminPrincipal,
    service: Service,
) -> models.WebhookInfo:
    """Change a webhook.

    Any of its URL, event types, secret, description or whether it is enabled.
    """
    return service.update(webhook_id, body)


@endpoint(router, routes.DELETE_WEBHOOK, responses=_NOT_FOUND)
def delete_webhook(
    webhook_id: _WebhookId, principal: AdminPrincipal, service: Service
) -> models.WebhookInfo:
    """Delete a webhook and its delivery log.

    Nothing more is sent to it.
    """
    return service.delete(webhook_id)


@endpoint(router, routes.TEST_WEBHOOK, status_code=202, responses=_NOT_FOUND)
def test_webhook(
    webhook_id: _WebhookId, principal: AdminPrincipal, service: Service
) -> models.WebhookDelivery:
    """Send a test event to one webhook.

    Queues a ``webhook.test`` event for this webhook alone; follow it in its delivery log.
    """
    return service.test(webhook_id, actor=principal.actor)


@endpoint(router, routes.LIST_WEBHOOK_DELIVERIES, responses=_NOT_FOUND)
def list_webhook_deliveries(
    webhook_id: _WebhookId,
    principal: AdminPrincipal,
    service: Service,
    status: Annotated[str | None, Query(pattern=r"^(pending|delivered|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=models.MAX_PAGE_SIZE)] = 50,
) -> list[models.WebhookDelivery]:
    """List a webhook's deliveries, newest first.

    Each with its status, attempts, last HTTP status and last error.
    """
    return service.deliveries(webhook_id, status=status, limit=limit)
