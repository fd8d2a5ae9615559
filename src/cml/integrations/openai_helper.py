"""Chat with an OpenAI model that remembers: recall before the call, store after the answer.

One ``chat`` call does four things, in this order:

1. recall the memories relevant to the user's message (only that session's, when a
   ``session_id`` is given);
2. put them in the system prompt under a "Relevant Memories" heading;
3. call ``openai_client.chat.completions.create``;
4. store the exchange (user message and answer) as one ``conversation`` memory.

Storing comes last, so an error from OpenAI propagates unchanged with nothing stored, and a retry
of the same ``chat`` call cannot leave a duplicate user message behind. The ``openai`` package is
never imported here: the helper uses the client object it is given (any OpenAI-compatible client
with ``chat.completions.create`` works).

Example:
    ```python
    from openai import OpenAI
    from cml import EmbeddedCognitiveMemoryLayer
    from cml.integrations import CMLOpenAIHelper

    with EmbeddedCognitiveMemoryLayer("memories.db") as memory:
        helper = CMLOpenAIHelper(memory, OpenAI(), model="gpt-4o-mini")
        print(helper.chat("I'm flying to Oslo on Friday", session_id="trip"))
        print(helper.chat("Which city am I flying to?", session_id="trip"))
    ```
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from cml.exceptions import CMLError
from cml.integrations.provider import AsyncCMLMemoryProvider, CMLMemoryProvider

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI
    from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

    from cml.async_client import AsyncCognitiveMemoryLayer
    from cml.client import CognitiveMemoryLayer

__all__ = ["DEFAULT_SYSTEM_PROMPT", "AsyncCMLOpenAIHelper", "CMLOpenAIHelper", "build_messages"]

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."

logger = logging.getLogger("cml.integrations")

T = TypeVar("T")


def build_messages(
    user_message: str,
    context: str,
    *,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    extra_messages: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The chat messages for one call: system prompt with memories, history, then the user.

    Args:
        user_message: The user's new message.
        context: The memory block (starting with "## Relevant Memories"), or empty.
        system_prompt: Instructions for the model.
        extra_messages: Messages placed between the system prompt and the user message, such
            as the conversation so far.

    Returns:
        Messages in the OpenAI chat format.
    """
    system = system_prompt
    if context.strip():
        system = f"{system_prompt.rstrip()}\n\n{context.strip()}"
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    messages.extend(dict(message) for message in extra_messages or ())
    messages.append({"role": "user", "content": user_message})
    return messages


def _answer(completion: ChatCompletion) -> str:
    # A reply that is only tool calls (or a refusal) has no content; the caller gets "".
    if not completion.choices:
        return ""
    return completion.choices[0].message.content or ""


def _check_message(user_message: str) -> None:
    # Refused before any work: an empty turn cannot be stored, and the model's answer would be lost.
    if not user_message.strip():
        raise ValueError("user_message must contain some text.")


def _degrade(step: str, exc: CMLError, fallback: T) -> T:
    logger.warning("Memory %s failed, continuing without it: %s", step, exc)
    return fallback


class CMLOpenAIHelper:
    """Chat completions with py-cml memory (synchronous).

    Args:
        memory: A :class:`~cml.CognitiveMemoryLayer` or
            :class:`~cml.EmbeddedCognitiveMemoryLayer` (not closed by the helper).
        openai_client: An ``openai.OpenAI`` client, or any object with the same
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
        helper = CMLOpenAIHelper(memory, OpenAI(), model="gpt-4o-mini")
        answer = helper.chat("What did I say about my diet?", session_id="s1")
        ```
    """

    def __init__(
        self,
        memory: CognitiveMemoryLayer,
        openai_client: OpenAI,
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
        self.provider = CMLMemoryProvider(
            memory,
            namespace=namespace,
            max_results=max_results,
            max_context_tokens=max_context_tokens,
        )

    def _guard(self, step: str, action: Callable[[], T], fallback: T) -> T:
        try:
            return action()
        except CMLError as exc:
            if not self.degrade_on_memory_error:
                raise
            return _degrade(step, exc, fallback)

    def chat(
        self,
        user_message: str,
        *,
        session_id: str | None = None,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        extra_messages: Sequence[Mapping[str, Any]] | None = None,
    ) -> str:
        """Answer ``user_message`` with the relevant memories in the prompt, then remember it.

        Args:
            user_message: The user's message.
            session_id: Conversation this message belongs to: recall only its memories, and
                store the exchange in it. Every session is recalled when omitted.
            system_prompt: Instructions for the model; the memories are appended to it.
            extra_messages: Messages to send between the system prompt and the user message
                (e.g. the conversation so far); they are not stored.

        Returns:
            The model's answer (empty when it gave no text).

        Raises:
            ValueError: ``user_message`` is blank.
            CMLError: The memory service failed and ``degrade_on_memory_error`` is false.
            openai.OpenAIError: Any error of the model call, unchanged; nothing is stored.
        """
        _check_message(user_message)
        context = self._guard(
            "recall",
            lambda: self.provider.get_context(user_message, session_id=session_id),
            "",
        )
        messages = build_messages(
            user_message, context, system_prompt=system_prompt, extra_messages=extra_messages
        )
        completion = self.openai_client.chat.completions.create(
            model=self.model, messages=cast("list[ChatCompletionMessageParam]", messages)
        )
        answer = _answer(completion)
        self._guard(
            "store",
            lambda: self.provider.store_exchange(user_message, answer, session_id),
            None,
        )
        return answer


class AsyncCMLOpenAIHelper:
    """Chat completions with py-cml memory (asynchronous twin of :class:`CMLOpenAIHelper`).

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
            return _degrade(step, exc, fallback)

    async def chat(
        self,
        user_message: str,
        *,
        session_id: str | None = None,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        extra_messages: Sequence[Mapping[str, Any]] | None = None,
    ) -> str:
        """Answer ``user_message`` with the relevant memories in the prompt, then remember it.

        Args:
            user_message: The user's message.
            session_id: Conversation this message belongs to: recall only its memories, and
                store the exchange in it. Every session is recalled when omitted.
            system_prompt: Instructions for the model; the memories are appended to it.
            extra_messages: Messages to send between the system prompt and the user message
                (e.g. the conversation so far); they are not stored.

        Returns:
            The model's answer (empty when it gave no text).

        Raises:
            ValueError: ``user_message`` is blank.
            CMLError: The memory service failed and ``degrade_on_memory_error`` is false.
            openai.OpenAIError: Any error of the model call, unchanged; nothing is stored.
        """
        _check_message(user_message)
        context = await self._guard(
            "recall",
            lambda: self.provider.get_context(user_message, session_id=session_id),
            "",
        )
        messages = build_messages(
            user_message, context, system_prompt=system_prompt, extra_messages=extra_messages
        )
        completion = await self.openai_client.chat.completions.create(
            model=self.model, messages=cast("list[ChatCompletionMessageParam]", messages)
        )
        answer = _answer(completion)
        await self._guard(
            "store",
            lambda: self.provider.store_exchange(user_message, answer, session_id),
            None,
        )
        return answer
