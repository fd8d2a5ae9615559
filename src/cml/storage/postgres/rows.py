"""Conversions between PostgreSQL rows and the storage records, and filter SQL.

Timestamps are ``timestamptz`` (read back as UTC datetimes), lists and dicts ``jsonb``, and
embeddings pgvector ``vector`` (see :mod:`cml.storage.postgres.vectors`). Naive datetimes are
taken to be UTC.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from cml.storage.base import (
    EventRecord,
    IdempotencyRecord,
    KeyRecord,
    MemoryFilter,
    MemoryRecord,
    VersionRecord,
)
from cml.storage.sql.columns import (
    MEMORY_COLUMNS,
)


def utc(value: datetime) -> datetime:
    """``value`` as an aware datetime (a naive one counts as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def opt_utc(value: datetime | None) -> datetime | None:
    """:func:`utc`, passing ``None`` through."""
    return None if value is None else utc(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def jsonb(value: Any) -> Jsonb:
    """A ``jsonb`` parameter (values JSON cannot hold are written as their ``str``)."""
    return Jsonb(value, dumps=_dumps)


def memory_params(record: MemoryRecord) -> tuple[Any, ...]:
    """Values for :data:`MEMORY_COLUMNS`, in that order."""
    stored_at = record.stored_at if record.stored_at is not None else datetime.now(UTC)
    return (
        record.id,
        record.tenant_id,
        record.content,
        str(record.memory_type),
        utc(record.created_at),
        utc(record.updated_at),
        record.namespace,
        record.session_id,
        record.agent_id,
        str(record.status),
        jsonb(list(record.context_tags)),
        jsonb(record.metadata),
        float(record.importance),
        float(record.confidence),
        int(record.access_count),
        opt_utc(record.last_accessed_at),
        int(record.version),
        jsonb(list(record.provenance)),
        record.content_hash,
        record.embedding,
        utc(stored_at),
        opt_utc(record.deleted_at),
        opt_utc(record.consolidated_at),
    )


def row_to_memory(row: Sequence[Any]) -> MemoryRecord:
    """A :class:`MemoryRecord` from a row selected with :data:`MEMORY_SELECT`."""
    values = dict(zip(MEMORY_COLUMNS, row, strict=True))
    values["memory_type"] = str(values["memory_type"])
    return MemoryRecord(**values)


def row_to_version(row: Sequence[Any]) -> VersionRecord:
    """A :class:`VersionRecord` from a row selected with :data:`VERSION_COLUMNS`."""
    memory_id, version, content, confidence, importance, metadata, status, changed, reason = row
    return VersionRecord(
        memory_id=memory_id,
        version=version,
        content=content,
        confidence=confidence,
        importance=importance,
        metadata=metadata,
        status=status,
        changed_at=changed,
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
        created_at=created_at,
        actor=actor,
        memory_ids=memory_ids,
        payload=payload,
    )


def row_to_key(row: Sequence[Any]) -> KeyRecord:
    """A :class:`KeyRecord` from a row selected with :data:`KEY_COLUMNS`."""
    key_id, tenant_id, key_hash, prefix, scopes, created_at, name, extra, revoked_at = row
    return KeyRecord(
        id=key_id,
        tenant_id=tenant_id,
        key_hash=key_hash,
        prefix=prefix,
        scopes=scopes,
        created_at=created_at,
        name=name,
        extra_tenants=extra,
        revoked_at=revoked_at,
    )


def row_to_idempotency(row: Sequence[Any]) -> IdempotencyRecord:
    """An :class:`IdempotencyRecord` from ``tenant_id, key, request_hash, response, created_at``."""
    tenant_id, key, request_hash, response, created_at = row
    return IdempotencyRecord(
        tenant_id=tenant_id,
        key=key,
        request_hash=request_hash,
        response=response,
        created_at=created_at,
    )


def filter_sql(filt: MemoryFilter, alias: str = "m") -> tuple[str, list[Any]]:
    """A ``WHERE`` clause body (without ``WHERE``) and its parameters for a memory filter."""
    clauses = [f"{alias}.tenant_id = %s"]
    params: list[Any] = [filt.tenant_id]
    if filt.namespace is not None:
        clauses.append(f"{alias}.namespace = %s")
        params.append(filt.namespace)
    for column, values in (("memory_type", filt.memory_types), ("status", filt.statuses)):
        if values is None:
            continue
        if not values:
            clauses.append("false")  # an empty allow-list admits nothing
            continue
        clauses.append(f"{alias}.{column} = ANY(%s)")
        params.append([str(v) for v in values])
    if filt.session_id is not None:
        clauses.append(f"{alias}.session_id = %s")
        params.append(filt.session_id)
    if filt.since is not None:
        clauses.append(f"{alias}.created_at >= %s")
        params.append(utc(filt.since))
    if filt.until is not None:
        clauses.append(f"{alias}.created_at <= %s")
        params.append(utc(filt.until))
    return " AND ".join(clauses), params
