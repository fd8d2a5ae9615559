"""AsyncMemoryProvider: the three calls a chat loop needs from a memory, and py-cml's provider.

Any LLM integration (OpenAI, another vendor, a local model) needs the same things from a memory:
context for the next message, somewhere to put the finished exchange, and a way to wipe a
conversation. :class:`AsyncMemoryProvider` names those calls so that an integration can be
written once against the protocol; :class:`AsyncCMLMemoryProvider` implements them on the py-cml
clients (HTTP and embedded alike).

Example:
    ```python
    from cml import AsyncEmbeddedCognitiveMemoryLayer
    from cml.integrations import AsyncCMLMemoryProvider, AsyncMemoryProvider

    async with AsyncEmbeddedCognitiveMemoryLayer("memories.db") as client:
        memory: AsyncMemoryProvider = AsyncCMLMemoryProvider(client)
        await memory.store_exchange("I'm vegetarian", "Noted!", session_id="s1")
        prompt_block = await memory.get_context("What should I cook tonight?")
    ```
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from cml.integrations._chat import STORE_CONTEXT_TOKENS, recall_query, recall_session
from cml.models import ReadFormat

if TYPE_CHECKING:
    from cml._async.client import AsyncCognitiveMemoryLayer

__all__ = ["AsyncCMLMemoryProvider", "AsyncMemoryProvider"]


@runtime_checkable
class AsyncMemoryProvider(Protocol):
    """What a chat integration needs from a memory."""

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


@dataclass(eq=False)
class AsyncCMLMemoryProvider:
    """An :class:`AsyncMemoryProvider` backed by a py-cml client.

    Works with :class:`~cml.AsyncCognitiveMemoryLayer` and
    :class:`~cml.AsyncEmbeddedCognitiveMemoryLayer`. Errors of the memory service
    (:class:`~cml.CMLError` subclasses) propagate.

    Args:
        client: The py-cml client to read from and write to (not closed by the provider).
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

    client: AsyncCognitiveMemoryLayer
    _: KW_ONLY
    namespace: str | None = None
    max_results: int = 10
    max_context_tokens: int = 1500
    hard_delete: bool = True

    async def get_context(
        self,
        query: str,
        *,
        session_id: str | None = None,
        restrict_to_session: bool = False,
    ) -> str:
        """The memories relevant to ``query`` as a markdown block under "Relevant Memories".

        Recall covers every session (long-term memory exists to bring back what was said in
        other conversations); ``restrict_to_session`` limits it to ``session_id``.

        Args:
            query: The user's message or any text to recall for (cut to 4,000 characters).
            session_id: The conversation ``query`` belongs to. It does not limit recall unless
                ``restrict_to_session`` is true.
            restrict_to_session: Recall only the memories of ``session_id``.

        Returns:
            The block, or an empty string when nothing relevant is stored.

        Raises:
            ValueError: ``restrict_to_session`` is true and no ``session_id`` is given.
        """
        scope = recall_session(session_id, restrict_to_session=restrict_to_session)
        text = recall_query(query)
        if text is None:
            return ""
        result = await self.client.read(
            text,
            max_results=self.max_results,
            namespace=self.namespace,
            session_id=scope,
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
            max_context_tokens=STORE_CONTEXT_TOKENS,
        )

    async def clear_session(self, session_id: str) -> None:
        """Remove every memory of ``session_id`` (in this provider's namespace, if it has one).

        Args:
            session_id: The session to clear; other sessions' memories are untouched.
        """
        await self.client.forget(
            session_id=session_id, namespace=self.namespace, hard=self.hard_delete
        )
