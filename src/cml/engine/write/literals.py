"""Literal text a regular expression cannot match without: a cheap test before searching.

The claim reader runs some 170 cue patterns over every text a write can supersede with; most of
them cannot match a given text because a word they need is absent ("allergic", "citizen",
"membership"). :func:`required_literals` reads a pattern's syntax tree once and returns strings
of which every match must contain one, so that a substring test (``in``) skips the search.
"""

from __future__ import annotations

from typing import Any

try:  # the parser of the standard ``re`` module (Python 3.11 and later)
    from re import _constants as _c
    from re import _parser as _sre
except ImportError:  # pragma: no cover - another Python: no prefilter, every pattern searched
    _sre = None

__all__ = ["required_literals"]

_MIN_LENGTH = 3
"""Strings shorter than this are too common to filter on ("is", "to")."""
_MAX_CHOICES = 48
"""A requirement of more strings than this costs more to test than the search it saves."""

_Requirement = frozenset[str]


def _best(candidates: list[_Requirement]) -> _Requirement | None:
    """The most selective requirement: the longest shortest string, then the fewest strings."""
    usable = [c for c in candidates if c and len(c) <= _MAX_CHOICES]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


def _sequence(items: list[tuple[Any, Any]]) -> _Requirement | None:
    """A requirement of a sequence of parsed items: a run of literals, or any item's own."""
    candidates: list[_Requirement] = []
    run = ""

    def close() -> None:
        nonlocal run
        if len(run) >= _MIN_LENGTH:
            candidates.append(frozenset({run}))
        run = ""

    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        if op in (_c.AT, _c.ASSERT_NOT):
            continue  # zero width: the literals on either side are adjacent in every match
        close()
        inner = _item(op, av)
        if inner is not None:
            candidates.append(inner)
    close()
    return _best(candidates)


def _item(op: object, av: Any) -> _Requirement | None:
    """A requirement of one parsed item that is not a literal."""
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is _c.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            required = _sequence(list(branch))
            if required is None:
                return None  # an alternative that needs nothing: the branch needs nothing
            union |= required
        return frozenset(union)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _, body = av
        return _sequence(list(body)) if low >= 1 else None
    if op is _c.ASSERT:
        return _sequence(list(av[1]))  # a lookaround's text is there too
    return None


def required_literals(pattern: str) -> frozenset[str] | None:
    r"""Strings of which any text ``pattern`` matches contains one, or ``None`` if none is known.

    Only literal text is read: classes, optional parts and negative lookarounds require nothing.
    A branch requires one of its alternatives' requirements, so each alternative needs one.

    Example:
        >>> sorted(required_literals(r"\b(?:outgrew|grew out of) (?:my |the )?[a-z]+ allergy\b"))
        [' allergy']
        >>> sorted(required_literals(r"\b(?:is|am) (?:now )?(?:vegan|keto)\b"))
        ['keto', 'vegan']
        >>> required_literals(r"\b\w+ly\b") is None
        True
    """
    if _sre is None:  # pragma: no cover
        return None
    try:
        parsed = _sre.parse(pattern)
    except Exception:  # pragma: no cover - the pattern itself is compiled and checked elsewhere
        return None
    return _sequence(list(parsed))
