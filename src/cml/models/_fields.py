"""Limits, name patterns, field validators and the two model bases of the wire contract.

Every request model is built from the annotated types here (``Namespace``, ``Label``, ``Tag``,
``MemoryId``, ``Metadata``, ``Timestamp``, ``Score``), so a limit is stated once and enforced the
same way by the SDK (before sending) and by the server.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

# What cml.models re-exports. The annotated types, validators and model bases the sibling
# modules build on are imported from here by name.
__all__ = [
    "CURSOR_PATTERN",
    "ID_PATTERN",
    "MAX_BATCH_ITEMS",
    "MAX_BATCH_QUERIES",
    "MAX_CONTENT_CHARS",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_CHARS",
    "MAX_RESULTS",
    "MAX_TAGS",
    "NAMESPACE_PATTERN",
    "NAME_PATTERN",
    "FilterFields",
    "Timestamp",
    "is_valid_namespace",
    "is_valid_tenant_id",
]

# ---------------------------------------------------------------------------------------------
# Limits (documented in the README; the server enforces them through these models)
# ---------------------------------------------------------------------------------------------

MAX_CONTENT_CHARS = 32_000
"""Longest memory content accepted, in characters."""
MAX_QUERY_CHARS = 4_000
"""Longest read query or turn message accepted, in characters."""
MAX_RESULTS = 100
"""Largest ``max_results`` a read may ask for."""
MAX_BATCH_ITEMS = 500
"""Most items in one batch request (the SDK splits longer lists)."""
MAX_BATCH_QUERIES = 100
"""Most queries in one batch read request (the SDK splits longer lists)."""
MAX_PAGE_SIZE = 500
"""Largest page of the memory listing (``per_page`` of ``GET /admin/memories``)."""
MAX_METADATA_BYTES = 16_384
"""Largest metadata object, measured as compact JSON in UTF-8."""
MAX_METADATA_DEPTH = 5
"""Deepest nesting of objects/arrays inside metadata."""
MAX_TAGS = 32
"""Most context tags on one memory."""
MAX_FILTER_KEYS = 16
"""Most keys in a ``metadata`` filter of a read or listing."""

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
"""Tenant ids: 1-64 characters, letters, digits, ``_``, ``.`` and ``-``, starting alphanumeric."""
NAMESPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}(/[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}){0,3}$"
"""Namespaces: up to four ``/``-separated segments, each shaped like a tenant id."""

CURSOR_PATTERN = r"^[A-Za-z0-9_\-]{1,256}$"
"""Page cursors: the ``next_cursor`` of a previous page, unpadded base64url. A well-formed cursor
the server did not issue is refused all the same (422)."""

_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
LABEL_PATTERN = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"
"""Labels (session and agent ids, key names, tags): no control character except tab, newline and
carriage return, and at least one character that is not whitespace (``\\s`` as Python reads it)."""
TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
"""Texts (content, queries, messages): no NUL, and at least one character that is not whitespace."""
ID_PATTERN = r"^[^\x00-\x1f\x7f]{1,64}$"
"""Ids (of memories, keys) as a caller may send them: 1-64 characters, no control character. The
server makes UUIDs; any other id is simply not found (404)."""

# Checked with fullmatch: Python's "$" also matches before a final newline, so "work\n" would
# pass .match() here while the same pattern refuses it in pydantic and FastAPI (Rust regex).
_NAME_RE = re.compile(NAME_PATTERN)
_NAMESPACE_RE = re.compile(NAMESPACE_PATTERN)
_ID_RE = re.compile(ID_PATTERN)
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
_NUMBER_RE = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


# ---------------------------------------------------------------------------------------------
# Field validators
# ---------------------------------------------------------------------------------------------


def _no_control_chars(value: str) -> str:
    if _CONTROL_RE.search(value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


def _check_encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode (no lone surrogates)") from exc
    return value


def clean_text(value: str) -> str:
    _check_encodable(value)
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def clean_optional_text(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def _check_namespace(value: str | None) -> str | None:
    if value is not None and not _NAMESPACE_RE.fullmatch(value):
        raise ValueError(
            "must be 1-64 characters of letters, digits, '_', '.', '-' per segment, starting "
            "with a letter or digit, with up to four segments separated by '/'"
        )
    return value


def _check_label(value: str | None) -> str | None:
    if value is None:
        return None
    _check_encodable(value)
    _no_control_chars(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _metadata_problem(value: dict[str, Any]) -> str | None:
    """What makes ``value`` unfit to store as metadata, or ``None``.

    Iterative, so that a hostile nesting depth cannot exhaust the stack before it is refused.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, level, where = stack.pop()
        at = f" (at {where})" if where else ""
        if level > MAX_METADATA_DEPTH:
            return f"nests deeper than {MAX_METADATA_DEPTH} levels"
        children: list[tuple[Any, str]] = []
        if isinstance(node, dict):
            for key, child in node.items():
                if not isinstance(key, str):
                    return f"keys must be strings, not {type(key).__name__}{at}"
                if problem := _string_problem(key):
                    return f"keys {problem}{at}"
                children.append((child, f"{where}.{key}" if where else key))
        else:
            children = [
                (child, f"{where}.{i}" if where else str(i)) for i, child in enumerate(node)
            ]
        for child, path in children:
            if isinstance(child, dict | list):
                stack.append((child, level + 1, path))
            elif isinstance(child, str):
                if problem := _string_problem(child):
                    return f"values {problem} (at {path})"
            elif isinstance(child, float) and not math.isfinite(child):
                return f"must not hold NaN or Infinity (at {path})"
            elif child is not None and not isinstance(child, bool | int | float):
                return (
                    "must hold only strings, numbers, booleans, null, lists and objects, "
                    f"not {type(child).__name__} (at {path})"
                )
    return None


def _string_problem(value: str) -> str | None:
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None


def check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    # NUL is refused because PostgreSQL cannot store it in JSON; NaN and Infinity because JSON
    # has no way to write them (they would come back as null).
    if problem := _metadata_problem(value):
        raise ValueError(problem)
    try:
        encoded = json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:  # e.g. an integer of more than 4,300 digits
        raise ValueError(f"cannot be written as JSON: {exc}") from exc
    if len(encoded) > MAX_METADATA_BYTES:
        raise ValueError(f"is {len(encoded)} bytes as JSON; the limit is {MAX_METADATA_BYTES}")
    return value


def _iso_time(value: Any) -> Any:
    # Pydantic would read a number as seconds (or milliseconds) since 1970. The wire format is
    # ISO 8601 only, so that a unit mistake is refused instead of stored as some other date.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER_RE.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z, not a number")
    return value


def _integral(value: Any) -> Any:
    # Left to the strict int check: strings, booleans, fractions, NaN and infinities.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        # E.g. 9999-12-31T23:59:59-05:00: in UTC it falls past year 9999.
        raise ValueError("is out of range once converted to UTC (years 1-9999)") from exc


def _stated(pattern: str, *, min_length: int = 1) -> Any:
    """The OpenAPI document's copy of what a validator of this module checks in code.

    The validators below enforce the rule (with messages that say what is wrong); this only
    states it in the JSON schema, from the same pattern, so that the document is as strict as
    the server. tests/models/test_field_patterns.py checks that the two agree.
    """
    return Field(json_schema_extra={"pattern": pattern, "minLength": min_length})


def _check_id(value: str) -> str:
    _check_encodable(value)
    if not _ID_RE.fullmatch(value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


Namespace = Annotated[
    Annotated[str, _stated(NAMESPACE_PATTERN)] | None, AfterValidator(_check_namespace)
]
Label = Annotated[
    Annotated[str, Field(max_length=128), _stated(LABEL_PATTERN)] | None,
    AfterValidator(_check_label),
]
Tag = Annotated[
    str, Field(min_length=1, max_length=64), _stated(LABEL_PATTERN), AfterValidator(_check_label)
]
# Ids are the server's, but a caller may send anything: NUL is refused because PostgreSQL cannot
# compare text holding it.
MemoryId = Annotated[
    str, Field(min_length=1, max_length=64), _stated(ID_PATTERN), AfterValidator(_check_id)
]
Content = Annotated[
    str,
    Field(min_length=1, max_length=MAX_CONTENT_CHARS),
    _stated(TEXT_PATTERN),
    AfterValidator(clean_text),
]
"""A memory's text or a user message: not blank, no NUL, at most ``MAX_CONTENT_CHARS``."""
QueryText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_QUERY_CHARS),
    _stated(TEXT_PATTERN),
    AfterValidator(clean_text),
]
"""A read query: not blank, no NUL, at most ``MAX_QUERY_CHARS``."""
OptionalContent = Annotated[
    Annotated[str, Field(max_length=MAX_CONTENT_CHARS), _stated(TEXT_PATTERN)] | None,
    AfterValidator(clean_optional_text),
]
"""``Content`` or ``None``."""
OptionalQueryText = Annotated[
    Annotated[str, Field(max_length=MAX_QUERY_CHARS), _stated(TEXT_PATTERN)] | None,
    AfterValidator(clean_optional_text),
]
"""``QueryText`` or ``None``."""
Metadata = Annotated[dict[str, Any], AfterValidator(check_metadata)]


# The key becomes a JSON path in SQLite ($."key"), where a quote cannot be escaped.
_FILTER_KEY_PATTERN = rf'^[^"{_CONTROL}]{{1,128}}$'
_FILTER_KEY_RE = re.compile(_FILTER_KEY_PATTERN)


def _check_metadata_filter(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if not value:
        raise ValueError("must name at least one key (leave it out to match any metadata)")
    if len(value) > MAX_FILTER_KEYS:
        raise ValueError(f"has {len(value)} keys; the limit is {MAX_FILTER_KEYS}")
    for key in value:
        if not _FILTER_KEY_RE.fullmatch(key):
            raise ValueError(
                f"key {key[:40]!r} must be 1-128 characters without quotes or control characters"
            )
    return check_metadata(value)


MetadataFilter = Annotated[
    Annotated[
        dict[str, Any],
        Field(
            json_schema_extra={
                "minProperties": 1,
                "maxProperties": MAX_FILTER_KEYS,
                "propertyNames": {"pattern": _FILTER_KEY_PATTERN},
            }
        ),
    ]
    | None,
    AfterValidator(_check_metadata_filter),
]
"""A filter on metadata: every key must be present with exactly this JSON value."""
Timestamp = Annotated[datetime | None, BeforeValidator(_iso_time), AfterValidator(_utc)]
# Numbers on the wire are JSON numbers: strict parsing refuses "10" and true (a bool is an int to
# Python) instead of reading them as 10 and 1; a score still takes an integer such as 1.
Score = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
WireInt = Annotated[int, Strict()]
"""An integer of a request: a JSON integer, never a string or a boolean."""
Integral = BeforeValidator(_integral)
"""Last in a ``WireInt`` field's ``Annotated`` (after its bounds): ``84.0`` is the integer 84, as
JSON Schema's ``integer`` says (JSON has one kind of number); ``84.5`` is still refused. (Placed
before the bounds, a validator would hide them from the OpenAPI document.)"""


class RequestModel(BaseModel):
    """Base of the request models: strict, so a misspelt field is a 422, not an ignored option."""

    model_config = ConfigDict(extra="forbid")


class FilterFields(RequestModel):
    """The filters a read, a batch read's query, a forget and the listing share.

    They combine with AND and are applied inside the store's searches, so a filtered read still
    returns the best matches among the memories that pass, not what is left of a cut list.
    """

    metadata: MetadataFilter = None
    """Only memories whose metadata has every one of these keys at exactly this JSON value."""
    context_tags: Annotated[list[Tag] | None, Field(max_length=MAX_TAGS)] = None
    """Only memories holding at least one of these tags."""
    agent_id: Label = None
    """Only memories of this agent."""


class ResponseModel(BaseModel):
    """Base of the response models: unknown fields are kept, so an older SDK reads a newer server.

    A response also answers dict-style lookups of its fields (``result["facts_extracted"]`` is
    ``result.facts_extracted``), the way the admin operations' results were first documented.

    Example:
        ```python
        report = memory.consolidate()
        assert report["facts_extracted"] == report.facts_extracted
        ```
    """

    model_config = ConfigDict(extra="allow")

    def _has(self, name: str) -> bool:
        return name in type(self).model_fields or name in (self.model_extra or {})

    def __getitem__(self, name: str) -> Any:
        """The field ``name``.

        Raises:
            KeyError: The model has no such field.
        """
        if not self._has(name):
            raise KeyError(name)
        return getattr(self, name)

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is a field of this response (as ``in`` on a dict)."""
        return isinstance(name, str) and self._has(name)

    def get(self, name: str, default: Any = None) -> Any:
        """The field ``name``, or ``default`` when the model has no such field."""
        return getattr(self, name) if self._has(name) else default


def is_valid_tenant_id(value: str) -> bool:
    """Tell whether ``value`` is an acceptable tenant id (see ``NAME_PATTERN``)."""
    return bool(_NAME_RE.fullmatch(value))


def is_valid_namespace(value: str) -> bool:
    """Tell whether ``value`` is an acceptable namespace (see ``NAMESPACE_PATTERN``)."""
    return bool(_NAMESPACE_RE.fullmatch(value))


TenantId = Annotated[str | None, Field(pattern=NAME_PATTERN)]
"""An optional tenant id in a request body (the admin operations name the tenant they act on)."""
