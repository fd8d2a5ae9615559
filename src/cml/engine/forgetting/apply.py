"""Forgetting, stage 3: the writes of a plan, in one transaction.

DECAY multiplies confidence by :data:`DECAY_FACTOR`; SILENCE sets status ``silent``; COMPRESS
replaces the content by its summary (re-embedded), sets status ``compressed`` and keeps the
original in the version history; DELETE is the soft delete of ``forget`` (restorable until
purged). A memory that changed since it was scored is left alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from cml.engine.forgetting.plan import Action, PlannedAction
from cml.engine.write.dedup import content_hash
from cml.models import MemoryStatus
from cml.storage.base import MemoryRecord, StoreTransaction, Vector, VersionRecord

__all__ = ["DECAY_FACTOR", "Compression", "apply_plan"]

DECAY_FACTOR = 0.8
"""What DECAY multiplies a memory's confidence by."""


@dataclasses.dataclass(frozen=True)
class Compression:
    """The summary replacing a memory's content."""

    text: str
    vector: Vector
    method: str


def apply_plan(
    tx: StoreTransaction,
    planned: Sequence[PlannedAction],
    current: Mapping[str, MemoryRecord],
    compressions: Mapping[str, Compression],
    now: datetime,
) -> list[str]:
    """Perform the planned actions; return the ids of the memories changed.

    Args:
        tx: The open transaction.
        planned: The plan (KEEP entries are skipped).
        current: The memories re-read just before applying, by id.
        compressions: Summaries for the COMPRESS entries, by id.
        now: Time of the run.
    """
    if not planned:
        return []
    tenant_id = planned[0].record.tenant_id
    changed: list[str] = []
    silence: list[str] = []
    delete: list[str] = []
    for entry in planned:
        record = current.get(entry.record.id)
        if entry.action is Action.KEEP or record is None or _moved(record, entry.record):
            continue
        if entry.action is Action.DECAY:
            tx.update(
                dataclasses.replace(
                    record, confidence=round(record.confidence * DECAY_FACTOR, 4), updated_at=now
                )
            )
        elif entry.action is Action.SILENCE:
            silence.append(record.id)
        elif entry.action is Action.DELETE:
            delete.append(record.id)
        elif entry.action is Action.COMPRESS:
            summary = compressions.get(record.id)
            if summary is None:
                continue
            updated, previous = _compressed(record, summary, now)
            tx.update(updated, previous=previous)
        changed.append(record.id)
    if silence:
        tx.set_status(tenant_id, silence, MemoryStatus.SILENT.value, now)
    if delete:
        tx.set_status(tenant_id, delete, MemoryStatus.DELETED.value, now)
    return changed


def _moved(record: MemoryRecord, scored: MemoryRecord) -> bool:
    return record.version != scored.version or record.status != scored.status


def _compressed(
    record: MemoryRecord, summary: Compression, now: datetime
) -> tuple[MemoryRecord, VersionRecord]:
    previous = VersionRecord.snapshot(
        record, at=now, reason=f"forgetting: compressed ({summary.method} summary)"
    )
    updated = dataclasses.replace(
        record,
        content=summary.text,
        embedding=summary.vector,
        content_hash=content_hash(summary.text),
        status=MemoryStatus.COMPRESSED.value,
        version=record.version + 1,
        updated_at=now,
    )
    return updated, previous
