"""How a key-value item of a framework's store lives in py-cml, without any I/O.

A store item (a namespace path, a key and a JSON value) is one py-cml memory:

- its **text** is what semantic search matches (the indexed fields of the value);
- its **metadata** holds, under :data:`ITEM_FIELD`, the path, the key, the value as JSON text
  (kept verbatim whatever its depth) and the item's created/updated times;
- its **session** is the item's identity (:func:`identity`), a label derived from path and
  key, also in the metadata (:data:`ID_FIELD`) where ``get`` finds it with the listing's exact
  filter; its type is ``tool_result``. Memories of a kind that records something that
  happened are merged as near-duplicates only within one session, and are never superseded
  nor consolidated, so one item can never be merged into or retired by another: an
  acknowledged ``put`` stays as written.

The LangGraph store (:mod:`cml.integrations.langgraph`) reads and writes items through these
helpers; they know nothing of LangGraph's classes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cml.models import MAX_CONTENT_CHARS, MAX_METADATA_BYTES, MemoryType

__all__ = [
    "DEFAULT_NAMESPACE",
    "ID_FIELD",
    "ITEM_FIELD",
    "ITEM_TYPE",
    "StoredItem",
    "identity",
    "item_metadata",
    "item_text",
    "label",
    "latest",
    "matches_filter",
    "matches_path",
    "page_namespaces",
    "parse_item",
]

DEFAULT_NAMESPACE = "langgraph"
"""The py-cml namespace of a store's items unless another is given."""

ID_FIELD = "langgraph_item"
"""The metadata field holding an item's :func:`identity`, which ``get`` looks up exactly."""

ITEM_FIELD = "langgraph"
"""The metadata field that holds a store item (a memory without it is not an item)."""

ITEM_TYPE = MemoryType.TOOL_RESULT
"""The memory type of items: a kind that is never merged across sessions nor superseded."""

# The metadata limit minus room for the path, the key and the timestamps around the value.
_VALUE_BUDGET = MAX_METADATA_BYTES - 1024
_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


@dataclass(frozen=True)
class StoredItem:
    """One store item as read back from a memory.

    Attributes:
        memory_id: The memory holding it.
        namespace: The item's path.
        key: Its key within the path.
        value: Its value, exactly as put.
        created_at: When the key was first put.
        updated_at: When it was last put.
        indexed: Whether semantic search may return it.
    """

    memory_id: str
    namespace: tuple[str, ...]
    key: str
    value: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    indexed: bool


def identity(namespace: Sequence[str], key: str) -> str:
    """The label naming one item (its session, and :data:`ID_FIELD` in its metadata)."""
    return label("lg", [list(namespace), key])


def label(prefix: str, parts: Any) -> str:
    """A fixed-length label for ``parts`` (any JSON): letters only, so no redaction rewrites it.

    Args:
        prefix: Says what kind of thing the label names.
        parts: What it names.

    Returns:
        ``prefix``, a dash and 64 letters.
    """
    encoded = json.dumps(parts, ensure_ascii=False).encode("utf-8")
    return f"{prefix}-" + hashlib.sha256(encoded).hexdigest().translate(_DIGITS_TO_LETTERS)


def item_text(namespace: Sequence[str], key: str, texts: Iterable[str]) -> str:
    """The memory text of an item: its indexed texts, or its path when it has none."""
    text = "\n".join(t for t in texts if t.strip())
    if not text.strip():
        text = "/".join([*namespace, key])
    return text[:MAX_CONTENT_CHARS]


def item_metadata(
    namespace: Sequence[str],
    key: str,
    value: Mapping[str, Any],
    *,
    created_at: datetime,
    updated_at: datetime,
    indexed: bool,
) -> dict[str, Any]:
    """The metadata of the memory holding an item.

    Raises:
        ValueError: The value is not JSON (or holds NaN/Infinity), or is too large for one
            memory's metadata.
    """
    try:
        encoded = json.dumps(dict(value), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The value of {key!r} is not JSON-serializable: {exc}") from exc
    size = len(encoded.encode("utf-8"))
    if size > _VALUE_BUDGET:
        raise ValueError(
            f"The value of {key!r} is {size} bytes as JSON; py-cml stores at most "
            f"{_VALUE_BUDGET} bytes per item. Split it over several keys."
        )
    return {
        ID_FIELD: identity(namespace, key),
        ITEM_FIELD: {
            "namespace": list(namespace),
            "key": key,
            "value": encoded,
            "created_at": created_at.isoformat(),
            "updated_at": updated_at.isoformat(),
            "indexed": indexed,
        },
    }


def parse_item(memory_id: str, metadata: Mapping[str, Any]) -> StoredItem | None:
    """The item a memory holds, or ``None`` for a memory that is not a store item."""
    raw = metadata.get(ITEM_FIELD)
    if not isinstance(raw, dict):
        return None
    try:
        namespace = tuple(raw["namespace"])
        value = json.loads(raw["value"])
        item = StoredItem(
            memory_id=memory_id,
            namespace=namespace,
            key=str(raw["key"]),
            value=value,
            created_at=_aware(datetime.fromisoformat(raw["created_at"])),
            updated_at=_aware(datetime.fromisoformat(raw["updated_at"])),
            indexed=bool(raw.get("indexed", True)),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(value, dict) or not all(isinstance(label, str) for label in namespace):
        return None
    return item


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def latest(items: Iterable[StoredItem]) -> StoredItem | None:
    """The most recently put of several memories of one item (two concurrent first puts)."""
    return max(items, key=lambda item: (item.updated_at, item.memory_id), default=None)


def matches_path(path: Sequence[str], namespace: Sequence[str], *, suffix: bool = False) -> bool:
    """Whether ``namespace`` starts (or, with ``suffix``, ends) with ``path`` (``*``: any label)."""
    if len(namespace) < len(path):
        return False
    labels = namespace[len(namespace) - len(path) :] if suffix else namespace[: len(path)]
    return all(want in ("*", label) for label, want in zip(labels, path, strict=True))


def matches_filter(value: Mapping[str, Any], conditions: Mapping[str, Any] | None) -> bool:
    """Whether ``value`` satisfies a store filter.

    Each condition names a top-level field: a plain value must equal the field (a dict compares
    field by field, a list element by element); a dict of operators (``$eq``, ``$ne``, ``$gt``,
    ``$gte``, ``$lt``, ``$lte``) must hold for it.

    Raises:
        ValueError: An unknown operator.
    """
    return all(_satisfies(value.get(name), want) for name, want in (conditions or {}).items())


def _satisfies(actual: Any, want: Any) -> bool:
    if isinstance(want, Mapping):
        if any(str(name).startswith("$") for name in want):
            return all(_compare(actual, op, operand) for op, operand in want.items())
        return isinstance(actual, Mapping) and all(
            _satisfies(actual.get(name), inner) for name, inner in want.items()
        )
    if isinstance(want, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(actual) == len(want)
            and all(_satisfies(a, w) for a, w in zip(actual, want, strict=True))
        )
    return bool(actual == want)


def _compare(actual: Any, op: str, operand: Any) -> bool:
    if op == "$eq":
        return bool(actual == operand)
    if op == "$ne":
        return bool(actual != operand)
    if op not in ("$gt", "$gte", "$lt", "$lte"):
        raise ValueError(f"Unsupported filter operator {op!r}: use $eq, $ne, $gt, $gte, $lt, $lte.")
    left, right = _number(actual), _number(operand)
    if left is None or right is None:
        return False
    if op == "$gt":
        return left > right
    if op == "$gte":
        return left >= right
    if op == "$lt":
        return left < right
    return left <= right


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def page_namespaces(
    namespaces: Iterable[tuple[str, ...]],
    *,
    conditions: Iterable[tuple[Sequence[str], bool]],
    max_depth: int | None,
    limit: int,
    offset: int,
) -> list[tuple[str, ...]]:
    """The distinct namespaces matching every condition, cut to ``max_depth``, sorted.

    Args:
        namespaces: The namespaces of the stored items (repeats allowed).
        conditions: ``(path, is_suffix)`` pairs; ``*`` in a path matches any label.
        max_depth: Keep only this many leading labels of each namespace.
        limit: Most namespaces to return.
        offset: Namespaces to skip first.

    Returns:
        One page of the sorted, distinct namespaces.
    """
    wanted = list(conditions)
    kept = {
        ns[:max_depth] if max_depth is not None else ns
        for ns in namespaces
        if all(matches_path(path, ns, suffix=is_suffix) for path, is_suffix in wanted)
    }
    return sorted(kept)[offset : offset + limit]
