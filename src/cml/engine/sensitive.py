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

from cml.engine.keys import KEY_PATTERN

__all__ = ["SecretMatch", "find_secret", "redact_pii"]


@dataclass(frozen=True)
class SecretMatch:
    """What kind of secret was found in a text.

    Attributes:
        kind: Short machine name, e.g. ``password`` or ``github_token``.
        description: Human words for the error message, e.g. ``a GitHub token (ghp_...)``.
    """

    kind: str
    description: str


_I = re.IGNORECASE

# Words that follow "password is" when a sentence talks *about* a password rather than giving
# it ("the router password is in the vault" is exactly what we ask people to store instead).
_NOT_A_VALUE = (
    "in|on|at|under|inside|with|for|from|behind|by|near|the|a|an|my|our|your|their|his|"
    "her|its|this|that|not|no|too|very|so|still|now|also|being|been|set|stored|saved|kept|"
    "written|taped|listed|located|hidden|shared|managed|encrypted|rotated|changed|reset|"
    "expired|expiring|wrong|incorrect|correct|weak|strong|long|short|secure|safe|same|"
    "different|required|needed|missing|lost|forgotten|unknown|known|available|case|"
    "printed|somewhere|what|why|how|where|going"
)

# Ordered from most to least specific so that the reported kind is the most useful one.
_SECRET_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("cml_key", "a py-cml API key (cml_...)", KEY_PATTERN),
    (
        "private_key",
        "a PEM private key block",
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ),
    (
        "jwt",
        "a JSON Web Token (eyJ...)",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    (
        "openai_key",
        "an API key (sk-...)",
        re.compile(r"(?<![A-Za-z0-9])sk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{20,}"),
    ),
    (
        "stripe_key",
        "a Stripe-style secret key (sk_live_/rk_live_...)",
        re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    ),
    (
        "aws_access_key",
        "an AWS access key id (AKIA...)",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
    ),
    (
        "github_token",
        "a GitHub token (ghp_/github_pat_...)",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
    ),
    (
        "slack_token",
        "a Slack token (xox...)",
        re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ),
    (
        "google_api_key",
        "a Google API key (AIza...)",
        re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),
    ),
    (
        "bearer_token",
        "a bearer token",
        re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*", _I),
    ),
    (
        "api_key",
        "an API key or token assignment (api_key=...)",
        re.compile(
            r"\b(?:api[_-]?key|apikey|api[_-]?secret|access[_-]?token|auth[_-]?token|"
            r"secret[_-]?key|client[_-]?secret|private[_-]?key|refresh[_-]?token)"
            r"[\"']?\s*[:=]\s*[\"']?[^\s\"']{4,}",
            _I,
        ),
    ),
    (
        "password",
        "a password assignment (password: ...)",
        re.compile(
            r"\b(?:password|passwd|passphrase|passcode|pwd)[\"']?\s*[:=]\s*[\"']?\S{2,}", _I
        ),
    ),
    (
        "password",
        "a password statement (my password is ...)",
        re.compile(
            r"\b(?:my|the|our|his|her|their)\s+(?:[\w-]+\s+){0,3}"
            r"(?:password|passwd|passphrase|passcode|pin(?:\s+code)?)\s+is\s*:?\s+"
            rf"(?!(?:{_NOT_A_VALUE})(?:[\s.,;:!?]|$))\S+",
            _I,
        ),
    ),
)


def find_secret(text: str) -> SecretMatch | None:
    """Find the first thing in ``text`` that looks like a credential.

    Args:
        text: Content about to be stored.

    Returns:
        The kind of secret found, or ``None`` when the text looks safe to store.

    Example:
        >>> find_secret("deploy key is ghp_" + "a" * 36).kind
        'github_token'
    """
    for kind, description, pattern in _SECRET_PATTERNS:
        if pattern.search(text):
            return SecretMatch(kind=kind, description=description)
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
        re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])"),
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


def _substitute(
    pattern: re.Pattern[str], accept: Callable[[str], bool], marker: str, text: str
) -> str:
    return pattern.sub(lambda m: marker if accept(m.group(0)) else m.group(0), text)


def redact_pii(text: str) -> tuple[str, list[str]]:
    """Replace personal data in ``text`` with ``[REDACTED_<KIND>]`` markers.

    Args:
        text: Content about to be stored.

    Returns:
        The redacted text and the kinds redacted (``email``, ``phone``, ``card``, ``ssn``,
        ``iban``), each kind once, in the order first met.

    Example:
        >>> redact_pii("mail ann@example.com")
        ('mail [REDACTED_EMAIL]', ['email'])
    """
    kinds: list[str] = []
    for kind, pattern, accept in _PII_PATTERNS:
        redacted = _substitute(pattern, accept, f"[REDACTED_{kind.upper()}]", text)
        if redacted != text:
            text = redacted
            if kind not in kinds:
                kinds.append(kind)
    return text, kinds
