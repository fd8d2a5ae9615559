"""Session successors found through their namespace.

A read's session context looks for the memories after an anchor in its session and its
namespace. Conversations kept in namespaces of their own label their sessions alike (a
conversation's first session, say), so with ``(tenant_id, session_id, created_at, id)`` the
range scan walked every namespace's session of that label. With the namespace after the
session, a read in a namespace (``namespace = %s`` in its filter) scans its own session only.

Create Date: 2026-12-07
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps

revision = "0008"
down_revision = "0007"

_UPGRADE = (
    "DROP INDEX ix_memories_tenant_session_order",
    "CREATE INDEX ix_memories_tenant_session_order"
    " ON memories (tenant_id, session_id, namespace, created_at, id)",
)

_DOWNGRADE = (
    "DROP INDEX ix_memories_tenant_session_order",
    "CREATE INDEX ix_memories_tenant_session_order"
    " ON memories (tenant_id, session_id, created_at, id)",
)

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
