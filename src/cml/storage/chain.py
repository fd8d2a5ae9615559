"""The hash chain of a tenant's event log: what is hashed, and how a stored log is checked.

Each event stores ``prev_hash``, the ``hash`` of the tenant's previous event (:data:`GENESIS`
for the first), and its own ``hash``: the SHA-256 (hex) of :func:`canonical_bytes`, which covers
the event's content and ``prev_hash``. Changing, removing or reordering a stored event therefore
breaks the link at the first event affected; the chain's head (hash and length, kept in the
same transaction as each append) also exposes events cut off the end.

The canonical bytes are UTF-8 JSON, keys sorted, no whitespace, non-ASCII kept, of::

    {"v": 1, "tenant_id": ..., "event_type": ..., "operation": ..., "actor": ... or null,
     "memory_ids": [...], "payload": {...}, "created_at": <integer microseconds since the
     Unix epoch, UTC>, "prev_hash": ...}

Values JSON cannot hold are written as their ``str``, as the store writes them. The event's id
is not hashed (the database assigns it after the hash is known); order is what the links
protect.

Example:
    >>> from datetime import UTC, datetime
    >>> e = EventRecord("acme", "memory.write", "write", datetime(2026, 1, 1, tzinfo=UTC))
    >>> event_hash(e, GENESIS) == event_hash(e, GENESIS)
    True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cml.storage.base import ChainHead, EventRecord

__all__ = [
    "GENESIS",
    "HASH_VERSION",
    "BrokenLink",
    "canonical_bytes",
    "event_hash",
    "find_broken_link",
]

GENESIS = ""
"""``prev_hash`` of a tenant's first event."""
HASH_VERSION = 1
"""Version of :func:`canonical_bytes`, hashed with every event."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BrokenLink:
    """The first place a stored log no longer matches its chain.

    Attributes:
        event_id: The first event that does not verify (``None`` when events are missing
            from the end).
        position: Its 1-based position in the tenant's log, oldest first.
        reason: What does not match, in words.
    """

    event_id: int | None
    position: int
    reason: str


def _micros(value: datetime) -> int:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(microseconds=1)


def canonical_bytes(event: EventRecord, prev_hash: str) -> bytes:
    """The bytes hashed for ``event`` linked after ``prev_hash`` (see the module docstring)."""
    document = {
        "v": HASH_VERSION,
        "tenant_id": event.tenant_id,
        "event_type": event.event_type,
        "operation": event.operation,
        "actor": event.actor,
        "memory_ids": list(event.memory_ids),
        "payload": event.payload,
        "created_at": _micros(event.created_at),
        "prev_hash": prev_hash,
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return text.encode("utf-8")


def event_hash(event: EventRecord, prev_hash: str) -> str:
    """The hex SHA-256 of :func:`canonical_bytes`."""
    return hashlib.sha256(canonical_bytes(event, prev_hash)).hexdigest()


def find_broken_link(
    events: Iterable[EventRecord], head: ChainHead | None
) -> tuple[BrokenLink | None, int, str]:
    """Check a tenant's stored events, oldest first, against their chain and its head.

    Args:
        events: Every event of the tenant in id order.
        head: The chain's recorded head (``None`` when the tenant never had a chained event).

    Returns:
        The first broken link (``None`` when the log verifies), how many events were read,
        and the hash of the last one that verified.
    """
    previous = GENESIS
    position = 0
    beyond_head: int | None = None
    for event in events:
        position += 1
        if head is not None and position == head.length + 1:
            beyond_head = event.id
        if event.hash is None or event.prev_hash != previous:
            reason = (
                "the event has no hash (it was written outside py-cml)"
                if event.hash is None
                else "its prev_hash is not the previous event's hash: an event before it was "
                "removed, inserted or moved"
            )
            return BrokenLink(event.id, position, reason), position, previous
        if event_hash(event, previous) != event.hash:
            reason = "its content no longer matches its hash: the event was changed"
            return BrokenLink(event.id, position, reason), position, previous
        previous = event.hash
    if head is None:
        if position == 0:
            return None, 0, previous
        return BrokenLink(None, position, "the chain's head is missing"), position, previous
    if head.length > position:
        reason = (
            f"the log ends after {position} events but its head records {head.length}: "
            "events were removed from the end"
        )
        return BrokenLink(head.last_event_id, position + 1, reason), position, previous
    if head.length < position:
        reason = f"the head records {head.length} events: this one was added outside py-cml"
        return BrokenLink(beyond_head, head.length + 1, reason), position, previous
    if head.hash != previous:
        return BrokenLink(None, position, "the chain's head does not match"), position, previous
    return None, position, previous
