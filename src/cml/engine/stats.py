"""``stats``: counts of a tenant's memories by type and status, now and over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cml.errors import InvalidInputError
from cml.models import (
    MAX_TIMELINE_BUCKETS,
    MemoryStatus,
    StatsResponse,
    TimelineBucket,
    TimelinePoint,
    TimelineQuery,
    TimelineResponse,
)
from cml.storage.base import MemoryStore

__all__ = ["stats", "timeline"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# 1970-01-01 was a Thursday: day 4 of the epoch is the first Monday, where weeks start.
_FIRST_MONDAY = 4
_DEFAULT_BUCKETS = {TimelineBucket.DAY: 30, TimelineBucket.WEEK: 12}


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


def timeline(
    store: MemoryStore, tenant_id: str, query: TimelineQuery, *, now: datetime | None = None
) -> TimelineResponse:
    """The memories a tenant stored per UTC day or week, by type (deleted ones left out).

    Args:
        store: Where the memories live.
        tenant_id: Whose memories.
        query: The bucket length, the span (defaults: up to now, 30 days or 12 weeks) and the
            namespace (``None``: all).
        now: The time ``until`` defaults to.

    Returns:
        Every bucket of the span, oldest first, empty ones included.

    Raises:
        InvalidInputError: The span holds more than ``MAX_TIMELINE_BUCKETS`` buckets.
    """
    width = 7 if query.bucket == TimelineBucket.WEEK else 1
    offset = _FIRST_MONDAY if width == 7 else 0
    until = query.until or now or datetime.now(UTC)

    def bucket_of(at: datetime) -> int:
        return ((at - _EPOCH).days - offset) // width

    last = bucket_of(until)
    if query.since is None:
        first = last - _DEFAULT_BUCKETS[query.bucket] + 1
    else:
        first = bucket_of(query.since)
    if last - first + 1 > MAX_TIMELINE_BUCKETS:
        raise InvalidInputError(
            f"The span holds {last - first + 1} {query.bucket.value} buckets; at most "
            f"{MAX_TIMELINE_BUCKETS} fit in one series.",
            field="since",
            hint="Ask for a shorter span, or for weeks instead of days.",
        )

    def start(bucket: int) -> datetime:
        return _EPOCH + timedelta(days=bucket * width + offset)

    series = [TimelinePoint(start=start(b), total=0) for b in range(first, last + 1)]
    counts = store.count_by_day_and_type(tenant_id, start(first), start(last + 1), query.namespace)
    for (day, memory_type), count in sorted(counts.items()):
        point = series[(day - offset) // width - first]
        point.total += count
        point.by_type[memory_type] = point.by_type.get(memory_type, 0) + count
    return TimelineResponse(
        tenant_id=tenant_id,
        namespace=query.namespace,
        bucket=query.bucket,
        since=start(first),
        until=start(last + 1),
        buckets=series,
    )
