"""Detection of secrets and redaction of personal data in memory content.

Two different policies, on purpose:

* Secrets (passwords, API keys, tokens, private keys) are *refused*: a memory layer is the wrong
  place for credentials, and a redacted credential is useless anyway. The caller is told what kind
  of secret was found (never the secret itself) so that they can store a reference instead.
* Personal data (emails, phone numbers, card numbers, SSNs, IBANs) is *redacted*: the rest of the
  sentence is usually worth remembering ("Call Ann at [REDACTED_PHONE] about the lease").

Patterns are deliberately specific (prefixes, checksums, separators) so that dates, times, amounts
and ordinary numbers pass through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from cml.engine.secret_rules import OWN_RULES, Rule, maintained_rules, random_token
from cml.engine.textnorm import join_broken_tokens, normalize

__all__ = ["SecretMatch", "find_pii", "find_secret", "redact_pii", "secret_rules"]


@dataclass(frozen=True)
class SecretMatch:
    """What kind of secret was found in a text.

    Attributes:
        kind: Short machine name, e.g. ``password`` or ``github_token``.
        description: Human words for the error message, e.g. ``a GitHub token (ghp_...)``.
    """

    kind: str
    description: str


_ENTROPY_RULE = Rule(
    kind="high_entropy_string",
    description="a long random-looking string (an API key or token)",
    found=random_token,
)


@cache
def secret_rules() -> tuple[Rule, ...]:
    """Every rule the secret check applies, in the order it applies them.

    Returns:
        py-cml's own rules, then the ``detect-secrets`` detectors, then the entropy check
        (see :mod:`cml.engine.secret_rules`).
    """
    return (*OWN_RULES, *maintained_rules(), _ENTROPY_RULE)


def find_secret(text: str) -> SecretMatch | None:
    """Find the first thing in ``text`` that looks like a credential.

    The text is read normalised (invisible characters dropped, spaces and dashes unified) and,
    when it has long tokens wrapped over lines, once more with those re-joined (except by the
    entropy check: two ordinary words joined across a line break can read as random).

    Args:
        text: Content about to be stored.

    Returns:
        The kind of secret found, or ``None`` when the text looks safe to store.

    Example:
        >>> find_secret("deploy key is ghp_" + "a" * 36).kind
        'github_token'
    """
    plain = normalize(text).text
    joined = join_broken_tokens(plain)
    variants = (plain,) if joined == plain else (plain, joined)
    for rule in secret_rules():
        if any(rule.found(variant) for variant in variants[: 1 if rule is _ENTROPY_RULE else 2]):
            return SecretMatch(kind=rule.kind, description=rule.description)
    return None


# ---------------------------------------------------------------------------------------------
# Personal data
# ---------------------------------------------------------------------------------------------


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


def _card_ok(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn_ok(digits)


def _phone_ok(candidate: str) -> bool:
    return 7 <= len(re.sub(r"\D", "", candidate)) <= 15


def _always(_: str) -> bool:
    return True


_PII_PATTERNS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    (
        "email",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
        _always,
    ),
    (
        "iban",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
        _iban_ok,
    ),
    (
        "card",
        # Digits in groups separated by single spaces or dashes; the Luhn check filters out
        # order numbers and other long digit runs that merely look like cards.
        re.compile(r"(?<![\w.,/-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)"),
        _card_ok,
    ),
    (
        "ssn",
        # Dashes or single spaces, the same both times: 123-45-6789, 123 45 6789.
        re.compile(
            r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-]| \d)"
        ),
        _always,
    ),
    (
        "phone",
        # International: a leading "+" and country code, then digit groups.
        re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w-]|[.,]\d)"),
        _phone_ok,
    ),
    (
        "phone",
        # North American: (555) 123-4567, 555-123-4567, 555.123.4567, 1-555-123-4567.
        re.compile(
            r"(?<![\w+.-])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|[.,]\d)"
        ),
        _phone_ok,
    ),
)


def _marker(kind: str, _: str) -> str:
    return f"[REDACTED_{kind.upper()}]"


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Find personal data in ``text``, reading it normalised (see :mod:`cml.engine.textnorm`).

    A card number with no-break spaces, an SSN with spaces or a zero-width character inside an
    email are found like their plain forms.

    Args:
        text: Text as the caller sent it.

    Returns:
        ``(start, end, kind)`` spans in ``text`` itself, in text order, never overlapping
        (where two patterns match the same characters the first pattern in the table wins).

    Example:
        >>> find_pii("mail ann@example.com")
        [(5, 20, 'email')]
    """
    norm = normalize(text)
    spans: list[tuple[int, int, str]] = []
    for kind, pattern, accept in _PII_PATTERNS:
        for match in pattern.finditer(norm.text):
            start, end = match.span()
            if start == end or not accept(match.group(0)):
                continue
            if any(start < e and s < end for s, e, _ in spans):
                continue
            spans.append((start, end, kind))
    return sorted((*norm.span(s, e), kind) for s, e, kind in spans)


def redact_pii(text: str, *, marker: Callable[[str, str], str] = _marker) -> tuple[str, list[str]]:
    """Replace personal data in ``text`` with ``[REDACTED_<KIND>]`` markers.

    Args:
        text: Content about to be stored.
        marker: Makes the replacement from the kind and the text replaced (the default gives
            ``[REDACTED_<KIND>]``).

    Returns:
        The redacted text and the kinds redacted (``email``, ``iban``, ``card``, ``ssn``,
        ``phone``), each kind once, in that order.

    Example:
        >>> redact_pii("mail ann@example.com")
        ('mail [REDACTED_EMAIL]', ['email'])
    """
    spans = find_pii(text)
    if not spans:
        return text, []
    pieces: list[str] = []
    done = 0
    for start, end, kind in spans:
        pieces.append(text[done:start])
        pieces.append(marker(kind, text[start:end]))
        done = end
    pieces.append(text[done:])
    found = {kind for _, _, kind in spans}
    kinds = list(dict.fromkeys(kind for kind, _, _ in _PII_PATTERNS if kind in found))
    return "".join(pieces), kinds
