"""Webhooks in the store: the subscriptions, and the outbox their deliveries are sent from.

A delivery row is written by the same unit of work as the event it announces
(:meth:`~cml.storage.base.StoreTransaction.add_event` queues one per matching webhook), so an
acknowledged write always has its deliveries, and a rolled-back one never does. Senders, in
any process sharing the store, take due deliveries with a lease
(:meth:`Webhooks.claim_deliveries`): a delivery is sent by one sender at a time, and one whose
sender died is taken again when its lease runs out. Delivery is therefore at least once; a
receiver that must act once deduplicates by the delivery id.

Webhook changes, claims and outcomes commit by themselves, like leases: other processes must
see them at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "DELIVERIES_QUEUED",
    "TEST_EVENT",
    "ClaimedDelivery",
    "DeliveryRecord",
    "WebhookRecord",
    "Webhooks",
]

DELIVERIES_QUEUED = threading.Event()
"""Set when this process queues a delivery, so that its sender looks without waiting a poll."""

TEST_EVENT = "webhook.test"
"""A test event goes to the webhook its payload names, and to no other."""


@dataclass(frozen=True)
class WebhookRecord:
    """A tenant's subscription: where to POST which events, signed with which secret."""

    id: str
    tenant_id: str
    url: str
    event_types: list[str]
    """Event types of the event log (``memory.write``, ...); ``*`` matches every one."""
    secret: str
    created_at: datetime
    updated_at: datetime
    enabled: bool = True
    description: str | None = None

    def wants(self, event_type: str) -> bool:
        """Whether an event of this type is delivered to this webhook."""
        return self.enabled and ("*" in self.event_types or event_type in self.event_types)


@dataclass(frozen=True)
class DeliveryRecord:
    """One event to deliver to one webhook, and how its delivery went so far."""

    id: int
    """Assigned by the store, increasing; sent as the ``X-CML-Delivery`` header."""
    webhook_id: str
    tenant_id: str
    """Owner of the webhook and of the event."""
    event_id: int
    """The event to send: each attempt reads it again from the tenant's event log."""
    event_type: str
    status: str
    """``pending`` (to send, or to retry), ``delivered`` or ``failed`` (retries exhausted)."""
    attempts: int
    """Attempts made so far (0 when queued)."""
    next_attempt_at: datetime
    """When a sender may claim it next: the time it was queued, then that of its next retry; once
    it is ``delivered`` or ``failed``, the time of its last attempt."""
    created_at: datetime
    last_status: int | None = None
    """HTTP status of the last attempt (``None``: no answer)."""
    last_error: str | None = None
    """Why the last attempt failed, in words; ``None`` before the first attempt and after a
    success."""
    delivered_at: datetime | None = None
    """When a 2xx answer came; ``None`` while it is not ``delivered``."""


@dataclass(frozen=True)
class ClaimedDelivery:
    """A due delivery a sender holds the lease of, with what it needs to send it.

    ``url`` and ``secret`` are the webhook's as they were when the lease was taken: a change made
    to the webhook meanwhile applies from the next attempt on.
    """

    delivery: DeliveryRecord
    url: str
    secret: str


class Webhooks(Protocol):
    """Webhook subscriptions and their delivery outbox."""

    def put_webhook(self, webhook: WebhookRecord) -> None:
        """Store a new webhook or replace one with the same id."""

    def get_webhook(self, webhook_id: str) -> WebhookRecord | None:
        """The webhook with this id."""

    def list_webhooks(self, tenant_id: str | None = None) -> list[WebhookRecord]:
        """Every webhook, or one tenant's, oldest first."""

    def delete_webhook(self, webhook_id: str) -> bool:
        """Remove a webhook and its deliveries; ``False`` if there is none."""

    def claim_deliveries(
        self, owner: str, now: datetime, lease_seconds: float, limit: int
    ) -> list[ClaimedDelivery]:
        """Take the lease of up to ``limit`` due deliveries for ``owner``, oldest first.

        Due: ``pending``, ``next_attempt_at`` passed, and no lease or an expired one. Two
        senders never hold the same delivery: PostgreSQL skips rows another claim has locked.
        """

    def finish_delivery(self, delivery: DeliveryRecord, owner: str) -> bool:
        """Record an attempt and give the lease back; ``False`` if ``owner`` lost the lease.

        ``delivery`` is the delivery as the attempt left it: its ``status``, ``attempts``,
        ``next_attempt_at``, ``last_status``, ``last_error`` and ``delivered_at`` are stored.
        """

    def list_deliveries(
        self, webhook_id: str, *, status: str | None = None, limit: int = 50
    ) -> list[DeliveryRecord]:
        """A webhook's deliveries, newest first."""
