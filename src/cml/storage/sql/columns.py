"""Column lists of the tables every backend shares (the same schema facts, one definition)."""

from __future__ import annotations

__all__ = [
    "CANDIDATE_COLUMNS",
    "CANDIDATE_SELECT",
    "EVENT_COLUMNS",
    "EVENT_INSERT_COLUMNS",
    "IDEMPOTENCY_COLUMNS",
    "KEY_COLUMNS",
    "MEMORY_COLUMNS",
    "MEMORY_SELECT",
    "VERSION_COLUMNS",
]

# Column order shared by INSERT, UPDATE and SELECT of memories.
MEMORY_COLUMNS: tuple[str, ...] = (
    "id",
    "tenant_id",
    "content",
    "memory_type",
    "created_at",
    "updated_at",
    "namespace",
    "session_id",
    "agent_id",
    "status",
    "context_tags",
    "metadata",
    "importance",
    "confidence",
    "access_count",
    "last_accessed_at",
    "version",
    "provenance",
    "content_hash",
    "embedding",
    "stored_at",
    "deleted_at",
    "consolidated_at",
    "valid_from",
    "valid_to",
    "superseded_at",
    "superseded_by",
    "type_given",
)
MEMORY_SELECT = ", ".join(f"m.{column}" for column in MEMORY_COLUMNS)
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "id",
    "tenant_id",
    "content",
    "memory_type",
    "created_at",
    "namespace",
    "session_id",
    "status",
    "importance",
    "confidence",
    "embedding",
)
"""The columns a read ranks its candidates by (:func:`~cml.storage.sql.rows.row_to_candidate`):
converting a column to a Python object is what a fetched row costs, and only the few results
need the rest."""
CANDIDATE_SELECT = ", ".join(f"m.{column}" for column in CANDIDATE_COLUMNS)
VERSION_COLUMNS = (
    "memory_id, version, content, confidence, importance, metadata, status, changed_at, reason"
)
EVENT_COLUMNS = (
    "id, tenant_id, event_type, operation, created_at, actor, memory_ids, payload, prev_hash, hash"
)
KEY_COLUMNS = "id, tenant_id, key_hash, prefix, scopes, created_at, name, extra_tenants, revoked_at"
IDEMPOTENCY_COLUMNS = "tenant_id, key, request_hash, response, created_at"
EVENT_INSERT_COLUMNS = (
    "tenant_id, event_type, operation, created_at, actor, memory_ids, payload, prev_hash, hash"
)
"""``EVENT_COLUMNS`` without the id, which the database assigns."""
