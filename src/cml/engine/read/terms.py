"""Which words of a query the full-text search should score, judged within the partition.

Full-text indexes weigh a word by how rare it is in the whole table, across tenants and
namespaces. A word that is rare in the table but common in the partition being searched (the
names of the two people of a conversation, held by half of its memories) then weighs like an
informative word, and short memories that hold it ("Bye Nate!") crowd the top of the list. Here
each query word is looked up in the partition's term statistics (tenant and namespace of the
read, searchable memories; the store keeps them as memories change, see
:meth:`~cml.storage.base.Search.term_statistics`); a word held by more than ``common_share`` of
the partition's memories is left out of the full-text query, as a partition-local BM25 would all
but ignore it. The vector search still sees the whole query.

A partition smaller than :data:`MIN_PARTITION` is left to the index's own statistics (too few
memories to call a word common).
"""

from __future__ import annotations

from cml.storage.base import MemoryFilter, MemoryStore
from cml.storage.fts import query_tokens

__all__ = ["MIN_PARTITION", "informative_query"]

MIN_PARTITION = 50
"""Fewest memories in a partition for a word to be judged common in it."""


def informative_query(
    store: MemoryStore, filt: MemoryFilter, query: str, common_share: float
) -> str:
    """``query`` without the words that more than ``common_share`` of the partition holds.

    Args:
        store: Where the memories live.
        filt: The read's filter; its tenant and namespace name the partition.
        query: The caller's text.
        common_share: Share of the partition's memories above which a word is common; 0 or
            at least 1 keeps every word.

    Returns:
        The words to score, space-separated (the rarest word is always kept), or ``query``
        unchanged when nothing is left out.
    """
    tokens = query_tokens(query)
    if not 0 < common_share < 1 or len(tokens) < 2:
        return query
    documents, counts, _ = store.term_statistics(filt.tenant_id, filt.namespace, tokens)
    if documents < MIN_PARTITION:
        return query
    kept = [t for t in tokens if counts.get(t, 0) <= common_share * documents]
    if len(kept) == len(tokens):
        return query
    if not kept:
        kept = [min(tokens, key=lambda t: counts.get(t, 0))]
    return " ".join(kept)
