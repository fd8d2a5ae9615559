"""Questions that gather occasions from a chat history: each occasion's chat near the top.

"How many musical instruments do I own?", "How many years in total did I spend in school?",
"Which streaming service did I start using most recently?": such a question is answered by
adding up, or choosing among, things the person told on different occasions. In a history of
chats with an assistant, each chat (a session) is opened for one purpose, so each occasion is
usually told in a chat of its own: the guitar in a chat about lessons, the piano in one about
moving house. The searches rank each message on its own, and the chat that talks longest
about the subject fills the first results while the other occasions' chats wait just below;
the count then misses what they hold.

For a query worded as gathering (:func:`gathers_occasions`: a count, "how many", that is not a
time ago; a total; the most recent of several), when the candidates are the messages of such a
history (both ``user:`` and ``assistant:`` labels, as :mod:`.roles` reads them), each further
candidate of a session already ranked gives up a share of its score, as the event stage
(:mod:`.events`) does for questions relating two events: the ``n``-th best message of a chat
keeps ``(1 - share) ** (n - 1)`` of its relevance. A chat's best message keeps its score, so the
order of the chats is untouched, and no score rises. A question the event stage already spread
is left to it.

Why only chat histories: in a conversation between people (a session being a long meeting that
moves through many subjects) the same spread, on the same wording, lost recall@10 on three of
five LoCoMo conversations, whose counting questions are often answered by several turns of one
meeting (``docs/benchmarks.md``, "Questions that gather occasions"). Such a store has no role
labels, so it ranks as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cml.engine.read.events import relates_events
from cml.engine.read.roles import holds_both_roles
from cml.engine.read.scored import Scored
from cml.engine.read.sessions import spread_over_sessions

__all__ = ["GATHERS_OCCASIONS", "gathers_occasions", "spread_occasions"]

GATHERS_OCCASIONS = re.compile(
    r"(?i:\bhow\s+many\b(?![^?]*\bago\b)"  # a count; "how many days ago" asks when
    r"|\b(?:in\s+)?total\b|\baltogether\b"  # a sum
    r"|\bmost\s+recent(?:ly)?\b)"  # the latest of several
)
"""A query that gathers what was told on several occasions: a count, a total, the latest."""


def gathers_occasions(query: str) -> bool:
    """Whether ``query`` gathers facts told on several occasions.

    Example:
        >>> gathers_occasions("How many bikes do I own?"), gathers_occasions("Who is my vet?")
        (True, False)
        >>> gathers_occasions("How many days ago did I buy the bike?")
        False
    """
    return GATHERS_OCCASIONS.search(query) is not None


def spread_occasions(scored: Sequence[Scored], query: str, share: float) -> list[Scored]:
    """The candidates with each chat's further messages discounted, when ``query`` gathers.

    Args:
        scored: Every candidate of the read, best first (as :func:`.events.spread_events`
            gives).
        query: The caller's text.
        share: ``RankingWeights.occasion_spread``: the share of its score the second message
            of a session gives up, compounded for each further one (0 turns the stage off).

    Returns:
        The same memories, rescored and sorted as :func:`.retrieval.rerank` sorts; unchanged
        when ``share`` is 0, the query does not gather, the event stage already spread it, or
        the candidates are not messages of a user/assistant history.
    """
    if share <= 0 or not gathers_occasions(query) or relates_events(query):
        return list(scored)
    if not holds_both_roles([item.record for item in scored]):
        return list(scored)
    return spread_over_sessions(scored, share)
