"""The event log as the admin API shows it: its wire form, where a follow starts, its check.

The check recomputes the tenant's hash chain (see :mod:`cml.storage.chain` for what is hashed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cml.models import BrokenLinkInfo, LogVerification
from cml.storage.base import EventLog, EventRecord, MemoryStore
from cml.storage.chain import find_broken_link

__all__ = ["event_dict", "latest_event_id", "verify_log"]

_PAGE = 500


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
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def latest_event_id(store: EventLog, tenant_id: str) -> int:
    """Id of the tenant's newest event (0 when there is none): where a live follow starts."""
    newest, _ = store.list_events(tenant_id, limit=1)
    return newest[0].id or 0 if newest else 0


def _events(store: EventLog, tenant_id: str, up_to: int | None) -> Iterator[EventRecord]:
    after = 0
    while True:
        page = store.events_after(tenant_id, after, limit=_PAGE)
        for event in page:
            if up_to is not None and (event.id or 0) > up_to:
                return
            yield event
        if len(page) < _PAGE:
            return
        after = page[-1].id or after


def verify_log(store: MemoryStore, tenant_id: str) -> LogVerification:
    """Check the tenant's event log against its hash chain; report the first broken link.

    Events written before the log was chained are chained first (once). The events checked are
    those up to the chain's head as read at the start, so appends made meanwhile are not taken
    for tampering; an event past the head is reported only if the head has not moved since.

    Args:
        store: The store holding the log.
        tenant_id: The tenant whose log is checked.

    Returns:
        ``ok`` with the number of events, or the first broken link (event id, position).
    """
    head = store.chain_head(tenant_id)
    if head is None and store.events_after(tenant_id, 0, limit=1):
        with store.transaction() as tx:
            tx.seal_event_log(tenant_id)
        head = store.chain_head(tenant_id)
    up_to = head.last_event_id if head is not None else None
    # An event past the head: a concurrent append (the head moved), or a row added outside.
    beyond = up_to is not None and bool(store.events_after(tenant_id, up_to, limit=1))
    if beyond and store.chain_head(tenant_id) == head:
        up_to = None
    broken, count, last = find_broken_link(_events(store, tenant_id, up_to), head)
    return LogVerification(
        tenant_id=tenant_id,
        ok=broken is None,
        events=count,
        head_hash=last or None,
        broken=None if broken is None else BrokenLinkInfo(**broken.__dict__),
    )
