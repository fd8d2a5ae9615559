"""The English words for months and small numbers that date phrases are read with.

Shared by the write path (when a stated fact began to hold, :mod:`cml.engine.write.validity`) and
the read path (the times a query names, :mod:`cml.engine.read.dates`).
"""

from __future__ import annotations

import calendar

__all__ = ["MONTHS", "NUMBER_WORDS"]

MONTHS: dict[str, int] = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
} | {"sept": 9}
"""Month names and abbreviations (lower case) to numbers: ``{"january": 1, "jan": 1, ...}``."""

NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
"""Number words (lower case) that count days, weeks, months or years: ``"two weeks ago"``."""
