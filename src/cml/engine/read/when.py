"""Questions that ask *when*: the memories that say when something happened come first.

"When did Melanie sign up for a pottery class?" is answered by the turn that tells it with its
time ("I just signed up for a pottery class yesterday"), not by the later turns that talk about
the class ("I made it in pottery class", "I'm a big fan of pottery"): all of them match the
question's words, but only a memory that names a time ("yesterday", "last week", "on Friday",
"about a year ago", "in May"; whatever :mod:`.dates` reads) lets the reader date the event from
the memory's own timestamp. Here, when the query asks for a time (it opens with "when", or
asks "what date", "which month", "what year", "how long ago"), the fused score of the
candidates whose text names no time is scaled down by ``1 - share``. Queries that do not ask
for a time are left as they are, as are all candidates when none of them names a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cml.engine.read.dates import names_time
from cml.storage.base import MemoryRecord

__all__ = ["asks_when", "favour_dated_answers"]

_ASKS_WHEN = re.compile(
    r"^\s*when\b|\b(?:what|which)\s+(?:date|day|week|month|year)\b|\bhow\s+long\s+ago\b", re.I
)


def asks_when(query: str) -> bool:
    """Whether ``query`` asks for the time of something.

    Example:
        >>> asks_when("When did Nate win his first tournament?"), asks_when("Why did he go?")
        (True, False)
    """
    return _ASKS_WHEN.search(query) is not None


def favour_dated_answers(
    records: Sequence[MemoryRecord], fused: dict[str, float], query: str, share: float
) -> dict[str, float]:
    """``fused`` with the candidates that name no time scaled down when the query asks when.

    Args:
        records: The candidates (their texts are searched for time expressions).
        fused: Fused score per candidate id.
        query: The caller's text.
        share: How much of an undated candidate's score is taken away (0 changes nothing).

    Returns:
        The adjusted scores (``fused`` itself when nothing applies).
    """
    if share <= 0 or not asks_when(query):
        return fused
    dated = {record.id for record in records if names_time(record.content, record.created_at)}
    if not dated:
        return fused
    keep = 1.0 - min(share, 1.0)
    return {
        memory_id: score if memory_id in dated else score * keep
        for memory_id, score in fused.items()
    }
