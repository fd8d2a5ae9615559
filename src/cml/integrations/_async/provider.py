"""A chat loop's memory: the provider protocol, py-cml's provider, and the OpenAI helper on it.

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

:class:`AsyncCMLOpenAIHelper` is that provider around an OpenAI model: one ``chat`` call does
four things, in this order:

1. recall the memories relevant to the user's message, from every session (only the
   ``session_id``'s when ``restrict_to_session`` is true);
2. put them in the system prompt under a "Relevant Memories" heading;
3. call ``openai_client.chat.completions.create``;
4. store the exchange (user message and answer) as one ``conversation`` memory.

Storing comes last, so an error from OpenAI propagates unchanged with nothing stored, and a retry
of the same ``chat`` call cannot leave a duplicate user message behind. The ``openai`` package is
never imported here: the helper uses the client object it is given (any OpenAI-compatible client
with ``chat.completions.create`` works).

Example:
    ```python
    from openai import AsyncOpenAI
    from cml import AsyncEmbeddedCognitiveMemoryLayer
    from cml.integrations import AsyncCMLOpenAIHelper

    async with AsyncEmbeddedCognitiveMemoryLayer("memories.db") as memory:
        helper = AsyncCMLOpenAIHelper(memory, AsyncOpenAI(), model="gpt-4o-mini")
        print(await helper.chat("I'm flying to Oslo on Friday", session_id="trip"))
        print(await helper.chat("Which city am I flying to?", session_id="trip"))
    ```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable

from cml.exceptions import CMLError
from cml.integrations._chat import (
    DEFAULT_SYSTEM_PROMPT,
    STORE_CONTEXT_TOKENS,
    answer_text,
    build_messages,
    check_message,
    degrade,
    recall_query,
    recall_session,
)
from cml.models import ReadFormat

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.types.chat import ChatCompletionMessageParam

    from cml._async.client import AsyncCognitiveMemoryLayer

__all__ = ["AsyncCMLMemoryProvider", "AsyncCMLOpenAIHelper", "AsyncMemoryProvider"]

T = TypeVar("T")


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


class AsyncCMLOpenAIHelper:
    """Chat completions with py-cml memory.

    Args:
        memory: An :class:`~cml.AsyncCognitiveMemoryLayer` or
            :class:`~cml.AsyncEmbeddedCognitiveMemoryLayer` (not closed by the helper).
        openai_client: An ``openai.AsyncOpenAI`` client, or any object with the same
            ``chat.completions.create``.
        model: The chat model to call.
        namespace: Namespace to recall from and store in.
        max_results: Most memories to put in the prompt.
        max_context_tokens: Token budget of the memory block.
        degrade_on_memory_error: When true, a failure of the memory service (any
            :class:`~cml.CMLError`) is logged as a warning and the answer is given without
            memories (or not stored); when false (the default) it propagates.

    Example:
        ```python
        helper = AsyncCMLOpenAIHelper(memory, AsyncOpenAI(), model="gpt-4o-mini")
        answer = await helper.chat("What did I say about my diet?", session_id="s1")
        ```
    """

    def __init__(
        self,
        memory: AsyncCognitiveMemoryLayer,
        openai_client: AsyncOpenAI,
        *,
        model: str = "gpt-4o",
        namespace: str | None = None,
        max_results: int = 10,
        max_context_tokens: int = 1500,
        degrade_on_memory_error: bool = False,
    ) -> None:
        self.memory = memory
        self.openai_client = openai_client
        self.model = model
        self.degrade_on_memory_error = degrade_on_memory_error
        self.provider = AsyncCMLMemoryProvider(
            memory,
            namespace=namespace,
            max_results=max_results,
            max_context_tokens=max_context_tokens,
        )

    async def _guard(self, step: str, action: Callable[[], Awaitable[T]], fallback: T) -> T:
        try:
            return await action()
        except CMLError as exc:
            if not self.degrade_on_memory_error:
                raise
            return degrade(step, exc, fallback)

    async def chat(
        self,
        user_message: str,
        *,
        session_id: str | None = None,
        restrict_to_session: bool = False,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        extra_messages: Sequence[Mapping[str, Any]] | None = None,
    ) -> str:
        """Answer ``user_message`` with the relevant memories in the prompt, then remember it.

        Args:
            user_message: The user's message.
            session_id: Conversation this message belongs to: the exchange is stored in it.
                Recall still covers every session, so what the user said in other
                conversations reaches the prompt.
            restrict_to_session: Recall only the memories of ``session_id`` (for example when
                one namespace serves several end users, each in their own sessions).
            system_prompt: Instructions for the model; the memories are appended to it.
            extra_messages: Messages to send between the system prompt and the user message
                (e.g. the conversation so far); they are not stored.

        Returns:
            The model's answer (empty when it gave no text).

        Raises:
            ValueError: ``user_message`` is blank, or ``restrict_to_session`` is true without
                a ``session_id``.
            CMLError: The memory service failed and ``degrade_on_memory_error`` is false.
            openai.OpenAIError: Any error of the model call, unchanged; nothing is stored.
        """
        check_message(user_message)
        context = await self._guard(
            "recall",
            lambda: self.provider.get_context(
                user_message, session_id=session_id, restrict_to_session=restrict_to_session
            ),
            "",
        )
        messages = build_messages(
            user_message, context, system_prompt=system_prompt, extra_messages=extra_messages
        )
        completion = await self.openai_client.chat.completions.create(
            model=self.model, messages=cast("list[ChatCompletionMessageParam]", messages)
        )
        answer = answer_text(completion)
        await self._guard(
            "store",
            lambda: self.provider.store_exchange(user_message, answer, session_id),
            None,
        )
        return answer
