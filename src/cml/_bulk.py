"""I/O-free helpers of the bulk calls: batch writes and reads, and the listing's pages.

Both clients build their batch requests here:

- :func:`batch_write_bodies` validates every item against the wire contract *before* the list is
  split into requests of at most ``MAX_BATCH_ITEMS``, so that an error names the item's index in
  the caller's list (``items.742.content``), not in its chunk.
- :func:`chunk_key` gives each chunk its own idempotency key derived from the caller's, so that
  retrying a whole ``batch_write`` with the same key replays the chunks already stored.
- :func:`shift_error` renumbers the ``items.<i>`` of a server error about a later chunk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import pydantic

from cml._checks import NAMESPACE_RULE, field_errors, invalid, validate
from cml.exceptions import APIError
from cml.models import (
    MAX_BATCH_ITEMS,
    MAX_BATCH_QUERIES,
    MAX_PAGE_SIZE,
    BatchWriteItem,
    ErrorDetail,
    MemoryStatus,
    MemoryType,
    ReadRequest,
    is_valid_namespace,
)

__all__ = [
    "BATCH_READ_CONCURRENCY",
    "batch_read_bodies",
    "batch_write_bodies",
    "chunk_key",
    "chunks",
    "list_params",
    "shift_error",
]

T = TypeVar("T")

BATCH_READ_CONCURRENCY = 2
"""Most batch-read requests the async client keeps in flight at once (the server's default cap
on one key's concurrent batches, ``CML_MAX_CONCURRENT_BATCHES_PER_KEY``)."""

_ITEM_FIELD = re.compile(r"^items\.(\d+)(?=\.|$)")
_KEY_ROOM = 240  # idempotency keys are at most 255 characters; leave room for "#<chunk>"


def chunks(values: Sequence[T], size: int) -> list[Sequence[T]]:
    """``values`` cut into consecutive pieces of at most ``size``."""
    return [values[start : start + size] for start in range(0, len(values), size)]


_FIX_ITEMS = "Nothing was sent; fix the items named (the server would refuse them too)."


def batch_write_bodies(
    items: Sequence[Mapping[str, Any] | BatchWriteItem],
    *,
    session_id: str | None,
    namespace: str | None,
    bound: str | None = None,
) -> list[dict[str, Any]]:
    """The request bodies of a batch write, one per chunk of ``MAX_BATCH_ITEMS`` items.

    Args:
        items: Dicts with at least ``content`` (and any field of a write), or
            :class:`~cml.models.BatchWriteItem` models.
        session_id: Session of the items that do not name their own.
        namespace: Namespace of the items that do not name their own.
        bound: The namespace of a client bound to one: items may name no other.

    Returns:
        One JSON-ready body per chunk, in order.

    Raises:
        ValidationError: Every invalid item, each named ``items.<index>.<field>`` by its index
            in ``items`` (nothing is sent).
    """
    problems: list[ErrorDetail] = []
    dumped: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            if isinstance(item, BatchWriteItem):
                model = item
            elif isinstance(item, Mapping):
                fields = {k: v for k, v in item.items() if v is not None}
                model = BatchWriteItem.model_validate(fields)
            else:
                problems.append(
                    ErrorDetail(field=f"items.{index}", message="must be a dict with 'content'")
                )
                continue
        except pydantic.ValidationError as exc:
            for detail in field_errors(exc):
                problems.append(
                    ErrorDetail(field=f"items.{index}.{detail.field}", message=detail.message)
                )
            continue
        if bound is not None and model.namespace not in (None, bound):
            problems.append(
                ErrorDetail(
                    field=f"items.{index}.namespace",
                    message=f"is {model.namespace!r}, but this client is bound to {bound!r}",
                )
            )
            continue
        dumped.append(model.model_dump(mode="json", exclude_unset=True))
    if problems:
        hint = _FIX_ITEMS
        if any(p.field.endswith(".namespace") for p in problems) and bound is not None:
            hint = "Leave namespace out of the items, or use a client of that namespace."
        raise invalid(problems, hint=hint)
    shared = {"session_id": session_id, "namespace": namespace}
    # The shared fields go through the same model, so a bad one fails here, before sending.
    validate(BatchWriteItem, {"content": "-", **shared})
    return [
        {"items": list(chunk), **{k: v for k, v in shared.items() if v is not None}}
        for chunk in chunks(dumped, MAX_BATCH_ITEMS)
    ]


def chunk_key(key: str | None, index: int) -> str | None:
    """The idempotency key of chunk ``index`` of a batch sent under the caller's ``key``.

    Chunk 0 uses the key itself, so a batch that fits in one request behaves like any write.
    """
    if key is None or index == 0:
        return key
    return f"{key[:_KEY_ROOM]}#{index}"


def shift_error(exc: APIError, offset: int) -> APIError:
    """Renumber ``items.<i>`` in a server error about the chunk starting at ``offset``."""
    if offset == 0:
        return exc

    def shift(text: str) -> str:
        return _ITEM_FIELD.sub(lambda m: f"items.{int(m.group(1)) + offset}", text)

    for detail in exc.details:
        old = detail.field
        detail.field = shift(old)
        exc.message = exc.message.replace(old, detail.field)
    exc.args = (exc.message,)
    return exc


def batch_read_bodies(
    queries: Sequence[str],
    *,
    max_results: int,
    format: str,
    namespace: str | None,
    shared: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The request bodies of a batch read, one per chunk of ``MAX_BATCH_QUERIES`` queries.

    ``shared`` holds further fields every query takes (``min_relevance``, ``metadata``, ...).

    Raises:
        ValidationError: A query (named ``queries.<index>.<field>``) or an option is invalid.
    """
    if isinstance(queries, str):
        raise invalid(
            [ErrorDetail(field="queries", message="must be a list of strings")], hint=_FIX_ITEMS
        )
    problems: list[ErrorDetail] = []
    bodies: list[dict[str, Any]] = []
    for index, query in enumerate(queries):
        fields = {
            "query": query,
            "max_results": max_results,
            "format": format,
            "namespace": namespace,
            **(shared or {}),
        }
        try:
            model = ReadRequest.model_validate({k: v for k, v in fields.items() if v is not None})
        except pydantic.ValidationError as exc:
            for detail in field_errors(exc):
                problems.append(
                    ErrorDetail(field=f"queries.{index}.{detail.field}", message=detail.message)
                )
            continue
        bodies.append(model.model_dump(mode="json", exclude_unset=True))
    if problems:
        raise invalid(problems, hint="Nothing was sent; fix the queries named.")
    return [{"queries": list(chunk)} for chunk in chunks(bodies, MAX_BATCH_QUERIES)]


def list_params(
    *,
    cursor: str | None,
    batch_size: int,
    status: MemoryStatus | str,
    memory_types: Sequence[MemoryType | str] | None,
    namespace: str | None,
) -> dict[str, str | list[str] | None]:
    """Query parameters of one ``GET /admin/memories`` page.

    Raises:
        ValidationError: ``batch_size``, ``status``, a type or ``namespace`` is invalid.
    """
    problems: list[ErrorDetail] = []
    if not 1 <= batch_size <= MAX_PAGE_SIZE:
        problems.append(ErrorDetail(field="batch_size", message=f"must be 1-{MAX_PAGE_SIZE}"))
    statuses = [s.value for s in MemoryStatus]
    if str(status) not in (*statuses, "all"):
        allowed = ", ".join([*statuses, "all"])
        problems.append(ErrorDetail(field="status", message=f"must be one of {allowed}"))
    types: list[str] = []
    for memory_type in memory_types or ():
        try:
            types.append(MemoryType(memory_type).value)
        except ValueError:
            problems.append(
                ErrorDetail(field="memory_types", message=f"unknown type {memory_type!r}")
            )
    if namespace is not None and not is_valid_namespace(namespace):
        problems.append(ErrorDetail(field="namespace", message=f"must be valid: {NAMESPACE_RULE}"))
    if problems:
        raise invalid(problems, hint="Nothing was sent; fix the arguments named.")
    return {
        "cursor": cursor,
        "per_page": str(batch_size),
        "status": str(status),
        "type": types or None,
        "namespace": namespace,
    }
