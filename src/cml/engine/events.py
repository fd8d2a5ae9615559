"""The tenant's event log as the admin API shows it: pages, and a cursor for following it."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from cml.storage.base import EventLog, EventRecord

__all__ = ["event_dict", "events_after", "events_page", "latest_event_id"]

# Stores take 64-bit offsets; no tenant has this many events, so a clamped page is still empty.
_MAX_OFFSET = 2**62


def event_dict(event: EventRecord) -> dict[str, Any]:
    """The wire form of one event."""
    return {
        "id": event.id,
        "tenant_id": event.tenant_id,
        "event_type": event.event_type,
        "operation": event.operation,
        "actor": event.actor,
        "memory_ids": list(event.memory_ids),
        "payload": dict(event.payload),
        "created_at": event.created_at.isoformat(),
    }


def events_page(
    store: EventLog,
    tenant_id: str,
    *,
    page: int = 1,
    per_page: int = 50,
    event_type: str | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    """One page of the tenant's events, newest first.

    Returns:
        ``items``, ``total``, ``page``, ``per_page`` and ``total_pages``.
    """
    items, total = store.list_events(
        tenant_id,
        event_type=event_type,
        since=since,
        offset=min((page - 1) * per_page, _MAX_OFFSET),
        limit=per_page,
    )
    return {
        "items": [event_dict(e) for e in items],
        "total": total,
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(total / per_page) if per_page else 0,
    }


def latest_event_id(store: EventLog, tenant_id: str) -> int:
    """Id of the tenant's newest event (0 when there is none): where a live follow starts."""
    newest, _ = store.list_events(tenant_id, limit=1)
    return newest[0].id or 0 if newest else 0


def events_after(
    store: EventLog,
    tenant_id: str,
    after_id: int,
    *,
    event_type: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The tenant's events after ``after_id``, oldest first, in wire form."""
    found = store.events_after(tenant_id, after_id, event_type=event_type, since=since, limit=limit)
    return [event_dict(e) for e in found]
