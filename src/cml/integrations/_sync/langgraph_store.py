# Generated from src/cml/integrations/_async/langgraph_store.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""The operations of LangGraph's store (get, put, delete, search, list namespaces) on py-cml.

:class:`StoreBackend` runs a batch of LangGraph store operations against a py-cml client,
one operation after another in the order given (so a ``get`` after a ``put`` of the same key in
one batch sees the new value). How an item is kept in a memory is
:mod:`cml.integrations._store_items`. :mod:`cml.integrations.langgraph` wraps this in LangGraph's
``BaseStore`` classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from langgraph.store.base import (
    GetOp,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    validate_op_namespace,
)
from langgraph.store.base.embed import get_text_at_path

from cml.integrations._sync.listing import list_all
from cml.integrations._store_items import (
    DEFAULT_NAMESPACE,
    ID_FIELD,
    ITEM_TYPE,
    StoredItem,
    identity,
    item_metadata,
    item_text,
    latest,
    matches_filter,
    matches_path,
    page_namespaces,
    parse_item,
)
from cml.models import MAX_QUERY_CHARS, MAX_RESULTS

if TYPE_CHECKING:
    from cml._sync.client import CognitiveMemoryLayer

__all__ = ["StoreBackend"]


class StoreBackend:
    """LangGraph store operations over a py-cml client (see :mod:`cml.integrations.langgraph`).

    Args:
        client: The py-cml client (not closed by the backend).
        namespace: The py-cml namespace holding every item of the store.
        index_fields: The value fields whose text semantic search matches (``"$"`` is the
            whole value); a ``put`` may name its own.
        hard_delete: Whether ``delete`` removes the memory for good (the default) or marks it
            deleted, restorable until purged.
    """

    def __init__(
        self,
        client: CognitiveMemoryLayer,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        index_fields: Sequence[str] = ("$",),
        hard_delete: bool = True,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.index_fields = list(index_fields)
        self.hard_delete = hard_delete

    def run(self, ops: Iterable[Op]) -> list[Result]:
        """Run ``ops`` in order; one result per operation, in the same order.

        Raises:
            InvalidNamespaceError: A namespace label is empty, holds a period or is not a
                string (nothing of the batch runs).
            ValueError: A value that is not JSON or too large, or an unknown filter operator.
        """
        batch = list(ops)
        for op in batch:
            validate_op_namespace(op)
        results: list[Result] = []
        for op in batch:
            if isinstance(op, GetOp):
                results.append(self.get(op.namespace, op.key))
            elif isinstance(op, PutOp):
                self.put(op)
                results.append(None)
            elif isinstance(op, SearchOp):
                results.append(self.search(op))
            elif isinstance(op, ListNamespacesOp):
                results.append(self.list_namespaces(op))
            else:
                raise TypeError(f"Unknown store operation: {type(op).__name__}")
        return results

    def get(self, namespace: tuple[str, ...], key: str) -> Item | None:
        """The item at ``namespace``/``key``, or ``None``."""
        found = latest(self._copies(namespace, key))
        return None if found is None else _item(found)

    def put(self, op: PutOp) -> None:
        """Store, replace or (with a ``None`` value) delete one item."""
        copies = self._copies(op.namespace, op.key)
        if op.value is None:
            if copies:
                self.client.forget(
                    memory_ids=[c.memory_id for c in copies],
                    namespace=self.namespace,
                    hard=self.hard_delete,
                )
            return
        now = datetime.now(UTC)
        current = latest(copies)
        fields = self.index_fields if op.index is None else op.index or []
        texts = [text for field in fields for text in get_text_at_path(dict(op.value), field)]
        text = item_text(op.namespace, op.key, texts)
        metadata = item_metadata(
            op.namespace,
            op.key,
            op.value,
            created_at=current.created_at if current else now,
            updated_at=now,
            indexed=op.index is not False,
        )
        if current is None:
            self.client.write(
                text,
                namespace=self.namespace,
                session_id=identity(op.namespace, op.key),
                memory_type=ITEM_TYPE,
                metadata=metadata,
            )
            return
        self.client.update(
            current.memory_id, text=text, metadata=metadata, namespace=self.namespace
        )
        stale = [c.memory_id for c in copies if c.memory_id != current.memory_id]
        if stale:
            self.client.forget(memory_ids=stale, namespace=self.namespace, hard=True)

    def search(self, op: SearchOp) -> list[SearchItem]:
        """Items under ``op.namespace_prefix`` matching ``op.filter``, ranked by ``op.query``.

        With a query, the items are those py-cml's hybrid recall ranks highest among the
        store's memories (at most 100 per search, before the prefix and filter are applied),
        each with its relevance as ``score``. Without one, every item is considered, most
        recently updated first, with no score.
        """
        if op.query and op.query.strip():
            candidates = self._recall(op.query)
        else:
            listed = self._items()
            candidates = [
                (item, None) for item in sorted(listed, key=lambda i: i.updated_at, reverse=True)
            ]
        seen: set[tuple[tuple[str, ...], str]] = set()
        kept: list[SearchItem] = []
        for item, score in candidates:
            where = (item.namespace, item.key)
            if where in seen or not matches_path(op.namespace_prefix, item.namespace):
                continue
            seen.add(where)
            if matches_filter(item.value, op.filter):
                kept.append(_search_item(item, score))
        return kept[op.offset : op.offset + op.limit]

    def list_namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        """The namespaces holding items, filtered, truncated and paged as ``op`` asks."""
        namespaces = [item.namespace for item in self._items()]
        return page_namespaces(
            namespaces,
            conditions=[(c.path, c.match_type == "suffix") for c in op.match_conditions or ()],
            max_depth=op.max_depth,
            limit=op.limit,
            offset=op.offset,
        )

    def _copies(self, namespace: tuple[str, ...], key: str) -> list[StoredItem]:
        # One memory per item (two after concurrent first puts of one key).
        return self._items({ID_FIELD: identity(namespace, key)})

    def _recall(self, query: str) -> list[tuple[StoredItem, float | None]]:
        result = self.client.read(
            query.strip()[:MAX_QUERY_CHARS],
            namespace=self.namespace,
            memory_types=[ITEM_TYPE],
            max_results=MAX_RESULTS,
            format="list",
        )
        found: list[tuple[StoredItem, float | None]] = []
        for memory in result.memories:
            item = parse_item(memory.id, memory.metadata)
            if item is not None and item.indexed:
                found.append((item, memory.relevance))
        return found

    def _items(self, metadata: dict[str, str] | None = None) -> list[StoredItem]:
        listed = list_all(
            self.client, memory_type=ITEM_TYPE, namespace=self.namespace, metadata=metadata
        )
        parsed = (parse_item(memory.id, memory.metadata) for memory in listed)
        return [item for item in parsed if item is not None]


_ITEM_FIELDS = ("namespace", "key", "value", "created_at", "updated_at")


def _item(stored: StoredItem) -> Item:
    return Item(**{name: getattr(stored, name) for name in _ITEM_FIELDS})


def _search_item(stored: StoredItem, score: float | None) -> SearchItem:
    return SearchItem(**{name: getattr(stored, name) for name in _ITEM_FIELDS}, score=score)
