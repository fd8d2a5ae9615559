"""Term statistics of a large insert counted from the inserted rows themselves.

``cml_count_rows`` adds the counts of rows given as three parallel arrays (tenant, namespace,
``content_tsv``): a bulk insert passes what its ``INSERT ... RETURNING`` returned, so nothing is
read back from ``memories`` (``cml_count_inserted`` of revision 0006 joined the table by id once
per batch, which its planner could turn into a scan of the whole table). Same counts, same order
of rows as the trigger (the partition's ``''`` row first, then by term).

Create Date: 2026-12-06
"""

from __future__ import annotations

from cml.storage.postgres.migrations.versions import r0006_bulk_terms, statement_steps

revision = "0007"
down_revision = "0006"

_UPGRADE = (
    """
    CREATE FUNCTION cml_count_rows(tenants text[], namespaces text[], tsvs tsvector[])
    RETURNS void LANGUAGE sql AS $$
        INSERT INTO term_stats AS s (tenant_id, namespace, term, documents, tokens)
        SELECT r.tenant_id, r.namespace, term, count(*),
            sum(CASE WHEN term = '' THEN length(r.tsv) ELSE 0 END)
        FROM unnest(tenants, namespaces, tsvs) AS r(tenant_id, namespace, tsv),
            unnest(array_prepend('', tsvector_to_array(r.tsv))) AS term
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, namespace, term)
        DO UPDATE SET documents = s.documents + excluded.documents,
            tokens = s.tokens + excluded.tokens;
    $$
    """,
    "DROP FUNCTION IF EXISTS cml_count_inserted(text[], text[])",
)

_DOWNGRADE = (
    r0006_bulk_terms.COUNT_INSERTED,
    "DROP FUNCTION IF EXISTS cml_count_rows(text[], text[], tsvector[])",
)

upgrade, downgrade = statement_steps(_UPGRADE, _DOWNGRADE)
