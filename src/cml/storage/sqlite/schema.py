"""The SQLite schema and its migrations.

The schema is versioned from the first release: ``meta.schema_version`` holds the number of
migrations applied. Opening a store applies the missing migrations in order, inside one
transaction, and refuses a database written by a newer py-cml.
"""

from __future__ import annotations

import sqlite3

from cml.errors import StoreMismatchError
from cml.storage.sqlite.lexical import PART_COLUMN, PART_EXPRESSION
from cml.storage.sqlite.terms import FUNCTION as TERMS_FUNCTION
from cml.storage.sqlite.terms import LENGTH_FUNCTION

_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"

_V1: tuple[str, ...] = (
    # ``pk`` is the rowid the FTS index points at; ``id`` is the public UUIDv7.
    """
    CREATE TABLE memories (
        pk INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        tenant_id TEXT NOT NULL,
        content TEXT NOT NULL,
        memory_type TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        namespace TEXT,
        session_id TEXT,
        agent_id TEXT,
        status TEXT NOT NULL,
        context_tags TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{}',
        importance REAL NOT NULL,
        confidence REAL NOT NULL,
        access_count INTEGER NOT NULL DEFAULT 0,
        last_accessed_at REAL,
        version INTEGER NOT NULL DEFAULT 1,
        provenance TEXT NOT NULL DEFAULT '[]',
        content_hash TEXT NOT NULL DEFAULT '',
        embedding BLOB,
        stored_at REAL NOT NULL,
        deleted_at REAL,
        consolidated_at REAL
    )
    """,
    "CREATE INDEX ix_memories_tenant_status_type ON memories (tenant_id, status, memory_type)",
    "CREATE INDEX ix_memories_tenant_namespace ON memories (tenant_id, namespace)",
    "CREATE INDEX ix_memories_tenant_created ON memories (tenant_id, created_at)",
    "CREATE INDEX ix_memories_tenant_session ON memories (tenant_id, session_id)",
    "CREATE INDEX ix_memories_tenant_hash ON memories (tenant_id, content_hash)",
    # Keyset pagination is ``tenant_id = ? AND id > ? ORDER BY id``.
    "CREATE INDEX ix_memories_tenant_id ON memories (tenant_id, id)",
    """
    CREATE VIRTUAL TABLE memories_fts USING fts5(
        content, content='memories', content_rowid='pk', tokenize='porter unicode61'
    )
    """,
    """
    CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, content) VALUES (new.pk, new.content);
    END
    """,
    """
    CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content)
        VALUES ('delete', old.pk, old.content);
    END
    """,
    """
    CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content)
        VALUES ('delete', old.pk, old.content);
        INSERT INTO memories_fts (rowid, content) VALUES (new.pk, new.content);
    END
    """,
    """
    CREATE TABLE memory_versions (
        pk INTEGER PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        content TEXT NOT NULL,
        confidence REAL NOT NULL,
        importance REAL NOT NULL,
        metadata TEXT NOT NULL,
        status TEXT NOT NULL,
        changed_at REAL NOT NULL,
        reason TEXT NOT NULL
    )
    """,
    "CREATE INDEX ix_versions_memory ON memory_versions (tenant_id, memory_id, version)",
    """
    CREATE TABLE idempotency (
        tenant_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (tenant_id, key)
    )
    """,
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        operation TEXT NOT NULL,
        created_at REAL NOT NULL,
        actor TEXT,
        memory_ids TEXT NOT NULL DEFAULT '[]',
        payload TEXT NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX ix_events_tenant_created ON events (tenant_id, created_at)",
    "CREATE INDEX ix_events_tenant_type ON events (tenant_id, event_type, id)",
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at REAL NOT NULL,
        name TEXT,
        extra_tenants TEXT NOT NULL DEFAULT '[]',
        revoked_at REAL
    )
    """,
    "CREATE INDEX ix_api_keys_tenant ON api_keys (tenant_id, created_at)",
    # Background jobs: one holder per name until it expires (see MemoryStore.try_acquire_lease).
    """
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at REAL NOT NULL
    )
    """,
)

_V2: tuple[str, ...] = (
    # Session order for retrieval's session context (see ``sqlite/session.py``): a range scan per
    # matched memory instead of a sort of its whole session.
    "CREATE INDEX ix_memories_tenant_session_order"
    " ON memories (tenant_id, session_id, created_at, id)",
)


def _derived(row: str) -> str:
    """SQL truth of "``row`` is a derived memory" (``row`` is ``new`` or ``old`` in a trigger)."""
    return (
        f"({row}.memory_type = 'semantic_fact'"
        f" AND json_extract({row}.metadata, '$.source') IS 'consolidation')"
    )


def _add(row: str, *, partitioned: bool = False) -> str:
    """Trigger statements indexing ``row`` in the index it belongs to.

    With ``partitioned`` (schema v12 on), ``memories_fts`` gets the row's partition token too.
    """
    columns, values = ("content", f"{row}.content")
    if partitioned:
        columns, values = (f"content, {PART_COLUMN}", f"{row}.content, {row}.{PART_COLUMN}")
    return (
        f"INSERT INTO memories_fts (rowid, {columns}) SELECT {row}.pk, {values}"
        f" WHERE NOT {_derived(row)};"
        f" INSERT INTO derived_fts (rowid, content) SELECT {row}.pk, {row}.content"
        f" WHERE {_derived(row)};"
    )


def _remove(row: str, *, partitioned: bool = False) -> str:
    """Trigger statements removing ``row`` from the index it is in (see :func:`_add`)."""
    columns, values = ("content", f"{row}.content")
    if partitioned:
        columns, values = (f"content, {PART_COLUMN}", f"{row}.content, {row}.{PART_COLUMN}")
    return (
        f"INSERT INTO memories_fts (memories_fts, rowid, {columns})"
        f" SELECT 'delete', {row}.pk, {values} WHERE NOT {_derived(row)};"
        " INSERT INTO derived_fts (derived_fts, rowid, content)"
        f" SELECT 'delete', {row}.pk, {row}.content WHERE {_derived(row)};"
    )


_V3: tuple[str, ...] = (
    # Derived memories (facts written by consolidation) get a full-text index of their own.
    # bm25 weighs words by statistics over the whole index; if the gists of consolidation joined
    # the index of the memories they summarise, every word they repeat would lose weight and
    # the ranking of the original memories would shift. Kept apart, a read that leaves facts
    # out ranks exactly as it did before consolidation (docs/decisions.md #17).
    """
    CREATE VIRTUAL TABLE derived_fts USING fts5(
        content, content='memories', content_rowid='pk', tokenize='porter unicode61'
    )
    """,
    "DROP TRIGGER memories_fts_insert",
    "DROP TRIGGER memories_fts_delete",
    "DROP TRIGGER memories_fts_update",
    # One trigger per event, statements in order: an update may move a memory between the two
    # indexes (its type or metadata changed), and the old entry must go before the new one comes.
    f"""
    CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        {_add("new")}
    END
    """,
    f"""
    CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        {_remove("old")}
    END
    """,
    f"""
    CREATE TRIGGER memories_fts_update AFTER UPDATE OF content, memory_type, metadata
    ON memories BEGIN
        {_remove("old")}
        {_add("new")}
    END
    """,
    # Move the facts an older version indexed with everything else.
    f"""
    INSERT INTO memories_fts (memories_fts, rowid, content)
    SELECT 'delete', pk, content FROM memories AS new WHERE {_derived("new")}
    """,
    f"""
    INSERT INTO derived_fts (rowid, content)
    SELECT pk, content FROM memories AS new WHERE {_derived("new")}
    """,
)

_V4: tuple[str, ...] = (
    # Bi-temporal memories (docs/decisions.md #51): when the fact held (valid_from, valid_to)
    # beside when the store learned it (stored_at) and retired it (superseded_at, by whom).
    # Existing rows held from their event time on and were never retired.
    "ALTER TABLE memories ADD COLUMN valid_from REAL",
    "ALTER TABLE memories ADD COLUMN valid_to REAL",
    "ALTER TABLE memories ADD COLUMN superseded_at REAL",
    "ALTER TABLE memories ADD COLUMN superseded_by TEXT",
    # Whether the writer stated the type; rows written before are taken as stated, so that an
    # episode stored earlier is never retired on the strength of a guessed type.
    "ALTER TABLE memories ADD COLUMN type_given INTEGER NOT NULL DEFAULT 1",
    "UPDATE memories SET valid_from = created_at WHERE valid_from IS NULL",
    # The memories a newer one retired (restore, history).
    "CREATE INDEX ix_memories_tenant_superseded_by ON memories (tenant_id, superseded_by)"
    " WHERE superseded_by IS NOT NULL",
)

_V5: tuple[str, ...] = (
    # Webhooks and their outbox (see ``storage/sql/webhooks.py``).
    """
    CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        url TEXT NOT NULL,
        event_types TEXT NOT NULL DEFAULT '["*"]',
        secret TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        description TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    "CREATE INDEX ix_webhooks_tenant ON webhooks (tenant_id)",
    """
    CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        webhook_id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        created_at REAL NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        delivered_at REAL,
        lease_owner TEXT,
        lease_expires_at REAL
    )
    """,
    "CREATE INDEX ix_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
    "CREATE INDEX ix_deliveries_webhook ON webhook_deliveries (webhook_id, id)",
)


def searchable(row: str) -> str:
    """SQL truth of "``row`` counts in its partition's term statistics" (``sqlite/terms.py``).

    Example:
        >>> searchable("new").startswith("(new.status IN ('active', 'compressed')")
        True
    """
    return f"({row}.status IN ('active', 'compressed') AND NOT {_derived(row)})"


def _count_terms(row: str) -> str:
    """Trigger statement adding ``row``'s terms (and the memory) to its partition's counts."""
    return (
        "INSERT INTO term_stats (tenant_id, namespace, term, documents, tokens)"
        f" SELECT {row}.tenant_id, coalesce({row}.namespace, ''), value, 1,"
        f" CASE WHEN value = '' THEN {LENGTH_FUNCTION}({row}.content) ELSE 0 END"
        f" FROM json_each({TERMS_FUNCTION}({row}.content)) WHERE {searchable(row)}"
        " ON CONFLICT (tenant_id, namespace, term)"
        " DO UPDATE SET documents = documents + 1, tokens = tokens + excluded.tokens;"
    )


def _uncount_terms(row: str, *, sweep_partition: bool = False) -> str:
    """Trigger statements taking ``row``'s terms out of its partition's counts.

    A term no memory of the partition holds any more is deleted: among ``row``'s terms (the
    only counts the statement lowers), or, with ``sweep_partition`` (schema v6 to v9), by a
    look at the whole partition, which SQLite's planner makes through the primary key rather
    than the partial index of empty counts: a scan of every term of the partition.
    """
    partition = f"tenant_id = {row}.tenant_id AND namespace = coalesce({row}.namespace, '')"
    terms = f"term IN (SELECT value FROM json_each({TERMS_FUNCTION}({row}.content)))"
    emptied = f"{partition} AND documents <= 0"
    return (
        "UPDATE term_stats SET documents = documents - 1, tokens = tokens"
        f" - CASE WHEN term = '' THEN {LENGTH_FUNCTION}({row}.content) ELSE 0 END"
        f" WHERE {partition} AND {terms} AND {searchable(row)};"
        f" DELETE FROM term_stats WHERE {emptied if sweep_partition else f'{emptied} AND {terms}'};"
    )


_TERM_COLUMNS = ("tenant_id", "namespace", "content", "status", "memory_type", "metadata")

_V6: tuple[str, ...] = (
    # Per-partition term statistics, kept in the statement that changes a memory (see
    # ``sqlite/terms.py``): a read looks its words up instead of counting their matches.
    """
    CREATE TABLE term_stats (
        tenant_id TEXT NOT NULL,
        namespace TEXT NOT NULL,
        term TEXT NOT NULL,
        documents INTEGER NOT NULL,
        tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, namespace, term)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX ix_term_stats_empty ON term_stats (tenant_id, namespace) WHERE documents <= 0",
    # A read of every namespace sums each word over the tenant's namespaces.
    "CREATE INDEX ix_term_stats_tenant_term ON term_stats (tenant_id, term)",
    f"""
    CREATE TRIGGER memories_terms_insert AFTER INSERT ON memories WHEN {searchable("new")}
    BEGIN
        {_count_terms("new")}
    END
    """,
    f"""
    CREATE TRIGGER memories_terms_delete AFTER DELETE ON memories WHEN {searchable("old")}
    BEGIN
        {_uncount_terms("old", sweep_partition=True)}
    END
    """,
    f"""
    CREATE TRIGGER memories_terms_update AFTER UPDATE OF {", ".join(_TERM_COLUMNS)}
    ON memories WHEN ({searchable("old")} OR {searchable("new")})
        AND ({" OR ".join(f"old.{c} IS NOT new.{c}" for c in _TERM_COLUMNS)})
    BEGIN
        {_uncount_terms("old", sweep_partition=True)}
        {_count_terms("new")}
    END
    """,
    f"""
    INSERT INTO term_stats (tenant_id, namespace, term, documents, tokens)
    SELECT tenant_id, coalesce(namespace, ''), value, count(*),
        sum(CASE WHEN value = '' THEN {LENGTH_FUNCTION}(m.content) ELSE 0 END)
    FROM memories AS m, json_each({TERMS_FUNCTION}(m.content)) WHERE {searchable("m")}
    GROUP BY 1, 2, 3
    """,
)

_V7: tuple[str, ...] = (
    # A tenant's graph snapshot (cml.storage.sqlite.snapshots): the token written in its files
    # and the last vector_log entry it includes. Only tenants with a snapshot are logged.
    """
    CREATE TABLE vector_snapshots (
        tenant_id TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        seq INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE vector_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        memory_id TEXT NOT NULL
    )
    """,
    "CREATE INDEX ix_vector_log_tenant ON vector_log (tenant_id, seq)",
    """
    CREATE TRIGGER vector_log_insert AFTER INSERT ON memories
    WHEN EXISTS (SELECT 1 FROM vector_snapshots WHERE tenant_id = new.tenant_id) BEGIN
        INSERT INTO vector_log (tenant_id, memory_id) VALUES (new.tenant_id, new.id);
    END
    """,
    """
    CREATE TRIGGER vector_log_update AFTER UPDATE OF
        embedding, status, memory_type, namespace, session_id, created_at, stored_at,
        valid_from, superseded_at ON memories
    WHEN EXISTS (SELECT 1 FROM vector_snapshots WHERE tenant_id = new.tenant_id) BEGIN
        INSERT INTO vector_log (tenant_id, memory_id) VALUES (new.tenant_id, new.id);
    END
    """,
    """
    CREATE TRIGGER vector_log_delete AFTER DELETE ON memories
    WHEN EXISTS (SELECT 1 FROM vector_snapshots WHERE tenant_id = old.tenant_id) BEGIN
        INSERT INTO vector_log (tenant_id, memory_id) VALUES (old.tenant_id, old.id);
    END
    """,
)


# The event log's hash chain: each event's link to its tenant's previous one, and each
# tenant's head. Existing events are chained by the tenant's next append (or verification).
_V8: tuple[str, ...] = (
    "ALTER TABLE events ADD COLUMN prev_hash TEXT",
    "ALTER TABLE events ADD COLUMN hash TEXT",
    """
    CREATE TABLE event_chain (
        tenant_id TEXT PRIMARY KEY,
        head_hash TEXT NOT NULL,
        event_count INTEGER NOT NULL,
        last_event_id INTEGER
    )
    """,
)

_V9: tuple[str, ...] = (
    # A bulk insert counts its rows' terms once for the whole batch (``sqlite/bulk.py``): while
    # its transaction holds the row of ``term_stats_paused``, the insert trigger stands aside.
    # No other connection ever sees the row: it is deleted before the transaction commits.
    "CREATE TABLE term_stats_paused (one INTEGER PRIMARY KEY CHECK (one = 1))",
    "DROP TRIGGER memories_terms_insert",
    f"""
    CREATE TRIGGER memories_terms_insert AFTER INSERT ON memories
    WHEN {searchable("new")} AND NOT EXISTS (SELECT 1 FROM term_stats_paused)
    BEGIN
        {_count_terms("new")}
    END
    """,
)

_V10: tuple[str, ...] = (
    # A memory leaving its partition's counts (retired, forgotten, deleted, changed) deletes
    # the counts it emptied by their keys, among its own terms, instead of scanning every term
    # of the partition for empty ones (3 ms at 100,000 memories, growing with the vocabulary).
    # Only the counts a statement lowers can become empty, so the two find the same rows.
    "DROP TRIGGER memories_terms_delete",
    f"""
    CREATE TRIGGER memories_terms_delete AFTER DELETE ON memories WHEN {searchable("old")}
    BEGIN
        {_uncount_terms("old")}
    END
    """,
    "DROP TRIGGER memories_terms_update",
    f"""
    CREATE TRIGGER memories_terms_update AFTER UPDATE OF {", ".join(_TERM_COLUMNS)}
    ON memories WHEN ({searchable("old")} OR {searchable("new")})
        AND ({" OR ".join(f"old.{c} IS NOT new.{c}" for c in _TERM_COLUMNS)})
    BEGIN
        {_uncount_terms("old")}
        {_count_terms("new")}
    END
    """,
)

_V11: tuple[str, ...] = (
    # Every read in a namespace asks whether it holds consolidated facts (placement). Without
    # statistics SQLite answered through (tenant_id, namespace) and read each of the
    # namespace's rows for its type: 0.5 ms at 550 memories, 18 ms at 20,000. With the type in
    # the index it is one probe; the index still serves every lookup by namespace alone.
    "DROP INDEX ix_memories_tenant_namespace",
    "CREATE INDEX ix_memories_tenant_namespace_type"
    " ON memories (tenant_id, namespace, memory_type)",
)

_V12: tuple[str, ...] = (
    # The primary full-text index holds each memory's partition as a token of a column of its
    # own, so that a read in a small namespace of a large tenant (or a small tenant of a large
    # store) matches inside it: FTS5's bm25 used to rank every match in the table before the
    # filter kept the partition's, 17 ms of a read on 100 namespaces of 490 memories. The
    # column's weight in a ranking is 0 (``sqlite/lexical.py``). The index is built again: FTS5
    # cannot add a column.
    f"ALTER TABLE memories ADD COLUMN {PART_COLUMN} TEXT"
    f" GENERATED ALWAYS AS ({PART_EXPRESSION}) VIRTUAL",
    "DROP TRIGGER memories_fts_insert",
    "DROP TRIGGER memories_fts_delete",
    "DROP TRIGGER memories_fts_update",
    "DROP TABLE memories_fts",
    f"""
    CREATE VIRTUAL TABLE memories_fts USING fts5(
        content, {PART_COLUMN}, content='memories', content_rowid='pk',
        tokenize='porter unicode61'
    )
    """,
    f"""
    CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        {_add("new", partitioned=True)}
    END
    """,
    f"""
    CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        {_remove("old", partitioned=True)}
    END
    """,
    # The partition is part of what an update may change (a memory moved to another namespace;
    # a memory never changes tenant).
    f"""
    CREATE TRIGGER memories_fts_update AFTER UPDATE OF content, memory_type, metadata, namespace
    ON memories BEGIN
        {_remove("old", partitioned=True)}
        {_add("new", partitioned=True)}
    END
    """,
    f"""
    INSERT INTO memories_fts (rowid, content, {PART_COLUMN})
    SELECT pk, content, {PART_COLUMN} FROM memories AS new WHERE NOT {_derived("new")}
    """,
    # A memory's session successors are those of its namespace (``sqlite/session.py``). Without
    # the namespace in the session index, a session label every namespace uses ("s3", a
    # conversation's first session) made the range scan walk the sessions of them all.
    "DROP INDEX ix_memories_tenant_session_order",
    "CREATE INDEX ix_memories_tenant_session_order"
    " ON memories (tenant_id, session_id, namespace, created_at, id)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _V1,
    _V2,
    _V3,
    _V4,
    _V5,
    _V6,
    _V7,
    _V8,
    _V9,
    _V10,
    _V11,
    _V12,
)
"""Migration ``n`` (1-based) brings the schema from version ``n - 1`` to ``n``. Append only."""

SCHEMA_VERSION = len(MIGRATIONS)


def read_schema_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in ``meta`` (0 for a new database)."""
    conn.execute(_META)
    return stored_schema_version(conn)


def stored_schema_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in ``meta``, writing nothing (0 when there is none)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, *, location: str) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version it had before.

    ``conn`` must be in autocommit mode (``isolation_level=None``): the migrations run in one
    ``BEGIN IMMEDIATE`` transaction so that two processes opening a new file do not race.

    Raises:
        StoreMismatchError: The database was written by a newer py-cml.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = read_schema_version(conn)
        if current > SCHEMA_VERSION:
            raise StoreMismatchError(
                f"The store at {location} has schema version {current}, but this py-cml "
                f"supports up to version {SCHEMA_VERSION}.",
                hint="Upgrade py-cml to open this store (or point it at another database).",
            )
        for statements in MIGRATIONS[current:]:
            for statement in statements:
                conn.execute(statement)
        if current < SCHEMA_VERSION:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )
    except BaseException:
        # SQLite rolls back by itself after some failures (a full disk, an I/O error); a second
        # ROLLBACK would then replace the real error with "no transaction is active".
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return current
