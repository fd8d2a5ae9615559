"""py-cml as a long-term memory block of LlamaIndex's ``Memory``.

LlamaIndex's ``Memory`` keeps the recent conversation (its short-term memory) and asks each of
its memory blocks for content to put in the system prompt; messages that leave the short-term
window are handed to the blocks to keep. :class:`CMLMemoryBlock` is such a block on py-cml:

- ``aget``: recalls the memories relevant to the latest message(s) through py-cml's hybrid read,
  from every session (or only the memory's own with ``restrict_to_session``), as py-cml's
  context block;
- ``aput``: remembers the user's and the assistant's messages it is handed, one memory each, in
  the memory's session.

So what was said in earlier conversations, by this application or any other writing to py-cml,
reaches the prompt of a new one.

Needs the ``llamaindex`` extra: ``pip install 'py-cml[llamaindex]'``.

Example:
    ```python
    from llama_index.core.memory import Memory
    from cml import AsyncEmbeddedCognitiveMemoryLayer
    from cml.integrations.llamaindex import CMLMemoryBlock

    async with AsyncEmbeddedCognitiveMemoryLayer("memories.db") as client:
        memory = Memory.from_defaults(
            session_id="tuesday", memory_blocks=[CMLMemoryBlock(client=client)]
        )
        await memory.aput(ChatMessage(role="user", content="Which city am I flying to?"))
        messages = await memory.aget()  # the system message holds the recalled memories
    ```
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from cml.integrations._extra import require

require("llama_index.core", extra="llamaindex")

from llama_index.core.llms import ChatMessage, MessageRole  # noqa: E402
from llama_index.core.memory.memory import BaseMemoryBlock  # noqa: E402
from pydantic import Field  # noqa: E402

from cml._async.client import AsyncCognitiveMemoryLayer  # noqa: E402
from cml._sync.client import CognitiveMemoryLayer  # noqa: E402
from cml.integrations._async.provider import AsyncCMLMemoryProvider  # noqa: E402
from cml.integrations._sync.provider import CMLMemoryProvider  # noqa: E402

__all__ = ["CMLMemoryBlock"]

_SPEAKERS = {MessageRole.USER: "User", MessageRole.ASSISTANT: "Assistant"}


class CMLMemoryBlock(BaseMemoryBlock[str]):
    """A LlamaIndex memory block that recalls from and remembers into py-cml.

    Works with a sync or an async py-cml client, HTTP or embedded (a sync client's calls run
    in a thread, so they never block the event loop).

    Args:
        client: The py-cml client (not closed by the block).
        name: The block's name in the memory template (default ``"py-cml"``).
        namespace: The py-cml namespace to recall from and remember into.
        max_results: Most memories in the block.
        max_tokens: Token budget of the block.
        query_messages: How many of the latest messages form the recall query.
        restrict_to_session: Recall only the memories of the ``Memory``'s session.
        priority: LlamaIndex's truncation priority (0, the default, is never truncated).

    Example:
        ```python
        block = CMLMemoryBlock(client=client, namespace="support", max_results=5)
        memory = Memory.from_defaults(session_id="s1", memory_blocks=[block])
        ```
    """

    client: AsyncCognitiveMemoryLayer | CognitiveMemoryLayer = Field(
        description="The py-cml client to recall from and remember into."
    )
    name: str = Field(default="py-cml", description="The name of the memory block.")
    description: str | None = Field(
        default="Long-term memories recalled by py-cml from every conversation.",
        description="A description of the memory block.",
    )
    namespace: str | None = Field(default=None, description="The py-cml namespace.")
    max_results: int = Field(default=10, ge=1, le=100, description="Most memories recalled.")
    max_tokens: int = Field(default=1500, ge=32, description="Token budget of the block.")
    query_messages: int = Field(
        default=1, ge=1, description="How many of the latest messages form the recall query."
    )
    restrict_to_session: bool = Field(
        default=False, description="Recall only the memories of the memory's session."
    )

    def _is_async(self) -> bool:
        return isinstance(self.client, AsyncCognitiveMemoryLayer)

    async def _call(self, target: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        function: Callable[..., Any] = getattr(target, method)
        if self._is_async():
            awaitable: Awaitable[Any] = function(*args, **kwargs)
            return await awaitable
        return await asyncio.to_thread(function, *args, **kwargs)

    async def _aget(
        self,
        messages: list[ChatMessage] | None = None,
        session_id: str | None = None,
        **block_kwargs: Any,
    ) -> str:
        """The memories relevant to the latest messages, as py-cml's context block.

        Args:
            messages: The conversation so far, with the new input last.
            session_id: The ``Memory``'s session (limits recall only with
                ``restrict_to_session``).
            **block_kwargs: Other arguments of ``Memory.aget`` (unused).

        Returns:
            The block under a "Relevant Memories" heading, or ``""`` when nothing is relevant.
        """
        latest = [_text(message) for message in (messages or [])[-self.query_messages :]]
        kind = AsyncCMLMemoryProvider if self._is_async() else CMLMemoryProvider
        provider = kind(
            self.client,  # type: ignore[arg-type]
            namespace=self.namespace,
            max_results=self.max_results,
            max_context_tokens=self.max_tokens,
        )
        context = await self._call(
            provider,
            "get_context",
            "\n".join(text for text in latest if text),
            session_id=session_id,
            restrict_to_session=self.restrict_to_session,
        )
        return str(context)

    async def _aput(self, messages: list[ChatMessage]) -> None:
        """Remember the user's and the assistant's messages, one memory each.

        System and tool messages, and messages without text, are not kept. The session is the
        one ``Memory`` passes along (``additional_kwargs["session_id"]``).

        Args:
            messages: The messages leaving the short-term memory, oldest first.
        """
        items = []
        for message in messages:
            speaker, text = _SPEAKERS.get(message.role), _text(message)
            if speaker is None or not text.strip():
                continue
            session = message.additional_kwargs.get("session_id")
            items.append({"content": f"{speaker}: {text}", "session_id": session})
        if items:
            await self._call(self.client, "batch_write", items, namespace=self.namespace)


def _text(message: ChatMessage) -> str:
    return "".join(getattr(block, "text", "") for block in message.blocks).strip()
