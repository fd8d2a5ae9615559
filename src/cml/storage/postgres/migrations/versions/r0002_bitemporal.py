"""Bi-temporal memories: when a fact held, and when the store retired it.

``valid_from``/``valid_to`` say when the remembered fact held; ``stored_at`` (already there) is
when the store learned it, ``superseded_at``/``superseded_by`` when and by which memory it was
retired. ``type_given`` records whether the writer stated the memory type (rows written before
count as stated). Existing rows hold from their event time on and were never retired.

Create Date: 2026-12-06
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps

revision = "0002"
down_revision = "0001"

_UPGRADE = (
    "ALTER TABLE memories ADD COLUMN valid_from timestamptz",
    "ALTER TABLE memories ADD COLUMN valid_to timestamptz",
    "ALTER TABLE memories ADD COLUMN superseded_at timestamptz",
    'ALTER TABLE memories ADD COLUMN superseded_by text COLLATE "C"',
    "ALTER TABLE memories ADD COLUMN type_given boolean NOT NULL DEFAULT true",
    "UPDATE memories SET valid_from = created_at WHERE valid_from IS NULL",
    """
    CREATE INDEX ix_memories_tenant_superseded_by ON memories (tenant_id, superseded_by)
        WHERE superseded_by IS NOT NULL
    """,
)

# Retired memories keep the status ``superseded``.
_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_memories_tenant_superseded_by",
    "ALTER TABLE memories DROP COLUMN type_given",
    "ALTER TABLE memories DROP COLUMN superseded_by",
    "ALTER TABLE memories DROP COLUMN superseded_at",
    "ALTER TABLE memories DROP COLUMN valid_to",
    "ALTER TABLE memories DROP COLUMN valid_from",
)

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
