"""Term statistics of a large insert counted once for the whole batch.

While a transaction has set ``cml.bulk_terms`` to ``on`` (``set_config(..., true)``: that
transaction only), the term trigger leaves inserted rows alone; the writer then calls
``cml_count_inserted`` with the ids it inserted, which adds their counts in one statement, in
the same order of rows as the trigger (the partition's ``''`` row first, then by term).
Updates and deletes are counted by the trigger as before.

Create Date: 2026-12-06
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import statement_steps
from cml.storage.postgres.migrations.versions.r0004_term_stats import searchable

revision = "0006"
down_revision = "0005"


def _trigger_function(counts_insert: str) -> str:
    """The term trigger's function; ``counts_insert`` says when it counts an inserted row."""
    return f"""
    CREATE OR REPLACE FUNCTION cml_term_stats() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {searchable("OLD")} THEN
            PERFORM cml_count_terms(
                OLD.tenant_id, coalesce(OLD.namespace, ''), OLD.content_tsv, -1);
        END IF;
        IF TG_OP <> 'DELETE' AND {searchable("NEW")} AND ({counts_insert}) THEN
            PERFORM cml_count_terms(
                NEW.tenant_id, coalesce(NEW.namespace, ''), NEW.content_tsv, 1);
        END IF;
        RETURN NULL;
    END
    $$
    """


COUNT_INSERTED = f"""
    CREATE FUNCTION cml_count_inserted(tenants text[], ids text[])
    RETURNS void LANGUAGE sql AS $$
        INSERT INTO term_stats AS s (tenant_id, namespace, term, documents, tokens)
        SELECT m.tenant_id, coalesce(m.namespace, ''), term, count(*),
            sum(CASE WHEN term = '' THEN length(m.content_tsv) ELSE 0 END)
        FROM unnest(tenants, ids) AS k(tenant_id, id)
        JOIN memories AS m ON m.tenant_id = k.tenant_id AND m.id = k.id,
            unnest(array_prepend('', tsvector_to_array(m.content_tsv))) AS term
        WHERE {searchable("m")}
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, namespace, term)
        DO UPDATE SET documents = s.documents + excluded.documents,
            tokens = s.tokens + excluded.tokens;
    $$
    """
"""The function this revision adds (revision 0007 replaces it; its downgrade brings it back)."""

_UPGRADE = (
    _trigger_function(
        "TG_OP <> 'INSERT' OR coalesce(current_setting('cml.bulk_terms', true), '') <> 'on'"
    ),
    COUNT_INSERTED,
)

_DOWNGRADE = (
    "DROP FUNCTION IF EXISTS cml_count_inserted(text[], text[])",
    _trigger_function("true"),
)


upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
