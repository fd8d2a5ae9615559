"""Hybrid recall: lexical and vector candidates, fused by rank, reranked by memory signals.

1. Candidates: the store's full-text search and its vector search, each asked for
   ``max(candidate_floor, candidate_factor * max_results)`` hits within the request's filter.
   The full-text query leaves out words common in the searched partition (:mod:`.terms`).
2. Session context: a memory written in a session is read in the light of the turns just before
   it (an answer is often worded in terms of the question it answers), so each full-text hit
   lends a share (``context``) of its score to the next ``context_turns`` memories of its
   session, never lifting one above the hit it borrowed from. This happens at read time:
   nothing is copied between memories, so forgetting one leaves no trace of it in its
   neighbours. After the fusion the converse is applied among the candidates: a turn
   borrows a share (``replied``) of the candidate that replies to it, the next turn of its
   session by another named speaker (:mod:`.replies`).
3. Fusion: reciprocal rank fusion (``weight / (k + rank)`` summed over the lists), normalised by
   the best possible score, so only a memory ranked first by *both* searches scores 1. A memory
   found by one search alone (say, a nearest neighbour of a query no stored word matches) stays
   well below that, so that an unrelated query does not produce confident-looking results.
4. Rerank: a weighted mean of the fused score, the cosine similarity, recency (exponential decay
   with a half-life), importance and confidence. The fused score dominates; the others break ties
   and lift memories that matter. The result is each item's ``relevance`` in [0, 1].

Two measured stages are opt-in (off by default, figures in ``docs/benchmarks.md``):
pseudo-relevance feedback adds second-round lists to the fusion (:mod:`.feedback`), and the
session stage blends each candidate's session score into its own after the rerank
(:mod:`.sessions`).

All the knobs live in :class:`RankingWeights` so that a benchmark can tune them in one place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from cml.engine.filters import filter_fields
from cml.engine.probes import span
from cml.engine.read.asking import favour_telling_turns
from cml.engine.read.coverage import with_session_coverage
from cml.engine.read.events import spread_events
from cml.engine.read.feedback import feedback_rankings
from cml.engine.read.occasions import spread_occasions
from cml.engine.read.replies import lend_to_replied
from cml.engine.read.roles import favour_asked_role
from cml.engine.read.scored import Scored
from cml.engine.read.sessions import with_session_prior
from cml.engine.read.speakers import favour_named_speaker
from cml.engine.read.terms import informative_query
from cml.engine.read.timeframe import dated_rankings
from cml.engine.read.when import favour_dated_answers
from cml.models import MemoryType, ReadRequest
from cml.storage.base import (
    DEFAULT_STATUSES,
    SUPERSEDED,
    MemoryFilter,
    MemoryRecord,
    MemoryStore,
    Vector,
)

__all__ = [
    "RankingWeights",
    "Scored",
    "Search",
    "fuse_ranks",
    "read_filter",
    "recency_score",
    "rerank",
    "retrieve",
    "with_session_context",
]


@dataclass(frozen=True)
class RankingWeights:
    """Every tunable number of retrieval.

    Attributes:
        rrf_k: The ``k`` of reciprocal rank fusion; larger flattens the rank curve.
        lexical: Weight of the full-text list in the fusion.
        vector: Weight of the vector list in the fusion.
        fused: Weight of the normalised fused score in the final relevance.
        similarity: Weight of the raw cosine similarity (RRF alone forgets how close a hit is).
        recency: Weight of recency.
        importance: Weight of the memory's importance.
        confidence: Weight of the memory's confidence.
        half_life_days: Age at which recency has decayed to one half.
        candidate_floor: Fewest candidates asked of each search.
        candidate_factor: Candidates asked per requested result.
        context: Share of a full-text hit's score lent to the memories that follow it in its
            session (0 turns session context off).
        context_turns: How many following memories of the session receive that share.
        context_ceiling: Borrowed context lifts a memory to at most this multiple of the
            score of the hit it borrowed from (1: never above it; ``inf``: no ceiling).
        common_share: A query word held by more than this share of the partition's memories
            is left out of the full-text query (:mod:`.terms`; 0 keeps every word).
        dates: Weight in the fusion of the list of memories from the times the query names
            ("last week", "in May"; :mod:`.timeframe`; 0 turns it off).
        date_slack_days: Days a named time is widened by after its end (things are often told
            a few days after they happen).
        speaker: When the query names one of the speakers of the candidates, the share of
            the fused score taken from the turns of the other speakers (:mod:`.speakers`).
        when: When the query asks when, the share of the fused score taken from the
            candidates whose text names no time (:mod:`.when`; 0 turns it off).
        asking: The share of the fused score taken from the candidates made only of
            questions and exclamations (:mod:`.asking`; 0 turns it off).
        replied: Share of a named speaker's fused score lent to the turn of another
            speaker it replies to, the turn before it in its session (:mod:`.replies`; 0
            turns it off; ``user:``/``assistant:`` messages never lend).
        role: When the candidates are ``user:``/``assistant:`` messages and the query asks
            for one role's words, the share of the fused score taken from the other role's
            (:mod:`.roles`; 0 turns it off).
        coverage: When the query gathers facts from several occasions, the share of a
            candidate's score taken away per candidate of its session ranked above it
            (:mod:`.coverage`; 0, the default, turns it off: it trades turn recall for
            session recall on LongMemEval and loses on LoCoMo).
        session_prior: Weight of the candidate's session score blended into its own
            (:mod:`.sessions`; 0, the default, turns the session stage off: it wins on LoCoMo
            and loses on LongMemEval).
        session_depth: How many of a session's best candidates make its score.
        feedback_hits: First-round hits that seed pseudo-relevance feedback (:mod:`.feedback`).
        feedback_vector: Weight of the second-round vector list in the fusion (0: off).
        feedback_lexical: Weight of the second-round full-text list in the fusion (0: off;
            feedback is off by default: it barely moves recall and doubles a read's CPU).
        event_spread: For a query relating events in time ("which came first"), the share
            of its score each further turn of an already ranked session gives up
            (:mod:`.events`; 0 turns it off).
        occasion_spread: In a user/assistant history, for a query gathering what was told on
            several occasions ("how many", "in total", "most recently"), the share of its
            score each further message of an already ranked session gives up
            (:mod:`.occasions`; 0 turns it off).

    The defaults are the best configuration measured on the LoCoMo benchmark
    (``benchmarks/locomo_recall.py``; see ``docs/benchmarks.md`` for the ablation).
    """

    rrf_k: int = 10
    lexical: float = 1.0
    vector: float = 0.5
    fused: float = 1.0
    similarity: float = 0.5
    recency: float = 0.1
    importance: float = 0.1
    confidence: float = 0.05
    half_life_days: float = 30.0
    candidate_floor: int = 50
    candidate_factor: int = 5
    context: float = 0.4
    context_turns: int = 2
    context_ceiling: float = 1.0
    common_share: float = 0.2
    dates: float = 2.0
    date_slack_days: float = 3.0
    speaker: float = 0.5
    when: float = 0.67
    asking: float = 0.5
    replied: float = 0.4
    role: float = 0.8
    coverage: float = 0.0
    session_prior: float = 0.0
    session_depth: int = 3
    feedback_hits: int = 1
    feedback_vector: float = 0.0
    feedback_lexical: float = 0.0
    event_spread: float = 0.2
    occasion_spread: float = 0.3

    def candidate_limit(self, max_results: int) -> int:
        """How many candidates to ask of each search for ``max_results`` results."""
        return max(self.candidate_floor, self.candidate_factor * max_results)


def read_filter(
    tenant_id: str, request: ReadRequest, memory_types: Sequence[MemoryType] | None = None
) -> MemoryFilter:
    """Translate a read request into a store filter.

    Reads see ``active`` and ``compressed`` memories, plus ``silent`` and ``superseded`` ones when
    the request asks; ``archived`` and ``deleted`` memories are never recalled. ``as_of`` limits
    them to what the store held then (:attr:`MemoryFilter.as_of`).

    Args:
        tenant_id: Whose memories.
        request: The read.
        memory_types: These types instead of the request's own (the request's when ``None``).
    """
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    if request.include_silent:
        statuses = (*statuses, "silent")
    if request.include_superseded or request.as_of is not None:
        # As of a time, a memory retired later was current then; the filter's times decide.
        statuses = (*statuses, SUPERSEDED)
    types = memory_types if memory_types is not None else request.memory_types
    return MemoryFilter(
        tenant_id=tenant_id,
        namespace=request.namespace,
        memory_types=[str(t) for t in types] if types else None,
        statuses=statuses,
        session_id=request.session_id,
        since=request.since,
        until=request.until,
        as_of=request.as_of,
        retired_by_then=request.include_superseded,
        **filter_fields(request),
    )


def recency_score(created_at: datetime, now: datetime, half_life_days: float) -> float:
    """Exponential decay of age: 1 for now (or the future), 0.5 after one half-life."""
    age_days = (now - created_at).total_seconds() / 86_400
    if age_days <= 0:
        return 1.0
    return math.exp(-math.log(2) * age_days / half_life_days)


def fuse_ranks(rankings: Sequence[tuple[Sequence[str], float]], k: int) -> dict[str, float]:
    """Reciprocal rank fusion of ranked id lists, normalised into [0, 1].

    Args:
        rankings: Pairs of (ids best first, weight of that list).
        k: The RRF constant.

    Returns:
        Fused score per id; an id first in every list scores 1.

    Example:
        >>> fuse_ranks([(["a", "b"], 1.0), (["b"], 1.0)], k=60)["b"] > 0.5
        True
    """
    scores: dict[str, float] = {}
    best = sum(weight for _, weight in rankings) / (k + 1)
    for ids, weight in rankings:
        for rank, memory_id in enumerate(ids, start=1):
            scores[memory_id] = scores.get(memory_id, 0.0) + weight / (k + rank)
    if best <= 0 or not scores:
        return {}
    return {memory_id: score / best for memory_id, score in scores.items()}


def with_session_context(
    hits: Sequence[tuple[str, float]],
    successors: dict[str, list[str]],
    share: float,
    ceiling: float = 1.0,
) -> list[tuple[str, float]]:
    """Full-text hits after each has lent ``share`` of its score to its session successors.

    Args:
        hits: ``(memory_id, score)`` best first, scores higher-is-better and non-negative.
        successors: For a hit, the memories that follow it in its session, nearest first.
        share: Fraction of a hit's score each successor receives.
        ceiling: A successor's score after borrowing is at most this multiple of the best
            score it borrowed from (its own score, if higher, is kept).

    Returns:
        Hits and successors (possibly new candidates) by their new score, best first.

    Example:
        >>> with_session_context([("q", 2.0), ("x", 1.0)], {"q": ["a"]}, 0.75)
        [('q', 2.0), ('a', 1.5), ('x', 1.0)]
    """
    own = {memory_id: max(score, 0.0) for memory_id, score in hits}
    scores = dict(own)
    lenders: dict[str, float] = {}
    for memory_id, score in hits:
        for follower in successors.get(memory_id, ()):
            scores[follower] = scores.get(follower, 0.0) + share * max(score, 0.0)
            lenders[follower] = max(lenders.get(follower, 0.0), max(score, 0.0))
    # By default borrowed score never lifts a memory above the best hit it borrowed from: the
    # context explains a memory, it does not outrank the memory that gave it.
    for follower, top in lenders.items():
        scores[follower] = max(own.get(follower, 0.0), min(scores[follower], ceiling * top))
    # sorted() is stable: equal scores keep the order of first appearance.
    return sorted(scores.items(), key=lambda item: -item[1])


def _similarity(record: MemoryRecord, query: Vector, fallback: float | None) -> float:
    if record.embedding is not None and record.embedding.shape == query.shape:
        value = float(np.dot(record.embedding, query))
    elif fallback is not None:
        value = fallback
    else:
        return 0.0
    return min(1.0, max(0.0, value))


def rerank(
    records: Sequence[MemoryRecord],
    fused: dict[str, float],
    similarities: dict[str, float],
    query_vector: Vector,
    *,
    now: datetime,
    weights: RankingWeights,
) -> list[Scored]:
    """Combine the fused score with memory signals; best first (ties: newer first)."""
    total = (
        weights.fused
        + weights.similarity
        + weights.recency
        + weights.importance
        + weights.confidence
    )
    scored: list[Scored] = []
    for record in records:
        parts = (
            weights.fused * fused.get(record.id, 0.0)
            + weights.similarity * _similarity(record, query_vector, similarities.get(record.id))
            + weights.recency * recency_score(record.created_at, now, weights.half_life_days)
            + weights.importance * min(1.0, max(0.0, record.importance))
            + weights.confidence * min(1.0, max(0.0, record.confidence))
        )
        relevance = round(min(1.0, max(0.0, parts / total)), 4) if total > 0 else 0.0
        scored.append(Scored(record=record, relevance=relevance))
    scored.sort(key=lambda s: (s.relevance, s.record.created_at, s.record.id), reverse=True)
    return scored


@dataclass(frozen=True)
class Search:
    """One read's search: whose memories, which request, and how to rank them."""

    store: MemoryStore
    """Where the memories live."""
    tenant_id: str
    """Whose memories to search; nothing of another tenant is ever returned."""
    request: ReadRequest
    """The query, filters and ``max_results``."""
    query_vector: Vector
    """The query's embedding (by the store's model), shared by every retrieval of the read."""
    now: datetime
    """The moment recency is measured from, and the reference of the query's dates unless the
    request names its own ``reference_time``."""
    weights: RankingWeights
    """Ranking knobs."""


def retrieve(search: Search, memory_types: Sequence[MemoryType] | None = None) -> list[Scored]:
    """Recall the memories most relevant to ``search.request.query``.

    Args:
        search: What to search and how to rank it.
        memory_types: Only these types, instead of the request's own (``None``: as requested).

    Returns:
        At most ``request.max_results`` memories, most relevant first.
    """
    store, tenant_id, request = search.store, search.tenant_id, search.request
    query_vector, now, weights = search.query_vector, search.now, search.weights
    filt = read_filter(tenant_id, request, memory_types)
    limit = weights.candidate_limit(request.max_results)
    text = informative_query(store, filt, request.query, weights.common_share)
    lexical = store.lexical_search(filt, text, limit)
    # Successors looked up for session context, kept for the replies stage (same filter).
    known: dict[str, list[str]] = {}
    if lexical and weights.context > 0 and weights.context_turns > 0:
        anchors = [i for i, _ in lexical]
        successors = store.session_successors(filt, anchors, weights.context_turns)
        known = {anchor: successors.get(anchor, []) for anchor in anchors}
        lexical = with_session_context(
            lexical, successors, weights.context, weights.context_ceiling
        )[:limit]
    vector = store.vector_search(filt, query_vector, limit)
    rankings = [
        ([i for i, _ in lexical], weights.lexical),
        ([i for i, _ in vector], weights.vector),
    ]
    rankings += dated_rankings(
        store,
        filt,
        request.query,
        text,
        query_vector,
        reference=request.reference_time or now,
        limit=limit,
        weight=weights.dates,
        slack_days=weights.date_slack_days,
        rrf_k=weights.rrf_k,
    )
    with span("fusion", tenant=tenant_id):
        fused = fuse_ranks(rankings, weights.rrf_k)
    extra = feedback_rankings(
        store,
        filt,
        fused,
        query_vector,
        limit,
        hits=weights.feedback_hits,
        vector_weight=weights.feedback_vector,
        lexical_weight=weights.feedback_lexical,
        common_share=weights.common_share,
    )
    if extra:
        fused = fuse_ranks([*rankings, *extra], weights.rrf_k)
    if not fused:
        return []
    # Ranked from partial records (what the stages read); the results are fetched whole below.
    records = store.get_candidates(tenant_id, list(fused))
    # The store already filtered; re-check the tenant so that a backend bug cannot leak rows.
    allowed = set(filt.statuses or ())
    records = [r for r in records if r.tenant_id == tenant_id and r.status in allowed]
    fused = lend_to_replied(store, filt, records, fused, weights.replied, known)
    fused = favour_named_speaker(records, fused, request.query, weights.speaker)
    fused = favour_dated_answers(records, fused, request.query, weights.when)
    fused = favour_telling_turns(records, fused, weights.asking)
    fused = favour_asked_role(records, fused, request.query, weights.role)
    scored = rerank(records, fused, dict(vector), query_vector, now=now, weights=weights)
    scored = spread_events(scored, request.query, weights.event_spread)
    scored = spread_occasions(scored, request.query, weights.occasion_spread)
    prior = with_session_prior(scored, weights.session_prior, weights.session_depth)
    best = with_session_coverage(prior, request.query, weights.coverage)[: request.max_results]
    if not best:
        return []
    whole = {r.id: r for r in store.get_many(tenant_id, [s.record.id for s in best])}
    return [
        Scored(record=record, relevance=s.relevance)
        for s in best
        if (record := whole.get(s.record.id)) is not None
        and record.tenant_id == tenant_id
        and record.status in allowed
    ]
