"""Questions that relate events: every event's session among the first results.

"Which did I do first, fixing the fence or trimming the goats' hooves?", "How many days passed
between the workshop and the day I planted the saplings?", "How long had I been bird watching
when I attended the workshop?": such a question is answered by comparing two or more events,
each usually told in a session of its own. The searches rank each turn on its own, and the
session that talks most about one of the events (a long exchange, many turns naming the same
words) fills the first results while the other event's session waits just below them; the
answer then lacks half of what it compares.

For a query worded as such a relation (:func:`relates_events`: two events offered as a choice
with an ordering word, the time "between A and B", "the order of", "how long ... when I did
B"), each further candidate of a session already ranked gives up a share of its score: the
``n``-th best turn of a session keeps ``(1 - spread) ** (n - 1)`` of its relevance. A
session's best turn keeps its score, so the order of the sessions' best turns is untouched;
what changes is that the second event's best turn no longer waits behind the first event's
fifth. Every other query ranks exactly as before, and no score rises (a discount never makes a
weak match look confident).

The wording decides, not the candidates: a question about one event ("when did I adopt the
dog?") is answered inside one session, and spreading its results over others would push the
answer's neighbours out (``docs/benchmarks.md``: the session stage, which regroups every
query's candidates, wins on one benchmark and loses on the other for that reason).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cml.engine.read.scored import Scored
from cml.engine.read.sessions import spread_over_sessions

__all__ = ["relates_events", "spread_events"]

# Two events offered as a choice: "which did I do first, A or B", "most recently, A or B".
_CHOICE = r"(?i:\b(?:first|earlier|later|most\s+recent(?:ly)?|before|after)\b[^?]*\bor\b)"
# The gap between two events: "how many days passed between A and B" (a time measure: not
# "the talk between Ann and Ben", nor "where was Ann between May 1 and May 5").
_BETWEEN = (
    r"(?i:\b(?:how\s+long|how\s+much\s+time|how\s+many\s+(?:days|weeks|months|years))\b"
    r"[^?]*\bbetween\b[^?]*\band\b)"
)
# Several events in sequence: "the order of", "who graduated first, second and third".
_ORDER = r"(?i:\b(?:the|what|which|in)\s+order\b|\bfirst,\s+second\b)"
# A span up to a second event: "how long had I been X when I did Y", "... before I started Y".
_SPAN = (
    r"(?i:\b(?:how\s+long|how\s+many\s+(?:days|weeks|months|years))\b(?!\s+ago)[^?]*"
    r"\b(?:when|before|after|since|until))\s+(?:I|we|you|he|she|they|[A-Z]\w+)\b"
)
_RELATION = re.compile("|".join((_CHOICE, _BETWEEN, _ORDER, _SPAN)))


def relates_events(query: str) -> bool:
    """Whether ``query`` asks how events relate in time (order, gap, the earlier one).

    Example:
        >>> relates_events("Which device did I set up first, the thermostat or the router?")
        True
        >>> relates_events("What breed is my dog?")
        False
    """
    return _RELATION.search(query) is not None


def spread_events(scored: Sequence[Scored], query: str, spread: float) -> list[Scored]:
    """The candidates with each session's further turns discounted, when ``query`` relates events.

    Args:
        scored: Every candidate of the read, best first (as :func:`.retrieval.rerank` gives).
        query: The caller's text.
        spread: ``RankingWeights.event_spread``: the share of its score the second turn of a
            session gives up, compounded for each further one (0 turns the stage off).

    Returns:
        The same memories, rescored and sorted as :func:`.retrieval.rerank` sorts; unchanged
        when ``spread`` is 0 or the query relates no events.
    """
    if spread <= 0 or not relates_events(query):
        return list(scored)
    return spread_over_sessions(scored, spread)
