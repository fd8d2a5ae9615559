"""The event log's hash chain.

Each event stores the hash of its tenant's previous event and its own (``prev_hash``, ``hash``);
``event_chain`` holds each tenant's head, whose row lock serializes a tenant's appends. Events
written before this revision are chained by the tenant's next append (or ``verify-log``).

Create Date: 2026-12-06
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps

revision = "0005"
down_revision = "0004"

_UPGRADE = (
    "ALTER TABLE events ADD COLUMN prev_hash text",
    "ALTER TABLE events ADD COLUMN hash text",
    """
    CREATE TABLE event_chain (
        tenant_id text PRIMARY KEY,
        head_hash text NOT NULL,
        event_count bigint NOT NULL,
        last_event_id bigint
    )
    """,
)

_DOWNGRADE = (
    "DROP TABLE IF EXISTS event_chain",
    "ALTER TABLE events DROP COLUMN IF EXISTS hash",
    "ALTER TABLE events DROP COLUMN IF EXISTS prev_hash",
)

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
