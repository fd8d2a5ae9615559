"""py-cml in LangChain: a chat message history and a retriever.

- :class:`CMLChatMessageHistory` / :class:`AsyncCMLChatMessageHistory`: LangChain's
  ``BaseChatMessageHistory`` kept in py-cml, one ``message`` memory per message in the
  conversation's session, for any code that keeps a chat history. What was said stays in
  py-cml's long-term memory, where a retriever, another conversation or another application
  can recall it.
- :class:`CMLRetriever` / :class:`AsyncCMLRetriever`: LangChain's ``BaseRetriever`` over
  py-cml's hybrid recall (``read``): the memories most relevant to a query, as ``Document``
  objects with the relevance and the memory's attributes in their metadata.

Needs the ``langchain`` extra: ``pip install 'py-cml[langchain]'``.

Example:
    ```python
    from cml import EmbeddedCognitiveMemoryLayer
    from cml.integrations.langchain import CMLChatMessageHistory, CMLRetriever

    with EmbeddedCognitiveMemoryLayer("memories.db") as memory:
        history = CMLChatMessageHistory(memory, session_id="s1")
        history.add_user_message("I'm vegetarian")
        docs = CMLRetriever(client=memory, k=3).invoke("What does the user eat?")
    ```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn, TypedDict, Unpack

from cml.integrations._extra import require

require("langchain_core", extra="langchain")

from langchain_core.callbacks import (  # noqa: E402
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.chat_history import BaseChatMessageHistory  # noqa: E402
from langchain_core.documents import Document  # noqa: E402
from langchain_core.messages import BaseMessage  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402
from pydantic import Field  # noqa: E402

from cml._async.client import AsyncCognitiveMemoryLayer  # noqa: E402
from cml._sync.client import CognitiveMemoryLayer  # noqa: E402
from cml.integrations._async.langchain_history import AsyncChatHistoryBackend  # noqa: E402
from cml.integrations._langchain_messages import documents  # noqa: E402
from cml.integrations._sync.langchain_history import ChatHistoryBackend  # noqa: E402
from cml.models import MemoryType  # noqa: E402

__all__ = [
    "AsyncCMLChatMessageHistory",
    "AsyncCMLRetriever",
    "CMLChatMessageHistory",
    "CMLRetriever",
    "HistoryOptions",
]


class HistoryOptions(TypedDict, total=False):
    """The options of both chat message histories (see :class:`CMLChatMessageHistory`)."""

    namespace: str | None
    hard_delete: bool


class CMLChatMessageHistory(BaseChatMessageHistory):
    """The messages of one conversation, kept in py-cml (sync client).

    Each message is a ``message`` memory of ``session_id``: its text is the speaker, its
    position and what was said (so ``read`` recalls it like any memory); the whole message
    (tool calls, ids, metadata) comes back from :attr:`messages` in the order it was added.
    The async methods run the sync calls in a thread.

    Args:
        client: A :class:`~cml.CognitiveMemoryLayer` or
            :class:`~cml.EmbeddedCognitiveMemoryLayer` (not closed by the history).
        session_id: The conversation.
        **options: ``namespace``: the py-cml namespace of its messages (the tenant's default
            when omitted). ``hard_delete``: whether :meth:`clear` deletes for good (the
            default) or soft-deletes, restorable with ``client.restore`` until purged.

    Example:
        ```python
        history = CMLChatMessageHistory(memory, session_id="s1")
        history.add_messages([HumanMessage("Hi, I'm Ana"), AIMessage("Hello Ana!")])
        assert [m.type for m in history.messages] == ["human", "ai"]
        ```
    """

    def __init__(
        self, client: CognitiveMemoryLayer, session_id: str, **options: Unpack[HistoryOptions]
    ) -> None:
        self.backend = ChatHistoryBackend(client, session_id=session_id, **options)

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        """The conversation's messages, oldest first."""
        return self.backend.messages()

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Append messages to the conversation, in one request.

        Args:
            messages: The messages, in order.

        Raises:
            ValueError: A message is too long for one memory (32,000 characters); nothing is
                stored.
            CMLError: The memory service refused or failed (for example ``ValidationError``
                for a message holding a secret); nothing is stored.
        """
        self.backend.add(messages)

    def clear(self) -> None:
        """Remove the conversation's messages; other memories of the session stay."""
        self.backend.clear()


class AsyncCMLChatMessageHistory(BaseChatMessageHistory):
    """The messages of one conversation, kept in py-cml (async client).

    Use the async methods (``aget_messages``, ``aadd_messages``, ``aclear``); the sync ones
    raise ``NotImplementedError``
    (use :class:`CMLChatMessageHistory` for sync code). See :class:`CMLChatMessageHistory` for
    how messages are kept.

    Args:
        client: An :class:`~cml.AsyncCognitiveMemoryLayer` or
            :class:`~cml.AsyncEmbeddedCognitiveMemoryLayer` (not closed by the history).
        session_id: The conversation.
        **options: ``namespace`` and ``hard_delete``, as for :class:`CMLChatMessageHistory`.
    """

    def __init__(
        self,
        client: AsyncCognitiveMemoryLayer,
        session_id: str,
        **options: Unpack[HistoryOptions],
    ) -> None:
        self.backend = AsyncChatHistoryBackend(client, session_id=session_id, **options)

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        """Not available on the async history: ``await history.aget_messages()``."""
        _sync_refused("aget_messages")

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Not available on the async history: ``await history.aadd_messages(...)``."""
        _sync_refused("aadd_messages")

    def clear(self) -> None:
        """Not available on the async history: ``await history.aclear()``."""
        _sync_refused("aclear")

    async def aget_messages(self) -> list[BaseMessage]:
        """The conversation's messages, oldest first.

        Returns:
            The messages.
        """
        return await self.backend.messages()

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Append messages to the conversation, in one request.

        Args:
            messages: The messages, in order.

        Raises:
            ValueError: A message is too long for one memory; nothing is stored.
        """
        await self.backend.add(messages)

    async def aclear(self) -> None:
        """Remove the conversation's messages; other memories of the session stay."""
        await self.backend.clear()


def _sync_refused(method: str) -> NoReturn:
    raise NotImplementedError(
        f"AsyncCMLChatMessageHistory works with an async client: use `await history.{method}"
        "(...)`, or CMLChatMessageHistory with a sync client."
    )


class _RecallOptions(BaseRetriever):
    """The options of a read, shared by both retrievers."""

    k: int = Field(default=4, ge=1, le=100)
    """Most memories to return."""
    namespace: str | None = None
    """Only this namespace."""
    session_id: str | None = None
    """Only this session (recall covers every session when omitted)."""
    memory_types: list[MemoryType | str] | None = None
    """Only these kinds of memory."""

    def _read_options(self) -> dict[str, Any]:
        return {
            "max_results": self.k,
            "namespace": self.namespace,
            "session_id": self.session_id,
            "memory_types": self.memory_types,
            "format": "list",
        }


class CMLRetriever(_RecallOptions):
    """A LangChain retriever over py-cml's recall (sync client).

    Each ``Document`` is one memory: ``page_content`` is its text, ``id`` its id, and
    ``metadata`` holds ``relevance`` (in [0, 1]), ``type``, ``confidence``, ``timestamp``,
    ``namespace``, ``session_id``, ``agent_id``, ``context_tags`` and the memory's own
    ``metadata``. ``ainvoke`` runs the sync read in a thread.

    Args:
        client: A :class:`~cml.CognitiveMemoryLayer` or
            :class:`~cml.EmbeddedCognitiveMemoryLayer`.
        k: Most memories to return (1-100, default 4).
        namespace: Only this namespace.
        session_id: Only this session.
        memory_types: Only these kinds of memory.

    Example:
        ```python
        retriever = CMLRetriever(client=memory, k=5, namespace="support")
        for doc in retriever.invoke("refund policy"):
            print(doc.metadata["relevance"], doc.page_content)
        ```
    """

    client: CognitiveMemoryLayer
    """The py-cml client to read from."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return documents(self.client.read(query, **self._read_options())) if query.strip() else []


class AsyncCMLRetriever(_RecallOptions):
    """A LangChain retriever over py-cml's recall (async client).

    Use ``ainvoke`` (``invoke`` raises ``NotImplementedError``); the documents are those of
    :class:`CMLRetriever`.

    Args:
        client: An :class:`~cml.AsyncCognitiveMemoryLayer` or
            :class:`~cml.AsyncEmbeddedCognitiveMemoryLayer`.
        **options: ``k``, ``namespace``, ``session_id`` and ``memory_types``, as for
            :class:`CMLRetriever`.
    """

    client: AsyncCognitiveMemoryLayer
    """The py-cml client to read from."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        raise NotImplementedError(
            "AsyncCMLRetriever works with an async client: use `await retriever.ainvoke(...)`, "
            "or CMLRetriever with a sync client."
        )

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        if not query.strip():
            return []
        return documents(await self.client.read(query, **self._read_options()))
