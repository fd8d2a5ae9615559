"""Whether a new text says anything an older one does not: their details, extracted and compared.

An embedding puts "The user takes 5 mg of amlodipine daily" and "... 10 mg ..." almost on top of
each other (cosine 0.96 with all-MiniLM-L6-v2), so a cosine threshold alone would merge the
changed fact into the old memory and lose it. This module extracts the details a threshold cannot
see:

- numbers with their units ("5 mg", "five milligrams", "$20", "30%", "3 times") and identifiers
  that contain digits ("invoice 0117", "flight LH-452");
- clock times ("3 pm", "15:00", "noon"), calendar dates ("2024-03-05"), weekdays, months,
  seasons and relative days or day parts ("tomorrow", "last week", "every morning", "daily");
- names: capitalised words that are not ordinary sentence starters ("Berlin", "Alex", "Acme");
- negations ("not", "n't", "no", "no longer", "never", ...), counted;
- polarity words on a few axes (likes/dislikes, started/stopped, more/less, before/after, ...)
  and negating prefixes ("available" / "unavailable").

The rule: a new text *says nothing new* when each of its numbers, times, dates, names and
polarity words also occurs in the old text and both contain the same number of negations.
Dropping a detail is allowed (the old memory still holds it); adding or changing one is not.

The near-duplicate check of the write path (:mod:`cml.engine.write.dedup`) applies it to the
candidates that already passed the cosine threshold, so it costs a few regular expressions per
write.

Example:
    >>> says_nothing_new("The user takes 5 mg of amlodipine daily",
    ...                  "The user takes five milligrams of amlodipine every day")
    True
    >>> new_details("The user takes 5 mg of amlodipine daily",
    ...             "The user takes 10 mg of amlodipine daily")
    ['number 10 mg']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Details", "extract_details", "new_details", "says_nothing_new"]


@dataclass(frozen=True)
class Details:
    """The details of one text, normalised so that paraphrases compare equal.

    Attributes:
        numbers: ``(value, unit)`` pairs; ``unit`` is ``""`` when none follows the number.
        identifiers: Codes with digits, case-folded, without hyphens ("0117", "lh452").
        times: Clock times as ``HH:MM``.
        dates: Weekdays, months, seasons, calendar dates and relative days ("monday", "march",
            "2024-03-05", "tomorrow", "last week", "morning", "daily").
        names: Case-folded capitalised words that are not common sentence starters.
        negations: How many negation cues the text contains.
        polarity: ``axis+`` / ``axis-`` markers of polarity words ("affect+" for "likes").
        words: Every case-folded word of the text (names are covered by any occurrence).
    """

    numbers: frozenset[tuple[str, str]]
    identifiers: frozenset[str]
    times: frozenset[str]
    dates: frozenset[str]
    names: frozenset[str]
    negations: int
    polarity: frozenset[str]
    words: frozenset[str]


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a lexicon string."""
    return text.split()


def _forms(*pairs: tuple[str, str]) -> dict[str, str]:
    """``(canonical, "alias alias ...")`` pairs as an alias → canonical map."""
    return {alias: canonical for canonical, aliases in pairs for alias in aliases.split()}


_UNITS = _forms(
    ("mg", "mg mgs milligram milligrams"),
    ("mcg", "mcg µg microgram micrograms"),
    ("g", "g gram grams gr"),
    ("kg", "kg kgs kilo kilos kilogram kilograms"),
    ("lb", "lb lbs pound pounds"),
    ("oz", "oz ounce ounces"),
    ("ml", "ml milliliter milliliters millilitre millilitres"),
    ("l", "l liter liters litre litres"),
    ("tb", "tb terabyte terabytes"),
    ("gb", "gb gig gigs gigabyte gigabytes"),
    ("mb", "mb megabyte megabytes"),
    ("km", "km kms kilometer kilometers kilometre kilometres"),
    ("mi", "mi mile miles"),
    ("m", "m meter meters metre metres"),
    ("cm", "cm centimeter centimeters centimetre centimetres"),
    ("mm", "mm millimeter millimeters millimetre millimetres"),
    ("ft", "ft foot feet"),
    ("inch", "inch inches"),
    ("percent", "% percent pct"),
    ("usd", "$ usd dollar dollars buck bucks"),
    ("eur", "€ eur euro euros"),
    ("gbp", "£ gbp"),
    ("s", "s sec secs second seconds"),
    ("min", "min mins minute minutes"),
    ("h", "h hr hrs hour hours"),
    ("day", "day days"),
    ("week", "week weeks wk wks"),
    ("month", "month months"),
    ("year", "year years yr yrs"),
    ("times", "time times x"),
    ("pill", "pill pills tablet tablets capsule capsules"),
    ("cup", "cup cups"),
    ("glass", "glass glasses"),
    ("child", "child children kid kids"),
    ("person", "person persons people"),
    ("kcal", "kcal calorie calories cal"),
    ("deg", "° degree degrees"),
    ("unit", "unit units iu"),
    ("step", "step steps"),
    ("page", "page pages"),
    ("room", "room rooms bedroom bedrooms"),
)

_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
} | {
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
    "thousand": "1000",
    "dozen": "12",
    "half": "0.5",
    "once": "1",
    "twice": "2",
    "thrice": "3",
    "first": "1",
    "second": "2",
    "third": "3",
}
# Words that are numbers only when a unit follows ("one cup", not "one of my friends").
_WEAK_NUMBER_WORDS = frozenset({"one", "half", "second", "first", "third"})
_FREQUENCY_WORDS = frozenset({"once", "twice", "thrice"})

_WEEKDAYS = _forms(
    ("monday", "monday mondays mon"),
    ("tuesday", "tuesday tuesdays tue tues"),
    ("wednesday", "wednesday wednesdays wed"),
    ("thursday", "thursday thursdays thu thur thurs"),
    ("friday", "friday fridays fri"),
    ("saturday", "saturday saturdays sat"),
    ("sunday", "sunday sundays sun"),
)
_MONTHS = _forms(
    ("january", "january jan"),
    ("february", "february feb"),
    ("march", "march mar"),
    ("april", "april apr"),
    ("may", "may"),
    ("june", "june jun"),
    ("july", "july jul"),
    ("august", "august aug"),
    ("september", "september sep sept"),
    ("october", "october oct"),
    ("november", "november nov"),
    ("december", "december dec"),
)
# Abbreviations and "May" are dates only when capitalised ("Wed", "May 5", not "may" or "sun").
_CASE_SENSITIVE_DATES = frozenset({"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri"})
_CASE_SENSITIVE_DATES |= frozenset({"sat", "sun", "jan", "feb", "mar", "apr", "may", "jun"})
_CASE_SENSITIVE_DATES |= frozenset({"jul", "aug", "sep", "sept", "oct", "nov", "dec"})
_DAY_WORDS = _forms(
    ("today", "today"),
    ("tomorrow", "tomorrow"),
    ("yesterday", "yesterday"),
    ("night", "night nights tonight overnight"),
    ("morning", "morning mornings"),
    ("afternoon", "afternoon afternoons"),
    ("evening", "evening evenings"),
    ("weekend", "weekend weekends"),
    ("weekday", "weekday weekdays"),
    ("spring", "spring"),
    ("summer", "summer"),
    ("autumn", "autumn"),
    ("winter", "winter"),
    ("daily", "daily"),
    ("weekly", "weekly"),
    ("monthly", "monthly"),
    ("yearly", "yearly annually annual"),
)
_PERIODS = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}

_POLARITY = _forms(
    ("affect+", "like likes liked liking love loves loved loving enjoy enjoys enjoyed adore"),
    ("affect+", "adores prefer prefers preferred fond favorite favourite"),
    ("affect-", "dislike dislikes disliked hate hates hated hating detest detests loathe"),
    ("affect-", "loathes despise despises"),
    ("activity+", "start starts started starting begin begins began begun resume resumed"),
    ("activity+", "join joins joined"),
    ("activity-", "stop stops stopped stopping quit quits quitting cease ceased left leave"),
    ("activity-", "leaves finish finished cancel cancels cancelled canceled"),
    ("amount+", "more most higher increase increased increasing raise raised above over"),
    ("amount+", "maximum max extra"),
    ("amount-", "less least fewer lower decrease decreased decreasing reduce reduced below"),
    ("amount-", "under minimum min"),
    ("order+", "after later afterwards last latest"),
    ("order-", "before earlier first earliest"),
    ("allowed+", "allowed permitted approved accepted allow allows approve"),
    ("allowed-", "forbidden banned prohibited denied rejected refused forbid forbids"),
    ("open+", "open opened opens"),
    ("open-", "closed close closes shut"),
    ("on+", "on enabled"),
    ("on-", "off disabled"),
    ("result+", "passed won succeeded positive true correct"),
    ("result-", "failed lost negative false wrong"),
    ("temp+", "hot warm warmer hotter"),
    ("temp-", "cold cool colder cooler"),
    ("time+", "late later"),
    ("time-", "early sooner"),
)
# A positive word ("likes", "starts", "more") adds nothing by itself: "would like to be emailed"
# says what "wants to be emailed" says. It counts only against its opposite in the other text.
# A negative word ("hates", "stopped", "closed") reverses a state and counts on its own, except
# the ones that are too often something else ("left" the office, "under" the desk).
_WEAK_POLARITY = frozenset({"off", "min", "left", "leave", "leaves", "lost", "close", "under"})
_WEAK_POLARITY |= frozenset({"below", "first", "earlier", "earliest", "before", "cool"})

_NEGATING_PREFIXES = ("un", "in", "im", "ir", "il", "dis", "non")

_COMMON_STARTERS = frozenset(
    _words(
        """a an the this that these those there here it its i i'm i've i'd i'll me my mine we our
    us you your he she his her him they them their it's what when where who whom why how which
    whose if and but or so because since as after before during while although though until
    unless once then also too still just only even now today tomorrow yesterday tonight recently
    lately currently actually correction update note please yes no not never always usually often
    sometimes every each all some any both either neither most many much few several no one
    user users user's dr mr mrs ms prof sir madam on in at for from to with without by about of
    into over under between per last next this new old our same other another please okay ok oh
    well sorry hi hello thanks thank good great from finally anyway besides meanwhile then
    apparently unfortunately fortunately honestly basically nowadays later earlier soon"""
    )
)
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "prof", "st"})

_TOKEN = re.compile(r"[$€£#]?\w+(?:[-.,'\u2019/]\w+)*%?")
_TIME_12H = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\b\.?", re.IGNORECASE)
_TIME_24H = re.compile(r"\b([01]?\d|2[0-3])[:h]([0-5]\d)\b")
_OCLOCK = re.compile(r"\b(\d{1,2})\s*o['\u2019]clock\b", re.IGNORECASE)
_CALENDAR = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
_PERIOD_PHRASE = re.compile(r"\b(?:every|each|per|a|an)\s+(day|week|month|year)\b", re.IGNORECASE)
_RELATIVE = re.compile(
    r"\b(last|next|this|past|end of the|start of the|beginning of the|middle of the)\s+"
    r"(week|month|year|weekend|day|quarter|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|never|none|nobody|nothing|neither|nor|cannot|without|no(?!\.\s*\d))\b|n['\u2019]t\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^([$€£]?)(\d+(?:,\d{3})*(?:\.\d+)?)(?:st|nd|rd|th)?(%?)$")
_GLUED_UNIT = re.compile(r"^(\d+(?:\.\d+)?)([a-zµ°]+)$")


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in '.!?:;"(-\u201c\u2013\u2014' or before.endswith("'")


def _canonical_number(digits: str) -> str:
    value = float(digits.replace(",", ""))
    return str(int(value)) if value.is_integer() else str(value)


def _clock(hour: int, minute: int) -> str:
    return f"{hour % 24:02d}:{minute:02d}"


def _times(text: str) -> tuple[set[str], str]:
    """The clock times of ``text`` and the text with them blanked out."""
    found: set[str] = set()

    def twelve(match: re.Match[str]) -> str:
        hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "p" else 0)
        found.add(_clock(hour, int(match.group(2) or 0)))
        return " "

    def twenty_four(match: re.Match[str]) -> str:
        found.add(_clock(int(match.group(1)), int(match.group(2))))
        return " "

    def oclock(match: re.Match[str]) -> str:
        found.add(_clock(int(match.group(1)), 0))
        return " "

    text = _TIME_12H.sub(twelve, text)
    text = _TIME_24H.sub(twenty_four, text)
    text = _OCLOCK.sub(oclock, text)
    lowered = text.lower()
    if re.search(r"\bnoon\b|\bmidday\b", lowered):
        found.add("12:00")
    if re.search(r"\bmidnight\b", lowered):
        found.add("00:00")
    return found, text


def _calendar(text: str) -> tuple[set[str], str]:
    """Numeric calendar dates of ``text`` and the text with them blanked out."""
    found: set[str] = set()

    def date(match: re.Match[str]) -> str:
        if match.group(1):
            found.add(f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}")
        else:
            year = f"/{match.group(6)}" if match.group(6) else ""
            found.add(f"{int(match.group(4))}/{int(match.group(5))}{year}")
        return " "

    return found, _CALENDAR.sub(date, text)


def _unit_after(tokens: list[str], index: int) -> str:
    for following in tokens[index + 1 : index + 3]:
        word = following.lower().rstrip(".")
        if word in _UNITS:
            return _UNITS[word]
        if word not in {"-", "of", "more", "extra", "full", "whole"}:
            break
    return ""


def extract_details(text: str) -> Details:
    """The details of ``text`` (see the module docstring for what counts).

    Example:
        >>> d = extract_details("The invoice 0117 is due on Tuesday at 3pm, Alex said")
        >>> sorted(d.identifiers), sorted(d.dates), sorted(d.times), sorted(d.names)
        (['0117'], ['tuesday'], ['15:00'], ['alex'])
    """
    text = text.replace("\u2019", "'")
    times, rest = _times(text)
    dates, rest = _calendar(rest)
    lowered = rest.lower()
    dates |= {_PERIODS[m.group(1).lower()] for m in _PERIOD_PHRASE.finditer(rest)}
    dates |= {f"{m.group(1).lower()} {m.group(2).lower()}" for m in _RELATIVE.finditer(rest)}
    negations = len(_NEGATION.findall(lowered))

    matches = list(_TOKEN.finditer(rest))
    tokens = [m.group(0) for m in matches]
    numbers: set[tuple[str, str]] = set()
    identifiers: set[str] = set()
    names: set[str] = set()
    polarity: set[str] = set()
    words: set[str] = set()
    for index, match in enumerate(matches):
        token = match.group(0)
        word = token.lower().removesuffix("'s").rstrip("'")
        words.add(word)
        number = _NUMBER.match(token)
        glued = _GLUED_UNIT.match(word)
        if number:
            digits = number.group(2)
            if digits.startswith("0") and len(digits) > 1 and "." not in digits:
                identifiers.add(digits)
                continue
            unit = number.group(3) or number.group(1)
            numbers.add(
                (_canonical_number(digits), _UNITS[unit] if unit else _unit_after(tokens, index))
            )
        elif glued and glued.group(2) in _UNITS:
            numbers.add((_canonical_number(glued.group(1)), _UNITS[glued.group(2)]))
        elif glued and glued.group(2) in {"st", "nd", "rd", "th"}:
            numbers.add((_canonical_number(glued.group(1)), ""))
        elif any(ch.isdigit() for ch in word):
            identifiers.add(re.sub(r"[-#/.]", "", word))
        elif word in _NUMBER_WORDS:
            unit = "times" if word in _FREQUENCY_WORDS else _unit_after(tokens, index)
            if word not in _WEAK_NUMBER_WORDS or unit:
                numbers.add((_NUMBER_WORDS[word], unit))
        elif word in _WEEKDAYS or word in _MONTHS:
            capitalised = token[0].isupper()
            if word in _CASE_SENSITIVE_DATES and not capitalised:
                continue
            if word == "may" and _sentence_start(rest, match.start()):
                following = tokens[index + 1] if index + 1 < len(tokens) else ""
                if not following[:1].isdigit():
                    continue
            dates.add(_WEEKDAYS.get(word) or _MONTHS[word])
        elif word in _DAY_WORDS:
            dates.add(_DAY_WORDS[word])
        elif (
            token[0].isupper()
            and word not in _TITLES
            and word != "i"
            and not (_sentence_start(rest, match.start()) and word in _COMMON_STARTERS)
        ):
            names.add(word)
        if word in _POLARITY:
            polarity.add(_POLARITY[word])
    return Details(
        numbers=frozenset(numbers),
        identifiers=frozenset(identifiers),
        times=frozenset(times),
        dates=frozenset(dates),
        names=frozenset(names),
        negations=negations,
        polarity=frozenset(polarity),
        words=frozenset(words),
    )


def _number_covered(number: tuple[str, str], old: frozenset[tuple[str, str]]) -> bool:
    value, unit = number
    return any(v == value and (u == unit or not u or not unit) for v, u in old)


def _negated_prefix_pairs(new_words: frozenset[str], old_words: frozenset[str]) -> list[str]:
    """Words of one text that are the other's with a negating prefix ("unavailable")."""
    found = []
    for ours, theirs in ((new_words - old_words, old_words), (old_words - new_words, new_words)):
        for word in sorted(ours):
            for prefix in _NEGATING_PREFIXES:
                stem = word.removeprefix(prefix)
                if stem != word and len(stem) >= 4 and stem in theirs:
                    found.append(f"polarity {word}")
                    break
    return found


def _polarity_changes(new: Details, old: Details) -> list[str]:
    changes = []
    for marker in sorted(new.polarity - old.polarity):
        axis = marker[:-1]
        opposite = axis + ("-" if marker.endswith("+") else "+")
        words = {w for w in new.words if _POLARITY.get(w) == marker}
        strong = marker.endswith("-") and bool(words - _WEAK_POLARITY)
        if strong or opposite in old.polarity:
            changes.append(f"polarity {marker}")
    return changes


def new_details(old: str, new: str) -> list[str]:
    """What ``new`` says that ``old`` does not, detail by detail.

    Args:
        old: The stored memory's text.
        new: The incoming text.

    Returns:
        One short description per differing detail ("number 10 mg", "name alex",
        "negation 1 vs 0", ...); empty when ``new`` adds no detail to ``old``.

    Example:
        >>> new_details("My name is Sam", "Actually my name is Alex, not Sam")
        ['name alex', 'negation 1 vs 0']
    """
    a, b = extract_details(old), extract_details(new)
    changes = [
        f"number {value} {unit}".rstrip()
        for value, unit in sorted(b.numbers)
        if not _number_covered((value, unit), a.numbers)
    ]
    changes += [f"identifier {i}" for i in sorted(b.identifiers - a.identifiers)]
    changes += [f"time {t}" for t in sorted(b.times - a.times)]
    changes += [f"date {d}" for d in sorted(b.dates - a.dates)]
    changes += [f"name {n}" for n in sorted(b.names) if n not in a.words]
    if a.negations != b.negations:
        changes.append(f"negation {b.negations} vs {a.negations}")
    changes += _polarity_changes(b, a)
    changes += _negated_prefix_pairs(b.words, a.words)
    return changes


def says_nothing_new(old: str, new: str) -> bool:
    """True when every detail of ``new`` is in ``old``: merging ``new`` into ``old`` loses nothing.

    Example:
        >>> says_nothing_new("Invoice 0117 was paid", "Invoice 0118 was paid")
        False
    """
    return not new_details(old, new)
