"""Time-aware retrieval: the memories from the times a query names, as one more ranked list.

A query that names a time ("last Saturday", "in May", "on October 13, 2023", "two weeks
before August 11, 2023"; :mod:`.dates` reads them against the read's reference time) is asking
about what happened then. A memory's date is its ``timestamp``, which no text search sees, so
the answer, worded unlike the question, can be far down both candidate lists. Here each window
named, widened by a little slack (a day before; ``date_slack_days`` after, since things are
often told a few days after they happen), is searched on its own: the full-text search with
the query's other words and the vector search with the query's embedding, both limited to the
window and fused by rank. That ranking joins the read's fusion as one more list with weight
``dates``: a memory from the named time that also matches the question rises, and memories of
that time enter the candidates at all. A query naming no time gets no such list, and ranks
exactly as without this stage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from cml.engine.read.dates import DateWindow, resolve_dates
from cml.storage.base import MemoryFilter, MemoryStore, Vector
from cml.storage.fts import query_tokens

__all__ = ["MAX_WINDOWS", "dated_rankings"]

MAX_WINDOWS = 3
"""Most windows of one query searched (each costs a full-text and a vector search)."""


def dated_rankings(
    store: MemoryStore,
    filt: MemoryFilter,
    query: str,
    text: str,
    query_vector: Vector,
    *,
    reference: datetime,
    limit: int,
    weight: float,
    slack_days: float,
    rrf_k: int,
) -> list[tuple[list[str], float]]:
    """The ranked list of memories from the times ``query`` names, ready for fusion.

    Args:
        store: Where the memories live.
        filt: The read's filter (the windows narrow its ``since`` / ``until``).
        query: The caller's text, where the date expressions are looked for.
        text: The words the read's full-text search scores (the date words are left out
            here: inside the window they tell nothing).
        query_vector: The query's embedding.
        reference: The moment the query is asked from.
        limit: Candidates asked of each search.
        weight: Weight of the list in the fusion (0 turns the stage off).
        slack_days: Days a window is widened by after its end.
        rrf_k: The ``k`` of reciprocal rank fusion.

    Returns:
        ``[(memory ids best first, weight)]``, or ``[]`` when the query names no time, the
        weight is 0, or nothing was stored then.
    """
    if weight <= 0:
        return []
    found = resolve_dates(query, reference)
    if not found.windows:
        return []
    words = [t for t in query_tokens(text) if t not in found.words]
    scores: dict[str, float] = {}
    for window in found.windows[:MAX_WINDOWS]:
        narrowed = _within(filt, window, slack_days)
        if narrowed is None:
            continue
        lists: list[Sequence[tuple[str, float]]] = [
            store.vector_search(narrowed, query_vector, limit)
        ]
        if words:
            lists.append(store.lexical_search(narrowed, " ".join(words), limit))
        for ranked in lists:
            for rank, (memory_id, _) in enumerate(ranked, start=1):
                scores[memory_id] = scores.get(memory_id, 0.0) + 1.0 / (rrf_k + rank)
    if not scores:
        return []
    ordered = sorted(scores, key=lambda memory_id: -scores[memory_id])
    return [(ordered[:limit], weight)]


def _within(filt: MemoryFilter, window: DateWindow, slack_days: float) -> MemoryFilter | None:
    """``filt`` narrowed to the window and its slack; ``None`` when nothing is left."""
    since = window.start - timedelta(days=1)
    until = window.end + timedelta(days=slack_days)
    if filt.since is not None:
        since = max(since, filt.since)
    if filt.until is not None:
        until = min(until, filt.until)
    if since > until:
        return None
    return dataclasses.replace(filt, since=since, until=until)
