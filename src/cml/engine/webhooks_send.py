"""Sending webhook deliveries from the outbox: sign, POST, and record the outcome.

One pass (:func:`send_due`) leases the due deliveries, sends each and records what happened: a
2xx answer delivers it; anything else (an error status, no answer, a refused address) schedules
a retry after an exponentially growing wait (``backoff``, ``2 x backoff``, ... at most an
hour), until ``max_attempts`` attempts have failed and it is marked ``failed``. The body of
every attempt is the same event; the timestamp and signature are those of the attempt.

A sender that dies mid-attempt leaves its lease to expire; another sender (or the same one
restarted) then retries, so a receiver may see a delivery twice but never loses one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx

from cml.engine.events import event_dict
from cml.engine.probes import span
from cml.engine.webhooks import check_url
from cml.errors import InvalidInputError
from cml.models.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_payload
from cml.storage.base import MemoryStore
from cml.storage.webhooks import DELIVERIES_QUEUED, ClaimedDelivery

__all__ = ["SendPolicy", "send_due", "wait_for_deliveries"]

_MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class SendPolicy:
    """How deliveries are sent and retried.

    Attributes:
        max_attempts: Attempts before a delivery is marked ``failed``.
        backoff_seconds: Wait before the first retry; doubled after each failure.
        timeout_seconds: How long one attempt waits for the receiver.
        allow_private: Send to private, loopback and link-local addresses.
        user_agent: The ``User-Agent`` of deliveries.
    """

    max_attempts: int = 8
    backoff_seconds: float = 5.0
    timeout_seconds: float = 10.0
    allow_private: bool = False
    user_agent: str = "py-cml"

    @property
    def lease_seconds(self) -> float:
        """How long a sender holds a delivery: an attempt, with room to record it."""
        return self.timeout_seconds + 30.0

    def retry_delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return float(min(_MAX_BACKOFF_SECONDS, self.backoff_seconds * 2.0 ** max(0, attempts - 1)))


def wait_for_deliveries(timeout: float) -> None:
    """Block until this process queues a delivery, or ``timeout`` seconds pass."""
    if DELIVERIES_QUEUED.wait(timeout):
        DELIVERIES_QUEUED.clear()


def _attempt(
    store: MemoryStore, client: httpx.Client, claimed: ClaimedDelivery, policy: SendPolicy
) -> tuple[int | None, str | None]:
    """Send once; the receiver's status (``None``: no answer) and the error, if any."""
    delivery = claimed.delivery
    found = store.events_after(delivery.tenant_id, delivery.event_id - 1, limit=1)
    if not found or found[0].id != delivery.event_id:
        return None, "the event is no longer in the event log"
    body = json.dumps(event_dict(found[0]), separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": policy.user_agent,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign_payload(claimed.secret, timestamp, body),
        "X-CML-Event": delivery.event_type,
        "X-CML-Delivery": str(delivery.id),
    }
    try:
        check_url(claimed.url, allow_private=policy.allow_private)
        response = client.post(
            claimed.url, content=body, headers=headers, timeout=policy.timeout_seconds
        )
    except InvalidInputError as exc:
        return None, exc.message
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"the receiver answered {response.status_code}"


def _deliver(
    store: MemoryStore,
    client: httpx.Client,
    owner: str,
    claimed: ClaimedDelivery,
    policy: SendPolicy,
) -> None:
    delivery = claimed.delivery
    with span("webhook_delivery", tenant=delivery.tenant_id) as noted:
        status, error = _attempt(store, client, claimed, policy)
        now = datetime.now(UTC)
        attempts = delivery.attempts + 1
        if error is None:
            result, next_at = "delivered", now
        elif attempts >= policy.max_attempts:
            result, next_at = "failed", now
        else:
            result = "pending"
            next_at = now + timedelta(seconds=policy.retry_delay(attempts))
        attempted = replace(
            delivery,
            status=result,
            attempts=attempts,
            next_attempt_at=next_at,
            last_status=status,
            last_error=error,
            delivered_at=now if result == "delivered" else None,
        )
        store.finish_delivery(attempted, owner)
        noted["outcome"] = "retry" if result == "pending" else result


def send_due(
    store: MemoryStore,
    client: httpx.Client,
    owner: str,
    policy: SendPolicy,
    *,
    limit: int = 20,
) -> int:
    """Lease up to ``limit`` due deliveries for ``owner`` and send them; how many were taken."""
    claimed = store.claim_deliveries(owner, datetime.now(UTC), policy.lease_seconds, limit)
    for item in claimed:
        _deliver(store, client, owner, item, policy)
    return len(claimed)
