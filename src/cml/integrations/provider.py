"""MemoryProvider: the three calls a chat loop needs from a memory, and py-cml's implementations.

Any LLM integration (OpenAI, another vendor, a local model) needs the same things from a memory:
context for the next message, somewhere to put the finished exchange, and a way to wipe a
conversation. :class:`MemoryProvider` and :class:`AsyncMemoryProvider` name those calls so that an
integration can be written once against the protocol; :class:`CMLMemoryProvider` and
:class:`AsyncCMLMemoryProvider` implement them on the py-cml clients (HTTP and embedded alike).

Example:
    ```python
    from cml import EmbeddedCognitiveMemoryLayer
    from cml.integrations import CMLMemoryProvider, MemoryProvider

    with EmbeddedCognitiveMemoryLayer("memories.db") as client:
        memory: MemoryProvider = CMLMemoryProvider(client)
        memory.store_exchange("I'm vegetarian", "Noted!", session_id="s1")
        prompt_block = memory.get_context("What should I cook tonight?")
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from cml.models import MAX_QUERY_CHARS, ReadFormat

if TYPE_CHECKING:
    from cml.async_client import AsyncCognitiveMemoryLayer
    from cml.client import CognitiveMemoryLayer

__all__ = [
    "AsyncCMLMemoryProvider",
    "AsyncMemoryProvider",
    "CMLMemoryProvider",
    "MemoryProvider",
]

# The smallest context budget the turn route accepts: storing an exchange needs no context, so
# the retrieval the route does anyway is kept as cheap as the contract allows.
_STORE_CONTEXT_TOKENS = 32


@runtime_checkable
class MemoryProvider(Protocol):
    """What a chat integration needs from a memory (synchronous)."""

    def get_context(self, query: str) -> str:
        """The memories relevant to ``query`` as a prompt block; empty when there are none."""
        ...

    def store_exchange(
        self, user_message: str, assistant_response: str, session_id: str | None
    ) -> None:
        """Remember one user message and the assistant's answer to it."""
        ...

    def clear_session(self, session_id: str) -> None:
        """Remove the memories of one session, and nothing else."""
        ...


@runtime_checkable
class AsyncMemoryProvider(Protocol):
    """What a chat integration needs from a memory (asynchronous twin of MemoryProvider)."""

    async def get_context(self, query: str) -> str:
        """The memories relevant to ``query`` as a prompt block; empty when there are none."""
        ...

    async def store_exchange(
        self, user_message: str, assistant_response: str, session_id: str | None
    ) -> None:
        """Remember one user message and the assistant's answer to it."""
        ...

    async def clear_session(self, session_id: str) -> None:
        """Remove the memories of one session, and nothing else."""
        ...


def _query(text: str) -> str | None:
    """The read query for ``text``: cut to the contract's limit, ``None`` when blank."""
    text = text.strip()
    return text[:MAX_QUERY_CHARS] if text else None


class CMLMemoryProvider:
    """A :class:`MemoryProvider` backed by a py-cml client.

    Works with :class:`~cml.CognitiveMemoryLayer` and :class:`~cml.EmbeddedCognitiveMemoryLayer`.
    Errors of the memory service (:class:`~cml.CMLError` subclasses) propagate.

    Args:
        client: The py-cml client to read from and write to (not closed by the provider).
        namespace: Namespace to recall from and store in; the tenant's default when omitted.
        max_results: Most memories to put in a context block.
        max_context_tokens: Token budget of a context block.
        hard_delete: Whether :meth:`clear_session` deletes for good (the default) or marks the
            memories deleted, restorable until purged.

    Example:
        ```python
        provider = CMLMemoryProvider(client, namespace="support-bot")
        provider.store_exchange("My order is late", "Sorry! Checking now.", "ticket-42")
        provider.clear_session("ticket-42")
        ```
    """

    def __init__(
        self,
        client: CognitiveMemoryLayer,
        *,
        namespace: str | None = None,
        max_results: int = 10,
        max_context_tokens: int = 1500,
        hard_delete: bool = True,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.max_results = max_results
        self.max_context_tokens = max_context_tokens
        self.hard_delete = hard_delete

    def get_context(self, query: str, *, session_id: str | None = None) -> str:
        """The memories relevant to ``query`` as a markdown block under "Relevant Memories".

        Args:
            query: The user's message or any text to recall for (cut to 4,000 characters).
            session_id: Recall only this session's memories; every session when omitted.

        Returns:
            The block, or an empty string when nothing relevant is stored.
        """
        text = _query(query)
        if text is None:
            return ""
        result = self.client.read(
            text,
            max_results=self.max_results,
            namespace=self.namespace,
            session_id=session_id,
            format=ReadFormat.LLM_CONTEXT,
            max_tokens=self.max_context_tokens,
        )
        return result.context

    def store_exchange(
        self, user_message: str, assistant_response: str, session_id: str | None = None
    ) -> None:
        """Remember the exchange as one ``conversation`` memory.

        Stored through the turn route, so the exchange has the same shape as any turn stored
        over the API; a message holding a secret is not stored (the server's write gate).

        Args:
            user_message: What the user said.
            assistant_response: What the assistant answered (may be empty).
            session_id: Conversation the exchange belongs to.
        """
        self.client.turn(
            user_message,
            assistant_response=assistant_response or None,
            session_id=session_id,
            namespace=self.namespace,
            max_context_tokens=_STORE_CONTEXT_TOKENS,
        )

    def clear_session(self, session_id: str) -> None:
        """Remove every memory of ``session_id`` (in this provider's namespace, if it has one).

        Args:
            session_id: The session to clear; other sessions' memories are untouched.
        """
        self.client.forget(session_id=session_id, namespace=self.namespace, hard=self.hard_delete)


class AsyncCMLMemoryProvider:
    """An :class:`AsyncMemoryProvider` backed by an async py-cml client.

    Works with :class:`~cml.AsyncCognitiveMemoryLayer` and
    :class:`~cml.AsyncEmbeddedCognitiveMemoryLayer`. Errors of the memory service
    (:class:`~cml.CMLError` subclasses) propagate.

    Args:
        client: The async py-cml client to read from and write to (not closed by the provider).
        namespace: Namespace to recall from and store in; the tenant's default when omitted.
        max_results: Most memories to put in a context block.
        max_context_tokens: Token budget of a context block.
        hard_delete: Whether :meth:`clear_session` deletes for good (the default) or marks the
            memories deleted, restorable until purged.

    Example:
        ```python
        provider = AsyncCMLMemoryProvider(client)
        block = await provider.get_context("What does the user eat?")
        ```
    """

    def __init__(
        self,
        client: AsyncCognitiveMemoryLayer,
        *,
        namespace: str | None = None,
        max_results: int = 10,
        max_context_tokens: int = 1500,
        hard_delete: bool = True,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.max_results = max_results
        self.max_context_tokens = max_context_tokens
        self.hard_delete = hard_delete

    async def get_context(self, query: str, *, session_id: str | None = None) -> str:
        """The memories relevant to ``query`` as a markdown block under "Relevant Memories".

        Args:
            query: The user's message or any text to recall for (cut to 4,000 characters).
            session_id: Recall only this session's memories; every session when omitted.

        Returns:
            The block, or an empty string when nothing relevant is stored.
        """
        text = _query(query)
        if text is None:
            return ""
        result = await self.client.read(
            text,
            max_results=self.max_results,
            namespace=self.namespace,
            session_id=session_id,
            format=ReadFormat.LLM_CONTEXT,
            max_tokens=self.max_context_tokens,
        )
        return result.context

    async def store_exchange(
        self, user_message: str, assistant_response: str, session_id: str | None = None
    ) -> None:
        """Remember the exchange as one ``conversation`` memory.

        Stored through the turn route, so the exchange has the same shape as any turn stored
        over the API; a message holding a secret is not stored (the server's write gate).

        Args:
            user_message: What the user said.
            assistant_response: What the assistant answered (may be empty).
            session_id: Conversation the exchange belongs to.
        """
        await self.client.turn(
            user_message,
            assistant_response=assistant_response or None,
            session_id=session_id,
            namespace=self.namespace,
            max_context_tokens=_STORE_CONTEXT_TOKENS,
        )

    async def clear_session(self, session_id: str) -> None:
        """Remove every memory of ``session_id`` (in this provider's namespace, if it has one).

        Args:
            session_id: The session to clear; other sessions' memories are untouched.
        """
        await self.client.forget(
            session_id=session_id, namespace=self.namespace, hard=self.hard_delete
        )
