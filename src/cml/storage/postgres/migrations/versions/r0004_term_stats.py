"""Per-partition term statistics, kept by a trigger on ``memories``.

``term_stats`` counts, per tenant and namespace (``''`` for none), the searchable memories that
hold each lexeme of ``content_tsv``, and under the lexeme ``''`` the searchable memories
themselves and their total length in distinct lexemes (as BM25 measures them here). Searchable:
status active or compressed, and not a fact written by consolidation (the SQLite backend indexes
those apart, and both count the same memories). The trigger updates the counts in the statement
that changes a memory. Every statement takes the partition's ``''`` row first and the others in
lexeme order, so concurrent writers of one partition queue on that row instead of deadlocking on
the others. Existing memories are counted by the upgrade.

Create Date: 2026-12-06
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps

revision = "0004"
down_revision = "0003"


def searchable(row: str) -> str:
    """SQL truth of "``row`` counts in its partition's term statistics" (revision 0006 too)."""
    return (
        f"({row}.status IN ('active', 'compressed') AND NOT ({row}.memory_type = 'semantic_fact'"
        f" AND coalesce({row}.metadata ->> 'source', '') = 'consolidation'))"
    )


_COLUMNS = ("tenant_id", "namespace", "content", "status", "memory_type", "metadata")

_UPGRADE = (
    """
    CREATE TABLE term_stats (
        tenant_id text NOT NULL,
        namespace text NOT NULL,
        term text COLLATE "C" NOT NULL,
        documents integer NOT NULL,
        tokens bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, namespace, term)
    )
    """,
    "CREATE INDEX ix_term_stats_empty ON term_stats (tenant_id, namespace) WHERE documents <= 0",
    # A read of every namespace sums each word over the tenant's namespaces.
    "CREATE INDEX ix_term_stats_tenant_term ON term_stats (tenant_id, term)",
    """
    CREATE FUNCTION cml_count_terms(t text, ns text, tsv tsvector, delta integer)
    RETURNS void LANGUAGE sql AS $$
        INSERT INTO term_stats AS s (tenant_id, namespace, term, documents, tokens)
        SELECT t, ns, term, delta, CASE WHEN term = '' THEN delta * length(tsv) ELSE 0 END
        FROM unnest(array_prepend('', tsvector_to_array(tsv))) AS term ORDER BY term
        ON CONFLICT (tenant_id, namespace, term)
        DO UPDATE SET documents = s.documents + excluded.documents,
            tokens = s.tokens + excluded.tokens;
        DELETE FROM term_stats
        WHERE delta < 0 AND tenant_id = t AND namespace = ns AND documents <= 0;
    $$
    """,
    f"""
    CREATE FUNCTION cml_term_stats() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {searchable("OLD")} THEN
            PERFORM cml_count_terms(
                OLD.tenant_id, coalesce(OLD.namespace, ''), OLD.content_tsv, -1);
        END IF;
        IF TG_OP <> 'DELETE' AND {searchable("NEW")} THEN
            PERFORM cml_count_terms(
                NEW.tenant_id, coalesce(NEW.namespace, ''), NEW.content_tsv, 1);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER memories_terms AFTER INSERT OR DELETE ON memories
    FOR EACH ROW EXECUTE FUNCTION cml_term_stats()
    """,
    f"""
    CREATE TRIGGER memories_terms_update AFTER UPDATE OF {", ".join(_COLUMNS)} ON memories
    FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _COLUMNS)})
    EXECUTE FUNCTION cml_term_stats()
    """,
    f"""
    INSERT INTO term_stats (tenant_id, namespace, term, documents, tokens)
    SELECT m.tenant_id, coalesce(m.namespace, ''), term, count(*),
        sum(CASE WHEN term = '' THEN length(m.content_tsv) ELSE 0 END)
    FROM memories AS m, unnest(array_prepend('', tsvector_to_array(m.content_tsv))) AS term
    WHERE {searchable("m")}
    GROUP BY 1, 2, 3
    """,
)

_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS memories_terms_update ON memories",
    "DROP TRIGGER IF EXISTS memories_terms ON memories",
    "DROP FUNCTION IF EXISTS cml_term_stats()",
    "DROP FUNCTION IF EXISTS cml_count_terms(text, text, tsvector, integer)",
    "DROP TABLE IF EXISTS term_stats",
)

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
