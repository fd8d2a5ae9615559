"""Restore and purge: the two ends of "deletion is recoverable until purged".

``restore`` brings soft-deleted, silenced or superseded memories back to ``active`` (a
superseded one is no longer retired: its ``superseded_at``/``superseded_by``/``valid_to`` are
cleared); ``purge`` removes soft-deleted memories (and their version history) for good,
optionally only those deleted before a given time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cml.models import MemoryStatus
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore

__all__ = ["RESTORABLE", "purgeable", "restorable"]

RESTORABLE: tuple[str, ...] = (
    MemoryStatus.DELETED.value,
    MemoryStatus.SILENT.value,
    MemoryStatus.SUPERSEDED.value,
)
"""Statuses ``restore`` brings back to ``active``."""


def restorable(store: MemoryStore, tenant_id: str, ids: Sequence[str]) -> list[MemoryRecord]:
    """The tenant's memories among ``ids`` that are deleted (softly), silent or superseded."""
    return [r for r in store.get_many(tenant_id, ids) if r.status in RESTORABLE]


def purgeable(
    store: MemoryStore, tenant_id: str, older_than: datetime | None
) -> list[MemoryRecord]:
    """The tenant's soft-deleted memories, only those deleted before ``older_than`` if given."""
    filt = MemoryFilter(tenant_id=tenant_id, statuses=(MemoryStatus.DELETED.value,))
    return [
        r
        for r in store.iter_memories(filt)
        if older_than is None or (r.deleted_at is not None and r.deleted_at < older_than)
    ]
