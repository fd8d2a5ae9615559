"""The first PostgreSQL schema: memories, versions, idempotency, events, keys, leases.

The embedding column is a dimension-free ``vector``: the dimension is known only once an embedder
opens the store, so the HNSW index (an expression index on ``embedding::vector(n)``) is created
then, by ``PostgresStore.check_embedding_model``. The lexical index is a generated ``tsvector``
(English configuration) with a GIN index. Ids are compared byte-wise (``COLLATE "C"``) so that
keyset pagination over UUIDv7 ids follows creation order whatever the database locale; ``pk``
records the order rows were written in (imported memories keep their ids but are written later).
``memories`` leaves 20% of each page free so that the frequent updates that touch no indexed
column (access counts on every read) are HOT updates: no new entry in the HNSW, GIN or b-tree
indexes.

Create Date: 2026-01-01
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps

revision = "0001"
down_revision = None

_UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS vector",
    "CREATE TABLE cml_meta (key text PRIMARY KEY, value text NOT NULL)",
    """
    CREATE TABLE memories (
        id text COLLATE "C" PRIMARY KEY,
        pk bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id text NOT NULL,
        content text NOT NULL,
        memory_type text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        namespace text,
        session_id text,
        agent_id text,
        status text NOT NULL,
        context_tags jsonb NOT NULL DEFAULT '[]',
        metadata jsonb NOT NULL DEFAULT '{}',
        importance double precision NOT NULL,
        confidence double precision NOT NULL,
        access_count integer NOT NULL DEFAULT 0,
        last_accessed_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        provenance jsonb NOT NULL DEFAULT '[]',
        content_hash text NOT NULL DEFAULT '',
        embedding vector,
        stored_at timestamptz NOT NULL,
        deleted_at timestamptz,
        consolidated_at timestamptz,
        content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content))
            STORED
    ) WITH (fillfactor = 80)
    """,
    "CREATE INDEX ix_memories_tenant_status_type ON memories (tenant_id, status, memory_type)",
    "CREATE INDEX ix_memories_tenant_namespace ON memories (tenant_id, namespace)",
    "CREATE INDEX ix_memories_tenant_created ON memories (tenant_id, created_at)",
    # Session order (created_at, id) for retrieval's successor lookups.
    """
    CREATE INDEX ix_memories_tenant_session_order
        ON memories (tenant_id, session_id, created_at, id)
    """,
    "CREATE INDEX ix_memories_tenant_hash ON memories (tenant_id, content_hash)",
    "CREATE INDEX ix_memories_tenant_id ON memories (tenant_id, id)",
    "CREATE INDEX ix_memories_content_tsv ON memories USING gin (content_tsv)",
    """
    CREATE TABLE memory_versions (
        pk bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL,
        memory_id text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        content text NOT NULL,
        confidence double precision NOT NULL,
        importance double precision NOT NULL,
        metadata jsonb NOT NULL,
        status text NOT NULL,
        changed_at timestamptz NOT NULL,
        reason text NOT NULL
    )
    """,
    "CREATE INDEX ix_versions_memory ON memory_versions (tenant_id, memory_id, version)",
    """
    CREATE TABLE idempotency (
        tenant_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, key)
    )
    """,
    """
    CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL,
        event_type text NOT NULL,
        operation text NOT NULL,
        created_at timestamptz NOT NULL,
        actor text,
        memory_ids jsonb NOT NULL DEFAULT '[]',
        payload jsonb NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX ix_events_tenant_id ON events (tenant_id, id)",
    "CREATE INDEX ix_events_tenant_type ON events (tenant_id, event_type, id)",
    "CREATE INDEX ix_events_tenant_created ON events (tenant_id, created_at)",
    """
    CREATE TABLE api_keys (
        id text COLLATE "C" PRIMARY KEY,
        tenant_id text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        scopes jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        name text,
        extra_tenants jsonb NOT NULL DEFAULT '[]',
        revoked_at timestamptz
    )
    """,
    "CREATE INDEX ix_api_keys_tenant ON api_keys (tenant_id, created_at)",
    """
    CREATE TABLE leases (
        name text PRIMARY KEY,
        owner text NOT NULL,
        expires_at timestamptz NOT NULL
    )
    """,
)

# The ``vector`` extension stays: other schemas may use it.
_DOWNGRADE = (
    "DROP TABLE IF EXISTS leases",
    "DROP TABLE IF EXISTS api_keys",
    "DROP TABLE IF EXISTS events",
    "DROP TABLE IF EXISTS idempotency",
    "DROP TABLE IF EXISTS memory_versions",
    "DROP TABLE IF EXISTS memories",
    "DROP TABLE IF EXISTS cml_meta",
)

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
