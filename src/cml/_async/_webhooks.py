"""The webhook methods of the clients (admin): subscribe a URL to a tenant's events.

Deliveries are signed: check them in the receiver with
:func:`cml.models.webhooks.verify_signature`.
"""

from __future__ import annotations

from typing import Any

from cml._async._base import AsyncClientBase
from cml._checks import check_id
from cml.models import (
    WebhookCreated,
    WebhookDelivery,
    WebhookInfo,
    routes,
)

__all__ = ["AsyncWebhookMethods"]


def _fields(arguments: dict[str, Any]) -> dict[str, Any]:
    """A method's arguments as the request body: its keyword arguments are the model's fields."""
    return {name: value for name, value in arguments.items() if name not in _NOT_FIELDS}


_NOT_FIELDS = frozenset({"self", "webhook_id"})


class AsyncWebhookMethods(AsyncClientBase):
    """The webhook methods (see ``AsyncCognitiveMemoryLayer``)."""

    async def create_webhook(
        self,
        url: str,
        *,
        event_types: list[str] | None = None,
        secret: str | None = None,
        tenant_id: str | None = None,
        description: str | None = None,
        enabled: bool = True,
    ) -> WebhookCreated:
        """Subscribe ``url`` to a tenant's events (admin).

        Every matching event is POSTed to ``url`` as JSON, signed in ``X-CML-Signature``, at
        least once, with retries after failures.

        Args:
            url: Where to POST (``http`` or ``https``; the server refuses private and
                link-local addresses unless its operator allows them).
            event_types: Event types of the event log (``memory.write``, ...); ``["*"]``
                (every event) when omitted.
            secret: The signing secret (16 characters or more); generated when omitted.
            tenant_id: Whose events; the client's tenant when omitted.
            description: A label to recognise the webhook by.
            enabled: Whether deliveries are queued for it.

        Returns:
            The webhook, with its ``secret``: the only time the API shows it.

        Raises:
            ValidationError: A malformed or refused URL, or an unknown event type shape.
            AuthorizationError: The key used lacks the admin scope.
        """
        body = _fields(locals())
        return await self._send(self._core.build(routes.CREATE_WEBHOOK, body))

    async def list_webhooks(self, *, tenant_id: str | None = None) -> list[WebhookInfo]:
        """Every webhook, or one tenant's (admin); secrets are never listed.

        Args:
            tenant_id: Only this tenant's webhooks.

        Returns:
            The webhooks, oldest first.
        """
        call = self._core.build(routes.LIST_WEBHOOKS, params={"tenant_id": tenant_id})
        return await self._send(call)

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        event_types: list[str] | None = None,
        secret: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookInfo:
        """Change a webhook (admin); the arguments left out stay as they are.

        Args:
            webhook_id: The webhook's id.
            url: A new URL.
            event_types: New event types (``*`` for every one).
            secret: A new signing secret.
            description: A new label.
            enabled: Pause (``False``) or resume (``True``) deliveries.

        Returns:
            The webhook as it now is.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        body = _fields(locals())
        call = self._core.build(routes.UPDATE_WEBHOOK, body, path_args={"webhook_id": webhook_id})
        return await self._send(call)

    async def delete_webhook(self, webhook_id: str) -> WebhookInfo:
        """Delete a webhook and its delivery log (admin).

        Args:
            webhook_id: The webhook's id.

        Returns:
            The webhook as it was.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        call = self._core.build(routes.DELETE_WEBHOOK, path_args={"webhook_id": webhook_id})
        return await self._send(call)

    async def test_webhook(self, webhook_id: str) -> WebhookDelivery:
        """Send a ``webhook.test`` event to this webhook alone (admin).

        Args:
            webhook_id: The webhook's id.

        Returns:
            The queued delivery; follow it with :meth:`webhook_deliveries`.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        call = self._core.build(routes.TEST_WEBHOOK, path_args={"webhook_id": webhook_id})
        return await self._send(call)

    async def webhook_deliveries(
        self, webhook_id: str, *, status: str | None = None, limit: int = 50
    ) -> list[WebhookDelivery]:
        """A webhook's delivery log, newest first (admin).

        Args:
            webhook_id: The webhook's id.
            status: Only ``pending``, ``delivered`` or ``failed`` deliveries.
            limit: At most this many.

        Returns:
            Each delivery's event, status, attempts, last HTTP status and last error.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        call = self._core.build(
            routes.LIST_WEBHOOK_DELIVERIES,
            params={"status": status, "limit": str(limit)},
            path_args={"webhook_id": webhook_id},
        )
        return await self._send(call)
