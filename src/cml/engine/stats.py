"""``stats``: counts of a tenant's memories by type and status."""

from __future__ import annotations

from cml.models import MemoryStatus, StatsResponse
from cml.storage.base import MemoryStore

__all__ = ["stats"]


def stats(store: MemoryStore, tenant_id: str, namespace: str | None = None) -> StatsResponse:
    """Counts of a tenant's memories by type and status.

    ``total_memories`` and ``by_type`` leave out deleted memories (they are in the bin);
    ``by_status`` and ``deleted_memories`` show them.

    Args:
        store: Where the memories live.
        tenant_id: Whose memories.
        namespace: Only this namespace (``None``: all).

    Returns:
        The counts, and the size of the store on disk.
    """
    counts = store.count_by_type_and_status(tenant_id, namespace)
    by_status: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for (memory_type, status), count in counts.items():
        by_status[status] = by_status.get(status, 0) + count
        if status != MemoryStatus.DELETED.value:
            by_type[memory_type] = by_type.get(memory_type, 0) + count
    return StatsResponse(
        tenant_id=tenant_id,
        namespace=namespace,
        total_memories=sum(by_type.values()),
        active_memories=by_status.get(MemoryStatus.ACTIVE.value, 0),
        silent_memories=by_status.get(MemoryStatus.SILENT.value, 0),
        compressed_memories=by_status.get(MemoryStatus.COMPRESSED.value, 0),
        archived_memories=by_status.get(MemoryStatus.ARCHIVED.value, 0),
        deleted_memories=by_status.get(MemoryStatus.DELETED.value, 0),
        superseded_memories=by_status.get(MemoryStatus.SUPERSEDED.value, 0),
        by_type=dict(sorted(by_type.items())),
        by_status=dict(sorted(by_status.items())),
        storage_bytes=store.storage_bytes(),
    )
