"""Date expressions in a query, resolved into time windows against a reference time.

"What did I buy 10 days ago?", "Where did I go last Saturday?", "What happened in May?", "What
did Tim finish reading on 8th December, 2023?", "What did John do the week before August 3,
2023?": the words name a stretch of time, and the memories from then are the likely answers. A
memory's own text rarely holds its date (the date is its ``timestamp``), so these words match
nothing in a full-text or vector search. Here they are read as windows ``[start, end)`` in UTC:

- explicit dates: ``October 13, 2023``, ``8th December, 2023``, ``13 Oct 2023``, ``2023-10-13``,
  ``May 3`` (the latest such day not after the reference);
- months and years: ``in May``, ``in July 2023``, ``in 2022``, ``this month``, ``last year``;
- days relative to the reference: ``today``, ``yesterday``, ``last night``, ``the day before
  yesterday``, ``N days/weeks/months/years ago`` (numbers as digits or words up to twelve, ``a``,
  ``a couple of``, ``a few``);
- weeks: ``this week``, ``last week``, ``the past weekend``, ``last weekend``;
- weekdays: ``on Monday``, ``last Saturday`` (the latest such day before the reference day);
- offsets from an explicit date: ``the week before August 3, 2023``, ``two weeks before August
  11, 2023``, ``the day after May 3, 2023``, ``last weekend before April 10, 2023``.

English only; anything else leaves the query without windows (the read ranks as before).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cml.engine.calendar_words import MONTHS, NUMBER_WORDS

__all__ = ["DateQuery", "DateWindow", "names_time", "resolve_dates"]

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAYS = {calendar.day_name[i].lower(): i for i in range(7)}
_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"
_NUMBERS = NUMBER_WORDS | {"a couple of": 2, "a few": 3, "few": 3}
_NUMBER = (
    r"(?P<count>\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)).replace(" ", r"\s+")
) + ")"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

# An explicit calendar day, with or without its year.
_EXPLICIT = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[-/](?P<month>\d\d?)[-/](?P<day>\d\d?)\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*(?:,\s*)?(?:19|20)\d\d)(?!\s*(?:am|pm|:))"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?!,?\s+(?:19|20)\d\d)"),
]
_MONTH_YEAR = re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b")
# A month alone needs a word that makes it a time ("in May", not "I may").
_MONTH_ALONE = re.compile(
    rf"\b(?P<lead>in|during|of|since|early|late|mid|last|this|next|by|before|after)[\s-]+(?:the\s+"
    rf"month\s+of\s+)?{_MONTH}\b"
)
_YEAR_ALONE = re.compile(rf"\b(?:in|during|of|since|by|year)\s+{_YEAR}\b")
_AGO = re.compile(rf"\b{_NUMBER}\s+{_UNIT}\s+ago\b")
_OFFSET = re.compile(
    rf"(?:\b{_NUMBER}\s+{_UNIT}|\b(?:the\s+)?(?P<single>day|week|month|weekend)|\blast\s+"
    rf"(?P<lastweekend>weekend))\s+(?P<direction>before|after|prior\s+to)\s*$"
)
_RELATIVE = re.compile(
    r"\b(?P<which>this|last|past|previous|the\s+past|the\s+previous)\s+"
    r"(?P<unit>week|weekend|month|year)\b"
)
_DAYS_BACK = {
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "yesterday": 1,
    "last night": 1,
    "the day before yesterday": 2,
}
_DAYS_BACK_RE = re.compile(
    r"\b(?P<phrase>"
    + "|".join(sorted(_DAYS_BACK, key=len, reverse=True)).replace(" ", r"\s+")
    + r")\b"
)
_ON_WEEKDAY = re.compile(rf"\b(?:(?P<lead>last|past|this|on|previous)\s+)?{_WEEKDAY}\b(?!s)")


@dataclass(frozen=True)
class DateWindow:
    """A stretch of time a query names: ``start`` inclusive, ``end`` exclusive, both UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class DateQuery:
    """What :func:`resolve_dates` found in a query.

    Attributes:
        windows: The stretches of time named, in the order they appear.
        words: The words of the date expressions (lower case), to leave out of a full-text
            search that is already limited to the windows.
    """

    windows: tuple[DateWindow, ...]
    words: frozenset[str]


def resolve_dates(query: str, reference: datetime) -> DateQuery:
    """The time windows a query's date expressions name, resolved against ``reference``.

    Args:
        query: The caller's text.
        reference: The moment the query is asked from ("yesterday" is the day before it);
            a naive time is taken as UTC.

    Returns:
        The windows (none when the query names no time) and the words that named them.

    Example:
        >>> found = resolve_dates("What did I buy 10 days ago?", datetime(2023, 3, 25, tzinfo=UTC))
        >>> found.windows[0].start.date()
        datetime.date(2023, 3, 15)
    """
    text = query.lower()
    today = (reference if reference.tzinfo else reference.replace(tzinfo=UTC)).astimezone(UTC)
    day0 = today.date()
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, DateWindow]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(start: int, end: int, window: DateWindow | None) -> None:
        if window is not None and free(start, end):
            taken.append((start, end))
            found.append((start, window))

    for pattern in _EXPLICIT:
        for match in pattern.finditer(text):
            if not free(*match.span()):
                continue
            anchor = _calendar_day(match, day0)
            if anchor is None:
                continue
            offset = _OFFSET.search(text[: match.start()])
            if offset is not None and free(offset.start(), match.start()):
                add(offset.start(), match.end(), _offset_window(offset, anchor))
            else:
                add(*match.span(), _days(anchor, anchor + timedelta(days=1)))
    for match in _MONTH_YEAR.finditer(text):
        month, year = MONTHS[match["month"]], int(match["year"])
        add(*match.span(), _month(year, month))
    for match in _MONTH_ALONE.finditer(text):
        month = MONTHS[match["month"]]
        year = day0.year if month <= day0.month else day0.year - 1
        if match["lead"] == "last" and month >= day0.month:
            year = day0.year - 1
        add(match.start("month"), match.end(), _month(year, month))
    for match in _YEAR_ALONE.finditer(text):
        year = int(match["year"])
        add(*match.span(), _days(date(year, 1, 1), date(year + 1, 1, 1)))
    for match in _AGO.finditer(text):
        add(*match.span(), _ago(_count(match["count"]), match["unit"], day0))
    for match in _DAYS_BACK_RE.finditer(text):
        back = _DAYS_BACK[re.sub(r"\s+", " ", match["phrase"])]
        day = day0 - timedelta(days=back)
        add(*match.span(), _days(day, day + timedelta(days=1)))
    for match in _RELATIVE.finditer(text):
        current = match["which"] == "this"
        add(*match.span(), _relative(match["unit"], current, day0))
    for match in _ON_WEEKDAY.finditer(text):
        weekday = _WEEKDAYS[match["weekday"]]
        back = (day0.weekday() - weekday) % 7 or 7
        if match["lead"] == "this":
            back = (day0.weekday() - weekday) % 7
        day = day0 - timedelta(days=back)
        add(*match.span(), _days(day, day + timedelta(days=1)))
    found.sort(key=lambda item: item[0])
    words = {word for start, end in taken for word in re.findall(r"\w+", text[start:end])}
    return DateQuery(tuple(window for _, window in found), frozenset(words))


def _count(text: str) -> int:
    cleaned = re.sub(r"\s+", " ", text)
    return int(cleaned) if cleaned.isdigit() else _NUMBERS[cleaned]


def _calendar_day(match: re.Match[str], today: date) -> date | None:
    """The day a calendar-date match names; without a year, the latest one not after today."""
    month_text = match["month"]
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text]
    day = int(match["day"])
    year_text = match.groupdict().get("year")
    try:
        if year_text:
            return date(int(year_text), month, day)
        found = date(today.year, month, day)
        return found if found <= today else date(today.year - 1, month, day)
    except ValueError:  # "February 30", month 13
        return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _days(first: date, end: date) -> DateWindow:
    return DateWindow(_midnight(first), _midnight(end))


def _month(year: int, month: int) -> DateWindow:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return _days(first, following)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _ago(count: int, unit: str, today: date) -> DateWindow:
    """``count`` units before today, as a window as wide as the unit (centred for weeks+)."""
    if unit == "day":
        day = today - timedelta(days=count)
        return _days(day, day + timedelta(days=1))
    if unit == "week":
        day = today - timedelta(weeks=count)
        return _days(day - timedelta(days=3), day + timedelta(days=4))
    months = count * (12 if unit == "year" else 1)
    day = _shift_months(today, -months)
    if unit == "year":
        return _days(_shift_months(day, -6), _shift_months(day, 6))
    return _days(day - timedelta(days=15), day + timedelta(days=16))


def _relative(unit: str, current: bool, today: date) -> DateWindow:
    """This or the previous calendar week, weekend, month or year."""
    if unit == "year":
        year = today.year if current else today.year - 1
        return _days(date(year, 1, 1), date(year + 1, 1, 1))
    if unit == "month":
        first = today.replace(day=1) if current else _shift_months(today.replace(day=1), -1)
        return _month(first.year, first.month)
    monday = today - timedelta(days=today.weekday())
    if not current:
        monday -= timedelta(weeks=1)
    if unit == "week":
        return _days(monday, monday + timedelta(weeks=1))
    if current and today.weekday() < 5:  # "this weekend" on a weekday: the one just past
        monday -= timedelta(weeks=1)
    return _days(monday + timedelta(days=5), monday + timedelta(days=7))


def _offset_window(match: re.Match[str], anchor: date) -> DateWindow:
    """A window named from an explicit date: "two weeks before <date>", "the week after <date>".

    The window runs from the time named to the anchor day, both included: what happened then is
    often told on the anchor day ("I got a puppy two weeks ago", said on August 11).
    """
    after = match["direction"] == "after"
    if match["single"] == "weekend" or match["lastweekend"]:
        step = (5 - anchor.weekday()) % 7 or 7 if after else -((anchor.weekday() - 5) % 7 or 7)
        target = anchor + timedelta(days=step)
        target_end = target + timedelta(days=2)
    else:
        unit = match["single"] or match["unit"]
        count = 1 if match["single"] else _count(match["count"])
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * count
        target = anchor + timedelta(days=days if after else -days)
        target_end = target + timedelta(days=1)
    first, last = min(target, anchor), max(target_end, anchor + timedelta(days=1))
    return _days(first, last)


# Every match of these names a window whatever the reference (the calendar days may not).
_ALWAYS_A_TIME = (
    _DAYS_BACK_RE,
    _RELATIVE,
    _ON_WEEKDAY,
    _AGO,
    _MONTH_ALONE,
    _MONTH_YEAR,
    _YEAR_ALONE,
)
# One pass for all of them: their union (their groups unnamed). Before it, a cheaper test that
# every match of them passes (each holds a digit or one of these words): most text without a
# time fails it at once. A new kind of expression needs its words here too (the tests compare
# names_time with resolve_dates on every expression they resolve).
_ANY_PATTERN = re.compile(
    "|".join(
        "(?:" + re.sub(r"\(\?P<\w+>", "(?:", pattern.pattern) + ")"
        for pattern in (*_ALWAYS_A_TIME, *_EXPLICIT)
    )
)
_TIME_WORDS = {"ago", "today", "tonight", "yesterday", "morning", "afternoon", "evening", "night"}
_MAYBE_A_TIME = re.compile(
    r"\d|\b(?:"
    + "|".join(sorted({*MONTHS, *_WEEKDAYS, *_TIME_WORDS, "week", "weekend", "month", "year"}))
    + r")\b"
)


def names_time(text: str, reference: datetime) -> bool:
    """Whether :func:`resolve_dates` finds a window in ``text``, without resolving any.

    The same answer as ``bool(resolve_dates(text, reference).windows)``, at a fraction of its
    cost: a read asks it of every candidate of a *when* question.

    Example:
        >>> names_time("I went hiking last weekend", datetime(2023, 3, 25, tzinfo=UTC))
        True
    """
    lowered = text.lower()
    first = _MAYBE_A_TIME.search(lowered) and _ANY_PATTERN.search(lowered)
    if not first:
        return False
    # Most often the first match is one of the patterns that always name a time: try them there.
    at = first.start()
    if any(pattern.match(lowered, at) is not None for pattern in _ALWAYS_A_TIME):
        return True
    if any(pattern.search(lowered) is not None for pattern in _ALWAYS_A_TIME):
        return True
    today = (reference if reference.tzinfo else reference.replace(tzinfo=UTC)).astimezone(UTC)
    day0 = today.date()
    return any(
        _calendar_day(match, day0) is not None
        for pattern in _EXPLICIT
        for match in pattern.finditer(lowered)
    )
