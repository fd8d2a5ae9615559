"""py-cml as a LangGraph long-term memory store (``BaseStore``).

:class:`CMLStore` (over a sync py-cml client) and :class:`AsyncCMLStore` (over an async one)
implement LangGraph's store interface: ``put``/``get``/``delete``/``search``/
``list_namespaces``, their ``a``-prefixed async forms and ``batch``/``abatch``. Give one to
``graph.compile(store=...)`` or ``create_react_agent(..., store=...)`` and the graph's nodes and
tools keep what they learn in py-cml, where other applications (and py-cml's own recall) see it.

Each item is one memory in the store's py-cml namespace (``"langgraph"`` unless you choose
another): LangGraph's namespace tuples can be any depth and hold any label, so they are kept
with the key and the exact value in the memory's metadata, and the text of the value's indexed
fields is what ``search(..., query=...)`` matches through py-cml's hybrid recall. A value comes
back exactly as put, except where the server's write gate applies: a value holding a secret is
refused (``cml.ValidationError``), and personal data (emails, phone numbers, ...) is redacted
when the server redacts it. Items do not expire (``supports_ttl`` is false).

Needs the ``langgraph`` extra: ``pip install 'py-cml[langgraph]'``.

Example:
    ```python
    from cml import EmbeddedCognitiveMemoryLayer
    from cml.integrations.langgraph import CMLStore

    with EmbeddedCognitiveMemoryLayer("memories.db") as memory:
        store = CMLStore(memory)
        store.put(("users", "ana"), "diet", {"text": "Ana is vegetarian"})
        hits = store.search(("users", "ana"), query="what does Ana eat?")
    ```
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypedDict, Unpack

from cml.integrations._extra import require

require("langgraph", extra="langgraph")

from langgraph.store.base import BaseStore, Op, Result  # noqa: E402

from cml.integrations._async.langgraph_store import AsyncStoreBackend  # noqa: E402
from cml.integrations._store_items import DEFAULT_NAMESPACE  # noqa: E402
from cml.integrations._sync.langgraph_store import StoreBackend  # noqa: E402

if TYPE_CHECKING:
    from cml._async.client import AsyncCognitiveMemoryLayer
    from cml._sync.client import CognitiveMemoryLayer

__all__ = ["DEFAULT_NAMESPACE", "AsyncCMLStore", "CMLStore", "StoreOptions"]


class StoreOptions(TypedDict, total=False):
    """The options of both stores (see :class:`CMLStore`)."""

    namespace: str
    index_fields: Sequence[str]
    hard_delete: bool


class CMLStore(BaseStore):
    """A LangGraph store backed by a sync py-cml client (HTTP or embedded).

    The async methods (``aget``, ``asearch``, ..., ``abatch``) run the sync calls in the event
    loop's default thread pool.

    Args:
        client: A :class:`~cml.CognitiveMemoryLayer` or
            :class:`~cml.EmbeddedCognitiveMemoryLayer` (not closed by the store); a key with
            the read and write scopes is enough.
        **options: ``namespace``: the py-cml namespace holding the store's items
            (``"langgraph"`` by default). ``index_fields``: the value fields whose text
            ``search(query=...)`` matches, in LangGraph's path syntax (``"text"``,
            ``"notes[*].body"``); ``"$"``, the default, is the whole value; a ``put`` may name
            its own (``index=[...]``) or opt out (``index=False``). ``hard_delete``: whether
            ``delete`` removes an item for good (the default) or soft-deletes its memory,
            restorable with ``client.restore`` until purged.

    Example:
        ```python
        store = CMLStore(memory, index_fields=["text"])
        store.put(("notes",), "n1", {"text": "The launch moved to May"})
        assert store.get(("notes",), "n1").value == {"text": "The launch moved to May"}
        ```
    """

    __slots__ = ("backend",)

    def __init__(self, client: CognitiveMemoryLayer, **options: Unpack[StoreOptions]) -> None:
        self.backend = StoreBackend(client, **options)

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run store operations in order; one result per operation, in the same order.

        Args:
            ops: ``GetOp``, ``PutOp``, ``SearchOp`` and ``ListNamespacesOp`` operations.

        Returns:
            An ``Item`` or ``None`` per get, ``None`` per put, a list of ``SearchItem`` per
            search and a list of namespace tuples per listing.

        Raises:
            InvalidNamespaceError: A namespace label is empty, holds a period or is not a
                string.
            ValueError: A value that is not JSON or too large, or an unknown filter operator.
            CMLError: The memory service failed (for example ``ValidationError`` for a value
                holding a secret).
        """
        return self.backend.run(ops)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """:meth:`batch`, run in the event loop's default thread pool.

        Args:
            ops: The operations, as for :meth:`batch`.

        Returns:
            The results, as for :meth:`batch`.
        """
        return await asyncio.get_running_loop().run_in_executor(None, self.batch, list(ops))


class AsyncCMLStore(BaseStore):
    """A LangGraph store backed by an async py-cml client (HTTP or embedded).

    Create it inside the event loop that will use it. The sync methods (``get``, ``put``, ...,
    ``batch``) work from other threads (as LangGraph's sync nodes run): they hand the call to
    that loop and wait; called on the loop's own thread they raise instead of deadlocking.

    Args:
        client: An :class:`~cml.AsyncCognitiveMemoryLayer` or
            :class:`~cml.AsyncEmbeddedCognitiveMemoryLayer` (not closed by the store).
        **options: ``namespace``, ``index_fields`` and ``hard_delete``, as for
            :class:`CMLStore`.

    Raises:
        RuntimeError: Created outside a running event loop.

    Example:
        ```python
        store = AsyncCMLStore(memory)
        await store.aput(("users", "ana"), "diet", {"text": "Ana is vegetarian"})
        hits = await store.asearch(("users",), query="diet")
        ```
    """

    __slots__ = ("backend", "loop")

    def __init__(self, client: AsyncCognitiveMemoryLayer, **options: Unpack[StoreOptions]) -> None:
        self.backend = AsyncStoreBackend(client, **options)
        self.loop = asyncio.get_running_loop()

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Run store operations in order (see :meth:`CMLStore.batch`).

        Args:
            ops: The operations.

        Returns:
            One result per operation, in the same order.
        """
        return await self.backend.run(ops)

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """:meth:`abatch` from a thread other than the store's event loop.

        Args:
            ops: The operations.

        Returns:
            One result per operation, in the same order.

        Raises:
            RuntimeError: Called on the event loop's own thread (use the ``a`` methods there).
        """
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            raise RuntimeError(
                "AsyncCMLStore's sync methods cannot run on its own event loop: await the "
                "async ones (aget, aput, asearch, ...) instead, or use CMLStore."
            )
        future = asyncio.run_coroutine_threadsafe(self.abatch(list(ops)), self.loop)
        return future.result()
