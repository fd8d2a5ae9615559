"""Date expressions in queries resolve to the days a person asking at the reference time means."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cml.engine.read.dates import names_time, resolve_dates

THURSDAY = datetime(2023, 3, 9, 15, 47, tzinfo=UTC)


def _days(query: str, reference: datetime = THURSDAY) -> list[tuple[date, date]]:
    """Each window as (first day, last day), both included."""
    found = resolve_dates(query, reference)
    return [(w.start.date(), date.fromordinal(w.end.date().toordinal() - 1)) for w in found.windows]


NAMED = [
    ("What did I do yesterday?", date(2023, 3, 8), date(2023, 3, 8)),
    ("what did I cook today", date(2023, 3, 9), date(2023, 3, 9)),
    ("the film I saw last night", date(2023, 3, 8), date(2023, 3, 8)),
    ("the day before yesterday", date(2023, 3, 7), date(2023, 3, 7)),
    ("What kitchen appliance did I buy 10 days ago?", date(2023, 2, 27), date(2023, 2, 27)),
    ("a couple of days ago", date(2023, 3, 7), date(2023, 3, 7)),
    ("I received jewelry last Saturday from whom?", date(2023, 3, 4), date(2023, 3, 4)),
    ("What time did I reach the clinic on Monday?", date(2023, 3, 6), date(2023, 3, 6)),
    ("on Thursday", date(2023, 3, 2), date(2023, 3, 2)),
    ("Where did I go last week?", date(2023, 2, 27), date(2023, 3, 5)),
    ("the bike I serviced the past weekend", date(2023, 3, 4), date(2023, 3, 5)),
    ("What did I finish last month?", date(2023, 2, 1), date(2023, 2, 28)),
    ("trips this year", date(2023, 1, 1), date(2023, 12, 31)),
    ("sports I watched in January", date(2023, 1, 1), date(2023, 1, 31)),
    ("camping in June", date(2022, 6, 1), date(2022, 6, 30)),
    ("a workout class in December 2023", date(2023, 12, 1), date(2023, 12, 31)),
    ("the beach in 2022", date(2022, 1, 1), date(2022, 12, 31)),
    (
        "What did Tim finish reading on 8th December, 2023?",
        date(2023, 12, 8),
        date(2023, 12, 8),
    ),
    ("the painting shown on October 13, 2023", date(2023, 10, 13), date(2023, 10, 13)),
    ("what she found on 1 February, 2023", date(2023, 2, 1), date(2023, 2, 1)),
    ("dinner on May 3", date(2022, 5, 3), date(2022, 5, 3)),
    ("what happened on 2023-05-01", date(2023, 5, 1), date(2023, 5, 1)),
    ("a museum two months ago", date(2022, 12, 25), date(2023, 1, 24)),
    # An offset from a date: told on that day about the time before it, so both.
    (
        "the puppy she got two weeks before August 11, 2023",
        date(2023, 7, 28),
        date(2023, 8, 11),
    ),
    ("what John did the week before August 3, 2023", date(2023, 7, 27), date(2023, 8, 3)),
    ("what she did last weekend before April 10, 2023", date(2023, 4, 8), date(2023, 4, 10)),
    ("the day after May 3, 2023", date(2023, 5, 3), date(2023, 5, 4)),
]
NO_TIME = [
    "I may go to the gym",
    "How much earlier do I wake up on Fridays?",
    "How many weeks ago did I attend the festival?",
    "What is my favourite colour?",
    "February 30, 2023",
]


@pytest.mark.parametrize(("query", "first", "last"), NAMED)
def test_an_expression_names_its_days(query: str, first: date, last: date) -> None:
    assert _days(query) == [(first, last)]


@pytest.mark.parametrize("query", NO_TIME)
def test_no_time_named_gives_no_window(query: str) -> None:
    assert _days(query) == []


def test_the_date_words_are_reported_for_the_full_text_search() -> None:
    found = resolve_dates("What book did Tim finish reading on 8th December, 2023?", THURSDAY)
    assert found.words == {"8th", "december", "2023"}


def test_a_naive_reference_is_utc_and_several_windows_keep_their_order() -> None:
    found = resolve_dates("in May or last week", datetime(2023, 3, 9, 12))
    assert [w.start.date() for w in found.windows] == [date(2022, 5, 1), date(2023, 2, 27)]
    assert all(w.start.tzinfo is UTC for w in found.windows)


@pytest.mark.parametrize(
    "text",
    [
        *(query for query, _, _ in NAMED),
        *NO_TIME,
        "we met on February 29 at the lake",  # a day only some years have
        "Caroline: I went to 3 concerts and 12 galleries, loved it",
        "Bob: I booked a trip to Kyoto for the spring (note 123)",
    ],
)
def test_telling_whether_a_text_names_a_time_agrees_with_resolving_it(text: str) -> None:
    for reference in (THURSDAY, datetime(2024, 3, 1, tzinfo=UTC), datetime(2023, 3, 9, 12)):
        assert names_time(text, reference) == bool(resolve_dates(text, reference).windows)
