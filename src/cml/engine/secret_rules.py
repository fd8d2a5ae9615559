"""The rules that recognise a credential: detect-secrets' detectors, py-cml's own, and entropy.

Three layers, tried in order on normalised text (see :mod:`cml.engine.textnorm`):

1. py-cml's own rules (:data:`OWN_RULES`): shapes with a fixed prefix or label that the
   maintained set does not know (py-cml keys, OpenAI project keys, Hugging Face and bare npm
   tokens, Google API keys, AWS secret keys after their label, a PEM body without its armour,
   Azure connection strings, bearer tokens, password statements).
2. The regex detectors of the maintained `detect-secrets` package (Yelp), used as a library:
   AWS, Azure storage, basic-auth URLs (``postgresql://user:password@host``), GitHub, GitLab,
   JWT, npm, private keys, Slack, Stripe, Twilio, SendGrid, PyPI, Discord, Telegram and others,
   plus its keyword detector for quoted ``password = "..."`` assignments. Only their
   ``analyze_string`` is called: no file scanning, no settings, no verification request over
   the network. The public-IP detector is left out: an IP address is not a credential.
3. Entropy (:func:`random_token`): a long run of base64 characters that reads as random
   (mixed case and digits, high Shannon entropy, frequent case changes) is a key of some kind
   even without a known prefix, e.g. a bare AWS secret access key.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

from detect_secrets.plugins import keyword as keyword_rules
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.keyword import KeywordDetector

from cml.engine.keys import KEY_PATTERN

__all__ = [
    "ENTROPY_MIN_LENGTH",
    "ENTROPY_THRESHOLD",
    "OWN_RULES",
    "Rule",
    "maintained_rules",
    "random_token",
]


@dataclass(frozen=True)
class Rule:
    """One way of recognising a credential.

    Attributes:
        kind: Short machine name, e.g. ``github_token``.
        description: Human words for the refusal message, e.g. ``a GitHub token (ghp_...)``.
        found: Tells whether a normalised text holds such a credential.
    """

    kind: str
    description: str
    found: Callable[[str], bool]


def _pattern(kind: str, description: str, pattern: re.Pattern[str]) -> Rule:
    return Rule(kind, description, lambda text: pattern.search(text) is not None)


def _valued(kind: str, description: str, pattern: re.Pattern[str]) -> Rule:
    """A rule whose pattern captures a ``value`` group that must not be a stand-in."""

    def found(text: str) -> bool:
        return any(not stand_in(m.group("value")) for m in pattern.finditer(text))

    return Rule(kind, description, found)


# What instructions and code put where a secret goes: placeholders ("<API_KEY>", "your_key",
# "secret_key_here", "****"), type names ("password: str") and expressions that read the secret
# from elsewhere ("req.body.accessToken", "os.environ[...]", "squareAccessToken").
_STAND_IN_WORDS = re.compile(
    r"(?<![a-z0-9])(?:your|here|replace|example|changeme|change_me|placeholder|dummy|sample|"
    r"redacted|secret_key)(?![a-z0-9])",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"[<\[{]|\$\{|%\(|"  # <your key>, [token], {{ secret }}, ${TOKEN}, %(password)s
    r"(?:\*+|x{3,}|\.{3,}|\u2026|\$[A-Z_]+|"
    r"password|passwd|pass|blank|empty|none|null|nil|n/a|undefined|str|string|int|bytes|"
    r"bool|text|secret|token|key|admin|user|username|guest|test|optional\[str\])$",
    re.IGNORECASE,
)
_EXPRESSION = re.compile(
    r"[a-z_]\w*(?:\.[A-Za-z_]\w*)+|"  # attribute access: req.body.token, os.environ
    r"[a-z]+(?:[A-Z][a-z]+)+|"  # camelCase variable: squareAccessToken
    r"[A-Za-z_][\w.]*[(\[].*"  # a call or an index: getenv("X"), data["token"]
)


def placeholder(value: str) -> bool:
    """Tell whether a secret's value is a placeholder ("<API_KEY>", "your_key", "****").

    Args:
        value: A value found where a secret goes.

    Returns:
        True for placeholders, type names and default words such as ``admin``.

    Example:
        >>> [placeholder(v) for v in ("<API_KEY>", "secret_key_here", "str", "s3cr3t!")]
        [True, True, True, False]
    """
    bare = value.strip("\"'`,;")
    return not bare or bool(_STAND_IN_WORDS.search(bare) or _PLACEHOLDER.match(bare))


def stand_in(value: str) -> bool:
    """Tell whether an assigned value stands in for a secret instead of being one.

    Args:
        value: What follows ``password:``, ``api_key=`` and the like, or a URL's password.

    Returns:
        True for placeholders (see :func:`placeholder`), variables and expressions.

    Example:
        >>> [stand_in(v) for v in ("<API_KEY>", "str", "req.body.token", "s3cr3t!")]
        [True, True, True, False]
    """
    return placeholder(value) or _EXPRESSION.fullmatch(value.strip("\"'`,;")) is not None


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
OWN_RULES: tuple[Rule, ...] = (
    _pattern("cml_key", "a py-cml API key (cml_...)", KEY_PATTERN),
    _pattern(
        "private_key",
        "a PEM private key block",
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ),
    _pattern(
        "private_key",
        "a PEM private key block",
        # The base64 body alone: DER sequences (RSA/PKCS#8 "MII...", EC "MHcCAQEE...",
        # Ed25519 "MC4CAQAw...") and OpenSSH's "openssh-key-v1" header.
        re.compile(
            r"(?<![A-Za-z0-9+/])(?:MII[A-Za-z0-9+/]{4}[A-Za-z0-9+/]{20}|MHcCAQEE|MC4CAQAw|"
            r"b3BlbnNzaC1rZXktdjE)[A-Za-z0-9+/]{16,}"
        ),
    ),
    _pattern(
        "jwt",
        "a JSON Web Token (eyJ...)",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    _pattern(
        "openai_key",
        "an API key (sk-...)",
        re.compile(r"(?<![A-Za-z0-9])sk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{20,}"),
    ),
    _pattern(
        "stripe_key",
        "a Stripe-style secret key (sk_live_/rk_live_...)",
        re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    ),
    _pattern(
        "aws_access_key",
        "an AWS access key id (AKIA...)",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|APKA|A3T[A-Z0-9])[0-9A-Z]{16}\b"),
    ),
    _pattern(
        "aws_secret_key",
        "an AWS secret access key",
        re.compile(
            r"\b(?:aws[_ .-]?)?secret[_ .-]?(?:access[_ .-]?)?key(?:[_ .-]?id)?[\"']?\s*"
            r"(?:[:=]|is|=>)\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])",
            _I,
        ),
    ),
    _pattern(
        "github_token",
        "a GitHub token (ghp_/github_pat_...)",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
    ),
    _pattern(
        "gitlab_token",
        "a GitLab token (glpat-...)",
        re.compile(r"\bgl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|oas)-[A-Za-z0-9_-]{20,}"),
    ),
    _pattern(
        "huggingface_token",
        "a Hugging Face token (hf_...)",
        re.compile(r"\b(?:hf_|api_org_)[A-Za-z0-9]{30,}\b"),
    ),
    _pattern(
        "npm_token",
        "an npm token (npm_...)",
        re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
    ),
    _pattern(
        "slack_token",
        "a Slack token (xox...)",
        re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ),
    _pattern(
        "google_api_key",
        "a Google API key (AIza...)",
        re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),
    ),
    _pattern(
        "twilio_key",
        "a Twilio account SID or API key (AC.../SK...)",
        re.compile(r"\b(?:AC|SK)[0-9a-f]{32}\b"),
    ),
    _pattern(
        "azure_connection_string",
        "an Azure connection string (AccountKey=/SharedAccessKey=...)",
        re.compile(
            r"\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|SharedSecretValue)"
            r"\s*=\s*[A-Za-z0-9+/%=&:_.-]{16,}",
            _I,
        ),
    ),
    _valued(
        "database_url",
        "a connection URL with a password (scheme://user:password@host)",
        re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/?#@]+:(?P<value>[^\s/?#@]+)@[^\s@]", _I),
    ),
    _pattern(
        "bearer_token",
        "a bearer token",
        re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*", _I),
    ),
    _valued(
        "api_key",
        "an API key or token assignment (api_key=...)",
        re.compile(
            r"\b(?:api[_-]?key|apikey|api[_-]?secret|access[_-]?token|auth[_-]?token|"
            r"secret[_-]?key|client[_-]?secret|private[_-]?key|refresh[_-]?token)"
            r"[\"'\]]*\s*[:=]\s*(?P<value>[\"']?[^\s\"']{4,})",
            _I,
        ),
    ),
    _valued(
        "password",
        "a password assignment (password: ...)",
        # "pwd" only with "=": "pwd: shows the working directory" is about the shell command.
        re.compile(
            r"\b(?:(?:password|passwd|passphrase|passcode)[\"']?\s*[:=]|pwd[\"']?\s*=)\s*"
            rf"(?!(?:{_NOT_A_VALUE})(?:[\s.,;:!?]|$))(?P<value>[\"']?\S{{2,}})",
            _I,
        ),
    ),
    _pattern(
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
"""py-cml's own rules, most specific first."""


# --- detect-secrets -------------------------------------------------------------------------

# Detectors whose matches are not credentials in a memory store.
_SKIPPED_DETECTORS = frozenset({"IPPublicDetector"})


def _kind(secret_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", secret_type.lower()).strip("_")


def _detector_found(plugin: BasePlugin) -> Callable[[str], bool]:
    def found(text: str) -> bool:
        return any(not placeholder(value) for value in plugin.analyze_string(text))

    if not isinstance(plugin, KeywordDetector):
        return found

    # The keyword detector's expressions are slow on long text; like detect-secrets itself,
    # apply them line by line, and only to lines that hold one of its keywords.
    keyword = re.compile(keyword_rules.DENYLIST_REGEX, re.IGNORECASE)

    def found_by_keyword(text: str) -> bool:
        return any(found(line) for line in text.splitlines() if keyword.search(line))

    return found_by_keyword


def _detectors() -> Iterator[BasePlugin]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    # The package annotates the mapping with an unbound type variable; say what it holds.
    classes: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    for plugin_class in classes:
        if plugin_class.__name__ in _SKIPPED_DETECTORS:
            continue
        if issubclass(plugin_class, (RegexBasedDetector, KeywordDetector)):
            yield plugin_class()


def maintained_rules() -> tuple[Rule, ...]:
    """The regex detectors of the ``detect-secrets`` package, as rules.

    Returns:
        One rule per detector (the public-IP detector left out), each reported with the
        detector's own secret type, e.g. ``a credential (Basic Auth Credentials)``.
    """
    return tuple(
        Rule(
            kind=_kind(str(plugin.secret_type)),
            description=f"a credential ({plugin.secret_type})",
            found=_detector_found(plugin),
        )
        for plugin in sorted(_detectors(), key=lambda p: str(p.secret_type))
    )


# --- entropy --------------------------------------------------------------------------------

ENTROPY_MIN_LENGTH = 20
"""Shortest run of base64 characters the entropy check looks at."""

ENTROPY_THRESHOLD = 0.85
"""Minimum Shannon entropy, as a share of the most a run of its length can have."""

_SWITCH_THRESHOLD = 0.4
"""Minimum share of neighbouring characters of different classes (upper, lower, digit)."""

# Left out of the entropy check: web addresses and data URIs (ids in links are random by design),
# and key fingerprints ("SHA256:gdD8...", printed by ssh): they identify a public key.
_NOT_KEYS = re.compile(
    r"\b(?:https?|ftp)://\S+|\bwww\.\S+|\bdata:[\w/+.-]+;base64,\S+|"
    r"\b(?:SHA(?:1|256|384|512)|MD5):[A-Za-z0-9+/=:]+",
    re.IGNORECASE,
)
# A Bitcoin address (base58, no 0, O, I or l) is public.
_BITCOIN = re.compile(r"[13][1-9A-HJ-NP-Za-km-z]{25,34}")
_WORD = re.compile(r"[A-Z]?[a-z]{2,}")
_WORDY_SHARE = 0.7
"""Share of letters in capitalised words above which a run is an identifier, not a key."""

# Base64 and base64url characters, "=" only as trailing padding (``name=value`` is two runs).
_RUN = re.compile(
    rf"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{{{ENTROPY_MIN_LENGTH},}}={{0,2}}(?![A-Za-z0-9+/_-])"
)


def _entropy(text: str) -> float:
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


def _char_class(char: str) -> int:
    return 0 if char.isdigit() else 1 if char.isupper() else 2 if char.islower() else 3


def _looks_random(run: str) -> bool:
    body = run.rstrip("=")
    if len(body) < ENTROPY_MIN_LENGTH:
        return False
    classes = [_char_class(c) for c in body]
    if not {0, 1, 2} <= set(classes):  # hex digests, UUIDs, words and numbers lack a class
        return False
    switches = sum(a != b for a, b in pairwise(classes))
    if switches / (len(body) - 1) < _SWITCH_THRESHOLD:
        return False
    # An identifier is made of words: MP4ScreenSaverConfig, AVeryLongConfigKeyName12.
    letters = sum(c.isalpha() for c in body)
    if sum(len(word) for word in _WORD.findall(body)) >= _WORDY_SHARE * letters:
        return False
    if _entropy(body) < ENTROPY_THRESHOLD * math.log2(min(len(body), 64)):
        return False
    return not _encoded_text(body)


def _encoded_text(run: str) -> bool:
    # Base64 of text (an inline SVG, a config file) is high in entropy but is not a key: a key
    # decodes to arbitrary bytes.
    padded = run + "=" * (-len(run) % 4)
    try:
        decoded = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return False
    printable = sum(32 <= byte < 127 or byte in (9, 10, 13) for byte in decoded)
    return len(decoded) >= 12 and printable >= 0.95 * len(decoded)


def random_token(text: str) -> bool:
    """Tell whether ``text`` holds a long run of characters that reads as a random key.

    Web addresses, key fingerprints and Bitcoin addresses are left out: they are random by
    design but public (a credential in a query string is caught by its parameter name,
    ``token=``, ``api_key=``).

    Args:
        text: Normalised text.

    Returns:
        True when some run of at least :data:`ENTROPY_MIN_LENGTH` base64 characters mixes
        upper case, lower case and digits, changes class often and has a Shannon entropy of at
        least :data:`ENTROPY_THRESHOLD` of the maximum for its length.

    Example:
        >>> random_token("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        True
        >>> random_token("id 550e8400-e29b-41d4-a716-446655440000")
        False
    """
    runs = _RUN.findall(_NOT_KEYS.sub(" ", text))
    return any(_looks_random(run) and not _BITCOIN.fullmatch(run) for run in runs)
