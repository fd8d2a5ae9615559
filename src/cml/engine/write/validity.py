"""When a remembered fact began to hold: the write's time, or an unambiguous phrase in its text.

"The user moved to Munich last month", written on 2024-05-20, held from about 2024-04-20; "Ann
has worked at Acme since 2019" from 2019-01-01. Only phrases whose meaning does not depend on
guessing are read: ``yesterday``, ``last week|month|year``, ``N days|weeks|months|years ago``,
and ``since`` / ``in`` followed by a year or a month and year. Anything else (or nothing) means
the fact holds from the write's time (its ``timestamp`` when given).

Example:
    >>> from datetime import UTC, datetime
    >>> valid_from("Moved to Munich 2 weeks ago", datetime(2024, 5, 20, tzinfo=UTC)).date()
    datetime.date(2024, 5, 6)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from cml.engine.calendar_words import MONTHS, NUMBER_WORDS

__all__ = ["valid_from"]

_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}

_AGO = re.compile(
    rf"\b(\d{{1,3}}|{'|'.join(NUMBER_WORDS)})\s+(day|week|month|year)s?\s+ago\b", re.IGNORECASE
)
_LAST = re.compile(r"\b(yesterday|last (?:week|month|year))\b", re.IGNORECASE)
_SINCE = re.compile(
    rf"\b(?:since|in)\s+(?:({'|'.join(MONTHS)})\.?\s+)?((?:19|20)\d\d)\b", re.IGNORECASE
)


def valid_from(text: str, at: datetime) -> datetime:
    """When the fact stated by ``text`` began to hold, read against the time it was stated.

    Args:
        text: The memory's content.
        at: When it was stated (the write's ``timestamp`` or time).

    Returns:
        The start of its validity: ``at`` unless a phrase names an earlier time.
    """
    match = _AGO.search(text)
    if match is not None:
        count = match.group(1).lower()
        number = NUMBER_WORDS.get(count) or int(count)
        return at - timedelta(days=number * _DAYS[match.group(2).lower()])
    match = _LAST.search(text)
    if match is not None:
        phrase = match.group(1).lower()
        return at - timedelta(days=1 if phrase == "yesterday" else _DAYS[phrase.split()[1]])
    match = _SINCE.search(text)
    if match is not None:
        month = MONTHS[match.group(1).lower()] if match.group(1) else 1
        start = datetime(int(match.group(2)), month, 1, tzinfo=UTC)
        if start <= at:
            return start
    return at
