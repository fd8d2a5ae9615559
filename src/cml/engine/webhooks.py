"""Webhook subscriptions of a tenant: create, list, change, delete, test, and the delivery log.

URLs are checked when a webhook is created or changed, and again before each delivery (a name
may resolve elsewhere later): an address of this machine (loopback, the host's own addresses),
a private, link-local (cloud metadata, ``169.254.169.254``), multicast, reserved or unspecified
address is refused unless the operator allows private targets
(``CML_WEBHOOKS_ALLOW_PRIVATE=true``: tests and single-host setups).
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Collection
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlsplit

from cml.errors import InvalidInputError, RecordNotFoundError
from cml.models.webhooks import (
    CreateWebhookRequest,
    UpdateWebhookRequest,
    WebhookCreated,
    WebhookDelivery,
    WebhookInfo,
)
from cml.storage.base import EventRecord, MemoryStore
from cml.storage.ids import new_id
from cml.storage.webhooks import TEST_EVENT, DeliveryRecord, WebhookRecord

__all__ = ["WebhookService", "check_url"]

_ALLOW_HINT = "Set CML_WEBHOOKS_ALLOW_PRIVATE=true on the server to allow such targets."

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@cache
def _own_addresses() -> frozenset[str]:
    """The addresses this host answers on (besides loopback), as far as its name resolves."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return frozenset()
    return frozenset(str(info[4][0]).split("%")[0] for info in infos)


def _forbidden(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or str(address) in _own_addresses()
    )


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse a webhook URL that is not ``http(s)`` or that points at a forbidden address.

    Raises:
        InvalidInputError: The URL is malformed, its host does not resolve, or one of its
            addresses is this server's own, private, link-local or otherwise not public.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # e.g. an unclosed IPv6 bracket, a port out of range
        raise InvalidInputError("The webhook URL cannot be parsed.", field="url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInputError(
            "A webhook URL must be http:// or https:// with a host.", field="url"
        )
    if parts.username or parts.password:
        raise InvalidInputError(
            "A webhook URL must not carry a user or password; sign with the secret instead.",
            field="url",
        )
    if allow_private:
        return
    try:
        default = 443 if parts.scheme == "https" else 80
        infos = socket.getaddrinfo(host, port or default, type=socket.SOCK_STREAM)
    except (OSError, ValueError):  # UnicodeError (an over-long label) is a ValueError
        raise InvalidInputError(
            f"The webhook host {host!r} does not resolve.", field="url"
        ) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if _forbidden(address):
            raise InvalidInputError(
                f"The webhook URL resolves to {address}, an address of this server or of a "
                "private, link-local or metadata network.",
                field="url",
                hint=_ALLOW_HINT,
            )


def _info(record: WebhookRecord) -> WebhookInfo:
    # Read by attribute: the model takes the fields it shows and leaves the secret out.
    return WebhookInfo.model_validate(record, from_attributes=True)


def delivery_info(record: DeliveryRecord) -> WebhookDelivery:
    """The delivery log's entry for ``record`` (a due time only while it is pending)."""
    entry = WebhookDelivery.model_validate(record, from_attributes=True)
    return (
        entry if record.status == "pending" else entry.model_copy(update={"next_attempt_at": None})
    )


class WebhookService:
    """Manage webhooks on a store.

    Args:
        store: Where webhooks and their outbox live.
        allow_private: Accept URLs of private, loopback and link-local addresses.
        among: The tenants whose webhooks the caller may see and change (``None``: every
            tenant); another tenant's webhook is not found.
    """

    def __init__(
        self,
        store: MemoryStore,
        *,
        allow_private: bool = False,
        among: Collection[str] | None = None,
    ) -> None:
        self._store = store
        self._allow_private = allow_private
        self._among = among

    def _get(self, webhook_id: str) -> WebhookRecord:
        record = self._store.get_webhook(webhook_id)
        if record is None or (self._among is not None and record.tenant_id not in self._among):
            raise RecordNotFoundError(f"webhook {webhook_id} not found")
        return record

    def create(self, tenant_id: str, request: CreateWebhookRequest) -> WebhookCreated:
        """Subscribe ``request.url`` to the tenant's events; the secret is shown only here."""
        check_url(request.url, allow_private=self._allow_private)
        now = datetime.now(UTC)
        record = WebhookRecord(
            id=new_id(),
            tenant_id=tenant_id,
            url=request.url,
            event_types=list(dict.fromkeys(request.event_types)),
            secret=request.secret or f"whsec_{secrets.token_urlsafe(32)}",
            created_at=now,
            updated_at=now,
            enabled=request.enabled,
            description=request.description,
        )
        self._store.put_webhook(record)
        return WebhookCreated.model_validate(record, from_attributes=True)

    def list_webhooks(self, tenant_id: str | None = None) -> list[WebhookInfo]:
        """Every webhook (of the tenants the service may see), or one tenant's."""
        records = self._store.list_webhooks(tenant_id)
        return [_info(r) for r in records if self._among is None or r.tenant_id in self._among]

    def update(self, webhook_id: str, request: UpdateWebhookRequest) -> WebhookInfo:
        """Change the fields ``request`` sets; the others stay."""
        record = self._get(webhook_id)
        if request.url is not None:
            check_url(request.url, allow_private=self._allow_private)
        changes = request.model_dump(exclude_none=True)
        if "event_types" in changes:
            changes["event_types"] = list(dict.fromkeys(changes["event_types"]))
        fields = {**record.__dict__, **changes, "updated_at": datetime.now(UTC)}
        updated = WebhookRecord(**fields)
        self._store.put_webhook(updated)
        return _info(updated)

    def delete(self, webhook_id: str) -> WebhookInfo:
        """Remove a webhook and its delivery log."""
        record = self._get(webhook_id)
        self._store.delete_webhook(webhook_id)
        return _info(record)

    def test(self, webhook_id: str, *, actor: str | None = None) -> WebhookDelivery:
        """Queue a ``webhook.test`` event for this webhook alone; returns its delivery."""
        record = self._get(webhook_id)
        with self._store.transaction() as tx:
            tx.add_event(
                EventRecord(
                    tenant_id=record.tenant_id,
                    event_type=TEST_EVENT,
                    operation="test",
                    created_at=datetime.now(UTC),
                    actor=actor,
                    payload={"webhook_id": record.id},
                )
            )
        (queued,) = self._store.list_deliveries(webhook_id, limit=1)
        return delivery_info(queued)

    def deliveries(
        self, webhook_id: str, *, status: str | None = None, limit: int = 50
    ) -> list[WebhookDelivery]:
        """The webhook's delivery log, newest first."""
        self._get(webhook_id)
        records = self._store.list_deliveries(webhook_id, status=status, limit=limit)
        return [delivery_info(record) for record in records]
