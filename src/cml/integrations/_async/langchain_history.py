"""One LangChain conversation kept in py-cml: read, append, clear.

:class:`AsyncChatHistoryBackend` does the py-cml calls of the chat message histories of
:mod:`cml.integrations.langchain`; how a message is kept in a memory is
:mod:`cml.integrations._langchain_messages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage

from cml.integrations._async.listing import list_all
from cml.integrations._langchain_messages import (
    MESSAGE_TYPE,
    SESSION_FIELD,
    StoredMessage,
    message_memory,
    parse_message,
    session_label,
)

if TYPE_CHECKING:
    from cml._async.client import AsyncCognitiveMemoryLayer

__all__ = ["AsyncChatHistoryBackend"]


@dataclass(eq=False)
class AsyncChatHistoryBackend:
    """The messages of one session of one namespace, over a py-cml client.

    Args:
        client: The py-cml client (not closed here).
        session_id: The conversation.
        namespace: The py-cml namespace of its messages; the tenant's default when ``None``.
        hard_delete: Whether ``clear`` deletes for good or soft-deletes (restorable).
    """

    client: AsyncCognitiveMemoryLayer
    _: KW_ONLY
    session_id: str
    namespace: str | None = None
    hard_delete: bool = True

    async def messages(self) -> list[BaseMessage]:
        """The conversation's messages, oldest first."""
        return [message for _, _, message in await self._stored()]

    async def add(self, messages: Sequence[BaseMessage]) -> None:
        """Append ``messages`` to the conversation, in one request.

        Raises:
            ValueError: A message is too long for one memory (nothing is stored).
        """
        if not messages:
            return
        stored = await self._stored()
        start = stored[-1][0] + 1 if stored else 1
        items = [
            message_memory(message, session_id=self.session_id, position=start + offset)
            for offset, message in enumerate(messages)
        ]
        await self.client.batch_write(items, namespace=self.namespace)

    async def clear(self) -> None:
        """Remove the conversation's messages (and no other memory of the session)."""
        ids = [memory_id for _, memory_id, _ in await self._stored()]
        if ids:
            await self.client.forget(
                memory_ids=ids, namespace=self.namespace, hard=self.hard_delete
            )

    async def _stored(self) -> list[StoredMessage]:
        listed = await list_all(
            self.client,
            memory_type=MESSAGE_TYPE,
            namespace=self.namespace,
            metadata={SESSION_FIELD: session_label(self.session_id)},
        )
        parsed = (parse_message(memory.id, memory.text, memory.metadata) for memory in listed)
        return sorted((p for p in parsed if p is not None), key=lambda stored: stored[:2])
