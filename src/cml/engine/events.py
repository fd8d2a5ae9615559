"""The event log as the admin API shows it: the wire form, and where a live follow starts."""

from __future__ import annotations

from typing import Any

from cml.storage.base import EventLog, EventRecord

__all__ = ["event_dict", "latest_event_id"]


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


def latest_event_id(store: EventLog, tenant_id: str) -> int:
    """Id of the tenant's newest event (0 when there is none): where a live follow starts."""
    newest, _ = store.list_events(tenant_id, limit=1)
    return newest[0].id or 0 if newest else 0
