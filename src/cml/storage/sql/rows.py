"""Records to statement parameters and result rows back to records, through a dialect.

Column order follows :mod:`cml.storage.sql.columns`. What a value looks like in the database
(epoch seconds or ``timestamptz``, JSON text or ``jsonb``, float32 bytes or ``vector``) is the
dialect's business; these functions only know which field is which kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cml.storage.base import (
    EventRecord,
    IdempotencyRecord,
    KeyRecord,
    MemoryFilter,
    MemoryRecord,
    VersionRecord,
)
from cml.storage.sql.dialect import Dialect

__all__ = [
    "event_params",
    "filter_sql",
    "idempotency_params",
    "key_params",
    "memory_params",
    "row_to_candidate",
    "row_to_event",
    "row_to_idempotency",
    "row_to_key",
    "row_to_memory",
    "row_to_version",
    "version_params",
]


def memory_params(d: Dialect, record: MemoryRecord) -> tuple[Any, ...]:
    """Values for :data:`~cml.storage.sql.columns.MEMORY_COLUMNS`, in that order."""
    # Every write and every read runs through here and row_to_memory: the dialect's functions
    # are bound once rather than looked up per field.
    time_in, json_in = d.time_in, d.json_in
    stored_at = record.stored_at if record.stored_at is not None else datetime.now(UTC)
    last_accessed_at, deleted_at = record.last_accessed_at, record.deleted_at
    consolidated_at = record.consolidated_at
    return (
        record.id,
        record.tenant_id,
        record.content,
        str(record.memory_type),
        time_in(record.created_at),
        time_in(record.updated_at),
        record.namespace,
        record.session_id,
        record.agent_id,
        str(record.status),
        json_in(list(record.context_tags)),
        json_in(record.metadata),
        float(record.importance),
        float(record.confidence),
        int(record.access_count),
        None if last_accessed_at is None else time_in(last_accessed_at),
        int(record.version),
        json_in(list(record.provenance)),
        record.content_hash,
        None if record.embedding is None else d.vector_in(record.embedding),
        time_in(stored_at),
        None if deleted_at is None else time_in(deleted_at),
        None if consolidated_at is None else time_in(consolidated_at),
        time_in(record.valid_since),
        d.opt_time_in(record.valid_to),
        d.opt_time_in(record.superseded_at),
        record.superseded_by,
        bool(record.type_given),
    )


def row_to_memory(d: Dialect, row: Sequence[Any]) -> MemoryRecord:
    """A :class:`MemoryRecord` from a row selected with ``MEMORY_SELECT``."""
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
        valid_from,
        valid_to,
        superseded_at,
        superseded_by,
        type_given,
    ) = row
    time_out, json_out = d.time_out, d.json_out
    # A memory never updated has its creation time as update time and validity start: a read
    # converts every candidate's times, and a datetime is immutable, so equal ones are shared.
    created = time_out(created_at)
    return MemoryRecord(
        id=memory_id,
        tenant_id=tenant_id,
        content=content,
        memory_type=memory_type,
        created_at=created,
        updated_at=created if updated_at == created_at else time_out(updated_at),
        namespace=namespace,
        session_id=session_id,
        agent_id=agent_id,
        status=status,
        context_tags=json_out(context_tags),
        metadata=json_out(metadata),
        importance=importance,
        confidence=confidence,
        access_count=access_count,
        last_accessed_at=None if last_accessed_at is None else time_out(last_accessed_at),
        version=version,
        provenance=json_out(provenance),
        content_hash=content_hash,
        embedding=None if embedding is None else d.vector_out(embedding),
        stored_at=time_out(stored_at),
        deleted_at=None if deleted_at is None else time_out(deleted_at),
        consolidated_at=None if consolidated_at is None else time_out(consolidated_at),
        valid_from=(
            None
            if valid_from is None
            else created
            if valid_from == created_at
            else time_out(valid_from)
        ),
        valid_to=None if valid_to is None else time_out(valid_to),
        superseded_at=None if superseded_at is None else time_out(superseded_at),
        superseded_by=superseded_by,
        type_given=bool(type_given),
    )


def row_to_candidate(d: Dialect, row: Sequence[Any]) -> MemoryRecord:
    """A partial :class:`MemoryRecord` from a row selected with ``CANDIDATE_SELECT``.

    Only the fields of :data:`~cml.storage.sql.columns.CANDIDATE_COLUMNS` are read; the others
    keep their defaults (``updated_at`` is ``created_at``). For ranking a read's candidates
    only: what the read returns is fetched whole (:func:`row_to_memory`).
    """
    (
        memory_id,
        tenant_id,
        content,
        memory_type,
        created_at,
        namespace,
        session_id,
        status,
        importance,
        confidence,
        embedding,
    ) = row
    created = d.time_out(created_at)
    return MemoryRecord(
        id=memory_id,
        tenant_id=tenant_id,
        content=content,
        memory_type=memory_type,
        created_at=created,
        updated_at=created,
        namespace=namespace,
        session_id=session_id,
        status=status,
        importance=importance,
        confidence=confidence,
        embedding=None if embedding is None else d.vector_out(embedding),
    )


def version_params(d: Dialect, tenant_id: str, version: VersionRecord) -> tuple[Any, ...]:
    """Values for a ``memory_versions`` row: the tenant, then ``VERSION_COLUMNS``."""
    return (
        tenant_id,
        version.memory_id,
        version.version,
        version.content,
        version.confidence,
        version.importance,
        d.json_in(version.metadata),
        str(version.status),
        d.time_in(version.changed_at),
        version.reason,
    )


def row_to_version(d: Dialect, row: Sequence[Any]) -> VersionRecord:
    """A :class:`VersionRecord` from a row selected with ``VERSION_COLUMNS``."""
    memory_id, version, content, confidence, importance, metadata, status, changed, reason = row
    return VersionRecord(
        memory_id=memory_id,
        version=version,
        content=content,
        confidence=confidence,
        importance=importance,
        metadata=d.json_out(metadata),
        status=status,
        changed_at=d.time_out(changed),
        reason=reason,
    )


def event_params(d: Dialect, event: EventRecord) -> tuple[Any, ...]:
    """Values for an ``events`` row: ``EVENT_COLUMNS`` but the id (the store assigns it)."""
    return (
        event.tenant_id,
        event.event_type,
        event.operation,
        d.time_in(event.created_at),
        event.actor,
        d.json_in(list(event.memory_ids)),
        d.json_in(event.payload),
        event.prev_hash,
        event.hash,
    )


def row_to_event(d: Dialect, row: Sequence[Any]) -> EventRecord:
    """An :class:`EventRecord` from a row selected with ``EVENT_COLUMNS``."""
    event_id, tenant_id, event_type, operation, created_at, actor, memory_ids, payload = row[:8]
    return EventRecord(
        id=event_id,
        tenant_id=tenant_id,
        event_type=event_type,
        operation=operation,
        created_at=d.time_out(created_at),
        actor=actor,
        memory_ids=d.json_out(memory_ids),
        payload=d.json_out(payload),
        prev_hash=row[8],
        hash=row[9],
    )


def key_params(d: Dialect, key: KeyRecord) -> tuple[Any, ...]:
    """Values for ``KEY_COLUMNS``, in that order."""
    return (
        key.id,
        key.tenant_id,
        key.key_hash,
        key.prefix,
        d.json_in([str(s) for s in key.scopes]),
        d.time_in(key.created_at),
        key.name,
        d.json_in(list(key.extra_tenants)),
        d.opt_time_in(key.revoked_at),
    )


def row_to_key(d: Dialect, row: Sequence[Any]) -> KeyRecord:
    """A :class:`KeyRecord` from a row selected with ``KEY_COLUMNS``."""
    key_id, tenant_id, key_hash, prefix, scopes, created_at, name, extra, revoked_at = row
    return KeyRecord(
        id=key_id,
        tenant_id=tenant_id,
        key_hash=key_hash,
        prefix=prefix,
        scopes=d.json_out(scopes),
        created_at=d.time_out(created_at),
        name=name,
        extra_tenants=d.json_out(extra),
        revoked_at=d.opt_time_out(revoked_at),
    )


def idempotency_params(d: Dialect, record: IdempotencyRecord) -> tuple[Any, ...]:
    """Values for ``IDEMPOTENCY_COLUMNS``, in that order."""
    return (
        record.tenant_id,
        record.key,
        record.request_hash,
        d.json_in(record.response),
        d.time_in(record.created_at),
    )


def row_to_idempotency(d: Dialect, row: Sequence[Any]) -> IdempotencyRecord:
    """An :class:`IdempotencyRecord` from a row selected with ``IDEMPOTENCY_COLUMNS``."""
    tenant_id, key, request_hash, response, created_at = row
    return IdempotencyRecord(
        tenant_id=tenant_id,
        key=key,
        request_hash=request_hash,
        response=d.json_out(response),
        created_at=d.time_out(created_at),
    )


def filter_sql(d: Dialect, filt: MemoryFilter, alias: str = "m") -> tuple[str, list[Any]]:
    """A ``WHERE`` clause body (without ``WHERE``) and its parameters for a memory filter."""
    mark = d.mark
    clauses = [f"{alias}.tenant_id = {mark}"]
    params: list[Any] = [filt.tenant_id]
    if filt.namespace is not None:
        clauses.append(f"{alias}.namespace = {mark}")
        params.append(filt.namespace)
    for column, values in (("memory_type", filt.memory_types), ("status", filt.statuses)):
        if values is None:
            continue
        if not values:
            clauses.append("1 = 0")  # an empty allow-list admits nothing
            continue
        clause, values_params = d.in_list(f"{alias}.{column}", [str(v) for v in values])
        clauses.append(clause)
        params.extend(values_params)
    if filt.session_id is not None:
        clauses.append(f"{alias}.session_id = {mark}")
        params.append(filt.session_id)
    if filt.since is not None:
        clauses.append(f"{alias}.created_at >= {mark}")
        params.append(d.time_in(filt.since))
    if filt.until is not None:
        clauses.append(f"{alias}.created_at <= {mark}")
        params.append(d.time_in(filt.until))
    if filt.as_of is not None:
        # Recorded and valid by then, and not yet retired then (a later retirement, and the
        # valid_to it set, were not known at that time).
        at = d.time_in(filt.as_of)
        clauses.append(
            f"{alias}.stored_at <= {mark}"
            f" AND COALESCE({alias}.valid_from, {alias}.created_at) <= {mark}"
        )
        params.extend((at, at))
        if not filt.retired_by_then:
            clauses.append(f"({alias}.superseded_at IS NULL OR {alias}.superseded_at > {mark})")
            params.append(at)
    if filt.agent_id is not None:
        clauses.append(f"{alias}.agent_id = {mark}")
        params.append(filt.agent_id)
    if filt.context_tags is not None:
        if not filt.context_tags:
            clauses.append("1 = 0")
        else:
            marks, tag_params = d.list_marks([str(t) for t in filt.context_tags])
            clauses.append(d.json_any.format(column=f"{alias}.context_tags", values=marks))
            params.extend(tag_params)
    if filt.superseded_by is not None:
        clauses.append(f"{alias}.superseded_by = {mark}")
        params.append(filt.superseded_by)
    for key, value in (filt.metadata or {}).items():
        clauses.append(f"{alias}.metadata -> {mark} = {d.json_value}")
        params.extend((d.json_key(key), d.json_in(value)))
    return " AND ".join(clauses), params
