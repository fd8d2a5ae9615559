"""Where consolidated facts appear in a read: beside the ranked list, not in it.

A consolidated fact restates episodes that are still stored and still recalled. In the ranked
list it would take the slot of a memory carrying the original wording, the speaker, the date
and the caller's own metadata (ids, references) — which is what a caller matching results back
to its own records needs. Even outside the top results it would shift the episodes' ranks in
the candidate lists that fusion works on. So, unless a read names the types it wants, the ranked
list is computed without semantic facts (exactly the ranking the episodes had before any
consolidation), semantic facts the caller wrote itself are merged back in by relevance, and
consolidated facts that rank among the results *accompany* them: in the packet's ``facts``
bucket and in the ``llm_context`` block, where a one-line summary of many episodes is worth its
tokens. The facts help and displace nothing. A namespace without any semantic fact costs one
retrieval, as before; one with facts costs a second.
"""

from __future__ import annotations

from cml.engine.read.retrieval import Scored, Search, read_filter, retrieve
from cml.models import MemoryType, ReadRequest
from cml.storage.base import MemoryRecord, MemoryStore

__all__ = ["is_consolidated_fact", "place_facts"]

_FACT = MemoryType.SEMANTIC_FACT
_NOT_FACTS = [t for t in MemoryType if t is not _FACT]


def is_consolidated_fact(record: MemoryRecord) -> bool:
    """Whether a memory is a fact written by consolidation."""
    return (
        str(record.memory_type) == _FACT.value and record.metadata.get("source") == "consolidation"
    )


def place_facts(search: Search) -> tuple[list[Scored], list[Scored]]:
    """The ranked list of a read and the consolidated facts that accompany it.

    Args:
        search: The read's search; each retrieval of the read runs it.

    Returns:
        ``(ranked list, companion facts)``: at most ``max_results`` memories, none of them a
        consolidated fact unless the request named its types; and the consolidated facts that
        rank among the top results.
    """
    request = search.request
    if request.memory_types or not _has_facts(search.store, search.tenant_id, request):
        return retrieve(search), []
    everything = retrieve(search)
    companions = [s for s in everything if is_consolidated_fact(s.record)]
    own_facts = [
        s
        for s in everything
        if str(s.record.memory_type) == _FACT.value and not is_consolidated_fact(s.record)
    ]
    episodes = retrieve(search, memory_types=_NOT_FACTS)
    merged = [*episodes, *own_facts]
    merged.sort(key=lambda s: (s.relevance, s.record.created_at, s.record.id), reverse=True)
    return merged[: request.max_results], companions


def _has_facts(store: MemoryStore, tenant_id: str, request: ReadRequest) -> bool:
    # One indexed row lookup: a namespace without semantic facts reads exactly as before.
    return store.any_memory(read_filter(tenant_id, request, [_FACT]))
