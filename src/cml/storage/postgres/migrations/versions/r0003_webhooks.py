"""Webhooks and their delivery outbox.

A delivery row is written in the transaction of the event it announces; senders lease due rows
(``SELECT ... FOR UPDATE SKIP LOCKED``), so replicas never send the same delivery at once.

Create Date: 2026-12-06
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps

revision = "0003"
down_revision = "0002"

_UPGRADE = (
    """
    CREATE TABLE webhooks (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        url text NOT NULL,
        event_types jsonb NOT NULL DEFAULT '["*"]',
        secret text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        description text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX ix_webhooks_tenant ON webhooks (tenant_id)",
    """
    CREATE TABLE webhook_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        webhook_id text NOT NULL,
        tenant_id text NOT NULL,
        event_id bigint NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        last_status integer,
        last_error text,
        delivered_at timestamptz,
        lease_owner text,
        lease_expires_at timestamptz
    )
    """,
    "CREATE INDEX ix_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
    "CREATE INDEX ix_deliveries_webhook ON webhook_deliveries (webhook_id, id)",
)

_DOWNGRADE = (
    "DROP TABLE IF EXISTS webhook_deliveries",
    "DROP TABLE IF EXISTS webhooks",
)

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
