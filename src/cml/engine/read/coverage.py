"""Session coverage: a question that gathers over time gets its top results from several sessions.

Some questions are answered by one message; others gather facts told on different days: "How
many doctor's appointments did I go to in March?", "How much did I spend on the car wash and
the parking ticket?", "Which did I do first, ...?". Their evidence sits in several sessions,
but a session that talks about the subject at length (a long chat about bird feeders) fills
the whole top of the ranking by itself: its every turn matches, and session context
(:func:`.retrieval.with_session_context`) lends each hit's score to its neighbours. The other
sessions that hold the rest of the answer fall below the cut.

For a query that asks to gather (:data:`GATHERS`: counts, totals, comparisons, orders,
"both", "each"), the final list is walked best first and each candidate's relevance is scaled
by ``(1 - share) ** n``, ``n`` being the number of candidates of its session already above it
(a memory without a session is a session of its own); then the list is sorted again. The best
turn of each session keeps its score, so a session's best turn can pass another session's
third or fourth. Other queries are left as they are: a question answered by one message loses
nothing to a rule made for gathering.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from cml.engine.read.scored import Scored
from cml.engine.read.sessions import session_key

__all__ = ["GATHERS", "gathers", "with_session_coverage"]

GATHERS = re.compile(
    r"\b(?:how many|how much|in total|total|altogether|both|each|every|all the|average"
    r"|compared? (?:to|with)|difference|between|more than|less than|first|last|before|after"
    r"|order|most recently|earlier|later|times)\b",
    re.IGNORECASE,
)
"""A query that gathers facts from several occasions: a count, a sum, a comparison, an order."""


def gathers(query: str) -> bool:
    """Whether ``query`` asks to gather facts from several occasions.

    Example:
        >>> gathers("How many fish are in both tanks?"), gathers("What breed is my dog?")
        (True, False)
    """
    return GATHERS.search(query) is not None


def with_session_coverage(scored: Sequence[Scored], query: str, share: float) -> list[Scored]:
    """The candidates with repeated sessions scaled down, when the query gathers; best first.

    Args:
        scored: Every candidate of the read, best first, with its final score (not yet cut to
            ``max_results``).
        query: The caller's text.
        share: Share of a candidate's score taken away per candidate of its session above it
            (0 leaves the list as it is).

    Returns:
        The same memories, rescored and sorted as :func:`.retrieval.rerank` sorts.
    """
    if share <= 0 or not scored or not gathers(query):
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
