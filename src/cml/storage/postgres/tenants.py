"""The admin listing of tenants: counts per tenant from memories, events and keys."""

from __future__ import annotations

from typing import Any

import psycopg

from cml.storage.base import TenantRecord

_TENANTS = """
WITH mem AS (
    SELECT tenant_id,
           COUNT(*) FILTER (WHERE status <> 'deleted') AS total,
           COUNT(*) FILTER (WHERE status <> 'deleted' AND memory_type = 'semantic_fact') AS facts,
           MAX(GREATEST(updated_at, stored_at)) AS last
    FROM memories GROUP BY tenant_id
), ev AS (
    SELECT tenant_id, COUNT(*) AS total, MAX(created_at) AS last FROM events GROUP BY tenant_id
), keyed AS (
    SELECT DISTINCT tenant_id FROM api_keys
), everyone AS (
    SELECT tenant_id FROM mem UNION SELECT tenant_id FROM ev UNION SELECT tenant_id FROM keyed
)
SELECT e.tenant_id, COALESCE(mem.total, 0), COALESCE(mem.facts, 0), COALESCE(ev.total, 0),
       GREATEST(mem.last, ev.last)
FROM everyone AS e
LEFT JOIN mem ON mem.tenant_id = e.tenant_id
LEFT JOIN ev ON ev.tenant_id = e.tenant_id
ORDER BY e.tenant_id COLLATE "C"
"""


def list_tenants(conn: psycopg.Connection[Any]) -> list[TenantRecord]:
    """Every tenant of the memories, events and keys, with counts and last activity."""
    return [
        TenantRecord(
            tenant_id=tenant,
            memory_count=int(total),
            fact_count=int(facts),
            event_count=int(events),
            last_activity=last,
        )
        for tenant, total, facts, events, last in conn.execute(_TENANTS).fetchall()
    ]
