"""The session stage: find the sessions that answer a query, then rank the turns within them.

A conversation is written turn by turn, each turn one memory with its ``session_id``. A turn
that matches the query's words in a session about something else (a sign-off that names the
right people, a passing mention) can outrank the turn that answers, in the session that is
about the question. So the candidates of a read are grouped by session and each session is
scored by the evidence of its turns: the mean of its ``session_depth`` best final scores
(a missing turn counts 0, so a session with several matching turns beats one lucky turn).
Each candidate then gets ``session_prior`` of its session's score blended into its own:

    relevance' = (relevance + session_prior * session) / (1 + session_prior)

The session score is on the scale of the turns' own (a mean of them), so a query that matches
nothing well lifts nothing: the blend orders turns, it does not inflate weak matches (which the
calibration of :mod:`.relevance` would then read as confident).

Every turn of one session gets the same prior, so the order *within* a session is the turns'
own: unlike session context (:func:`.retrieval.with_session_context`), no turn borrows the score
of a neighbour, and an answer's successors cannot overtake it. A memory without a session is a
session of its own. The stage reads nothing from the store: it regroups the candidates the
searches already found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from cml.engine.read.scored import Scored

if TYPE_CHECKING:
    from cml.storage.base import MemoryRecord

__all__ = ["session_key", "session_scores", "spread_over_sessions", "with_session_prior"]


def session_key(record: MemoryRecord) -> tuple[str | None, str]:
    """The session a memory belongs to; a memory without a session is a session of its own."""
    if record.session_id is None:
        return (None, record.id)
    return (record.namespace, record.session_id)


def session_scores(scored: Sequence[Scored], depth: int) -> dict[tuple[str | None, str], float]:
    """Each candidate session's score: the mean of its ``depth`` best turn scores (0 padded).

    Example:
        >>> from datetime import UTC, datetime
        >>> from cml.engine.read.scored import Scored
        >>> from cml.storage.base import MemoryRecord
        >>> t = datetime(2024, 1, 1, tzinfo=UTC)
        >>> def turn(i, s, r):
        ...     return Scored(MemoryRecord(i, "t", "x", "episodic_event", t, t, session_id=s), r)
        >>> session_scores([turn("a", "s1", 0.8), turn("b", "s1", 0.4), turn("c", "s2", 0.9)], 2)
        {(None, 's1'): 0.6000000000000001, (None, 's2'): 0.45}
    """
    turns: dict[tuple[str | None, str], list[float]] = defaultdict(list)
    for item in scored:
        turns[session_key(item.record)].append(item.relevance)
    width = max(depth, 1)
    return {key: sum(sorted(values, reverse=True)[:width]) / width for key, values in turns.items()}


def with_session_prior(scored: Sequence[Scored], prior: float, depth: int) -> list[Scored]:
    """The candidates with their session's score blended in, best first.

    Args:
        scored: Every candidate of the read with its final score (not yet cut to
            ``max_results``: the session scores need the whole candidate set).
        prior: ``RankingWeights.session_prior`` (0 leaves the list as it is).
        depth: ``RankingWeights.session_depth``.

    Returns:
        The same memories, rescored and sorted as :func:`.retrieval.rerank` sorts.
    """
    if prior <= 0 or not scored:
        return list(scored)
    sessions = session_scores(scored, depth)
    share = prior
    blended = [
        replace(
            item,
            relevance=round(
                (item.relevance + share * sessions[session_key(item.record)]) / (1 + share), 4
            ),
        )
        for item in scored
    ]
    blended.sort(key=lambda s: (s.relevance, s.record.created_at, s.record.id), reverse=True)
    return blended


def spread_over_sessions(scored: Sequence[Scored], share: float) -> list[Scored]:
    """The candidates with each session's further turns discounted, best first.

    The list is walked best first and each candidate keeps ``(1 - share) ** n`` of its
    relevance, ``n`` being the number of candidates of its session already above it: a
    session's best turn keeps its score, so one session can no longer fill the top by itself.

    Args:
        scored: Every candidate of the read, best first, with its final score.
        share: Share of a candidate's score taken away per candidate of its session above it
            (0 leaves the list as it is).

    Returns:
        The same memories, rescored and sorted as :func:`.retrieval.rerank` sorts.
    """
    if share <= 0 or not scored:
        return list(scored)
    keep = 1.0 - min(share, 1.0)
    seen: dict[tuple[str | None, str], int] = defaultdict(int)
    spread = []
    for item in scored:
        key = session_key(item.record)
        spread.append(replace(item, relevance=round(item.relevance * keep ** seen[key], 4)))
        seen[key] += 1
    spread.sort(key=lambda s: (s.relevance, s.record.created_at, s.record.id), reverse=True)
    return spread
