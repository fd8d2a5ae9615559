"""Conversions between SQLite rows and the storage records, and filter SQL.

Timestamps are stored as REAL epoch seconds (UTC), lists and dicts as JSON text and embeddings as
float32 bytes. Naive datetimes are taken to be UTC.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from cml.storage.base import (
    EventRecord,
    IdempotencyRecord,
    KeyRecord,
    MemoryFilter,
    MemoryRecord,
    Vector,
    VersionRecord,
)


def to_epoch(value: datetime) -> float:
    """Epoch seconds of ``value`` (a naive datetime counts as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def opt_epoch(value: datetime | None) -> float | None:
    """:func:`to_epoch`, passing ``None`` through."""
    return None if value is None else to_epoch(value)


def from_epoch(value: float) -> datetime:
    """A timezone-aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(value, tz=UTC)


def opt_datetime(value: float | None) -> datetime | None:
    """:func:`from_epoch`, passing ``None`` through."""
    return None if value is None else from_epoch(value)


def dump_json(value: Any) -> str:
    """Compact JSON text for a list or dict column."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def vector_bytes(vector: Vector | None) -> bytes | None:
    """The float32 bytes stored for an embedding."""
    if vector is None:
        return None
    return np.ascontiguousarray(vector, dtype=np.float32).reshape(-1).tobytes()


def memory_params(record: MemoryRecord) -> tuple[Any, ...]:
    """Values for :data:`MEMORY_COLUMNS`, in that order."""
    stored_at = record.stored_at if record.stored_at is not None else datetime.now(UTC)
    return (
        record.id,
        record.tenant_id,
        record.content,
        str(record.memory_type),
        to_epoch(record.created_at),
        to_epoch(record.updated_at),
        record.namespace,
        record.session_id,
        record.agent_id,
        str(record.status),
        dump_json(list(record.context_tags)),
        dump_json(record.metadata),
        float(record.importance),
        float(record.confidence),
        int(record.access_count),
        opt_epoch(record.last_accessed_at),
        int(record.version),
        dump_json(list(record.provenance)),
        record.content_hash,
        vector_bytes(record.embedding),
        to_epoch(stored_at),
        opt_epoch(record.deleted_at),
        opt_epoch(record.consolidated_at),
    )


def row_to_memory(row: Sequence[Any]) -> MemoryRecord:
    """A :class:`MemoryRecord` from a row selected with :data:`MEMORY_SELECT`."""
    (
        memory_id,
        tenant_id,
        content,
        memory_type,
        created_at,
        updated_at,
        namespace,
        session_id,
        agent_id,
        status,
        context_tags,
        metadata,
        importance,
        confidence,
        access_count,
        last_accessed_at,
        version,
        provenance,
        content_hash,
        embedding,
        stored_at,
        deleted_at,
        consolidated_at,
    ) = row
    return MemoryRecord(
        id=memory_id,
        tenant_id=tenant_id,
        content=content,
        memory_type=memory_type,
        created_at=from_epoch(created_at),
        updated_at=from_epoch(updated_at),
        namespace=namespace,
        session_id=session_id,
        agent_id=agent_id,
        status=status,
        context_tags=json.loads(context_tags),
        metadata=json.loads(metadata),
        importance=importance,
        confidence=confidence,
        access_count=access_count,
        last_accessed_at=opt_datetime(last_accessed_at),
        version=version,
        provenance=json.loads(provenance),
        content_hash=content_hash,
        embedding=None if embedding is None else np.frombuffer(embedding, dtype=np.float32).copy(),
        stored_at=from_epoch(stored_at),
        deleted_at=opt_datetime(deleted_at),
        consolidated_at=opt_datetime(consolidated_at),
    )


def row_to_version(row: Sequence[Any]) -> VersionRecord:
    """A :class:`VersionRecord` from a row selected with :data:`VERSION_COLUMNS`."""
    memory_id, version, content, confidence, importance, metadata, status, changed, reason = row
    return VersionRecord(
        memory_id=memory_id,
        version=version,
        content=content,
        confidence=confidence,
        importance=importance,
        metadata=json.loads(metadata),
        status=status,
        changed_at=from_epoch(changed),
        reason=reason,
    )


def row_to_event(row: Sequence[Any]) -> EventRecord:
    """An :class:`EventRecord` from a row selected with :data:`EVENT_COLUMNS`."""
    event_id, tenant_id, event_type, operation, created_at, actor, memory_ids, payload = row
    return EventRecord(
        id=event_id,
        tenant_id=tenant_id,
        event_type=event_type,
        operation=operation,
        created_at=from_epoch(created_at),
        actor=actor,
        memory_ids=json.loads(memory_ids),
        payload=json.loads(payload),
    )


def row_to_key(row: Sequence[Any]) -> KeyRecord:
    """A :class:`KeyRecord` from a row selected with :data:`KEY_COLUMNS`."""
    key_id, tenant_id, key_hash, prefix, scopes, created_at, name, extra, revoked_at = row
    return KeyRecord(
        id=key_id,
        tenant_id=tenant_id,
        key_hash=key_hash,
        prefix=prefix,
        scopes=json.loads(scopes),
        created_at=from_epoch(created_at),
        name=name,
        extra_tenants=json.loads(extra),
        revoked_at=opt_datetime(revoked_at),
    )


def row_to_idempotency(row: Sequence[Any]) -> IdempotencyRecord:
    """An :class:`IdempotencyRecord` from ``tenant_id, key, request_hash, response, created_at``."""
    tenant_id, key, request_hash, response, created_at = row
    return IdempotencyRecord(
        tenant_id=tenant_id,
        key=key,
        request_hash=request_hash,
        response=json.loads(response),
        created_at=from_epoch(created_at),
    )


def placeholders(count: int) -> str:
    """``?, ?, ...`` for an ``IN (...)`` list."""
    return ", ".join("?" * count)


def filter_sql(filt: MemoryFilter, alias: str = "m") -> tuple[str, list[Any]]:
    """A ``WHERE`` clause body (without ``WHERE``) and its parameters for a memory filter."""
    clauses = [f"{alias}.tenant_id = ?"]
    params: list[Any] = [filt.tenant_id]
    if filt.namespace is not None:
        clauses.append(f"{alias}.namespace = ?")
        params.append(filt.namespace)
    for column, values in (("memory_type", filt.memory_types), ("status", filt.statuses)):
        if values is None:
            continue
        if not values:
            clauses.append("0")  # an empty allow-list admits nothing
            continue
        clauses.append(f"{alias}.{column} IN ({placeholders(len(values))})")
        params.extend(str(v) for v in values)
    if filt.session_id is not None:
        clauses.append(f"{alias}.session_id = ?")
        params.append(filt.session_id)
    if filt.since is not None:
        clauses.append(f"{alias}.created_at >= ?")
        params.append(to_epoch(filt.since))
    if filt.until is not None:
        clauses.append(f"{alias}.created_at <= ?")
        params.append(to_epoch(filt.until))
    return " AND ".join(clauses), params
