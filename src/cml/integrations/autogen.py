"""py-cml as an AutoGen memory: :class:`CMLAutoGenMemory` implements ``autogen_core.memory.Memory``.

Give it to an agent (``AssistantAgent(..., memory=[CMLAutoGenMemory(client)])``): before each
model call, AutoGen calls :meth:`~CMLAutoGenMemory.update_context`, which recalls the memories
relevant to the latest message from py-cml's hybrid read (every session, as long-term memory
should) and adds them to the model context as a system message. :meth:`~CMLAutoGenMemory.add`
stores a memory, :meth:`~CMLAutoGenMemory.query` searches, :meth:`~CMLAutoGenMemory.clear` forgets
this memory's session or namespace.

Needs ``pip install 'py-cml[autogen]'``.

Example:
    ```python
    from autogen_agentchat.agents import AssistantAgent
    from autogen_core.memory import MemoryContent, MemoryMimeType
    from cml import AsyncEmbeddedCognitiveMemoryLayer
    from cml.integrations.autogen import CMLAutoGenMemory

    async with AsyncEmbeddedCognitiveMemoryLayer("memories.db") as client:
        memory = CMLAutoGenMemory(client)
        await memory.add(MemoryContent(content="The user is vegetarian", mime_type="text/plain"))
        agent = AssistantAgent("assistant", model_client=model_client, memory=[memory])
    ```
"""

from __future__ import annotations

import json
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cml.integrations._chat import recall_query
from cml.integrations._extra import require
from cml.models import ReadFormat

require("autogen_core", extra="autogen")

from autogen_core import CancellationToken  # noqa: E402
from autogen_core.memory import (  # noqa: E402
    Memory,
    MemoryContent,
    MemoryMimeType,
    MemoryQueryResult,
    UpdateContextResult,
)
from autogen_core.model_context import ChatCompletionContext  # noqa: E402
from autogen_core.models import SystemMessage  # noqa: E402

if TYPE_CHECKING:
    from cml._async.client import AsyncCognitiveMemoryLayer
    from cml.models import ReadResponse

__all__ = ["CMLAutoGenMemory"]

_TEXT_TYPES = {MemoryMimeType.TEXT.value, MemoryMimeType.MARKDOWN.value, MemoryMimeType.JSON.value}


def _mime(content: MemoryContent) -> str:
    mime = content.mime_type
    return mime.value if isinstance(mime, MemoryMimeType) else str(mime)


def _stored_text(content: MemoryContent) -> str:
    """The text py-cml stores for ``content``: text as is, a JSON object as compact JSON.

    Raises:
        ValueError: Binary content or an image, which a text memory cannot hold.
    """
    if _mime(content) not in _TEXT_TYPES:
        raise ValueError(
            f"CMLAutoGenMemory stores text, Markdown and JSON; got {_mime(content)!r}. "
            "Describe the image or file in text and add that instead."
        )
    if isinstance(content.content, str):
        return content.content
    if isinstance(content.content, dict):
        return json.dumps(content.content, ensure_ascii=False, separators=(",", ":"))
    raise ValueError(f"Expected text or a JSON object, got {type(content.content).__name__}.")


def _results(found: ReadResponse) -> MemoryQueryResult:
    return MemoryQueryResult(
        results=[
            MemoryContent(
                content=item.text,
                mime_type=MemoryMimeType.TEXT,
                metadata={
                    **item.metadata,
                    "id": item.id,
                    "relevance": item.relevance,
                    "memory_type": str(item.type),
                    "timestamp": item.timestamp.isoformat(),
                    "session_id": item.session_id,
                },
            )
            for item in found.memories
        ]
    )


@dataclass(eq=False)
class CMLAutoGenMemory(Memory):
    """An AutoGen ``Memory`` backed by a py-cml client.

    Args:
        client: The async py-cml client (HTTP or embedded; not closed by :meth:`close`).
        namespace: Namespace to store in and recall from.
        session_id: Session new memories are filed under; :meth:`clear` forgets it.
        max_results: Most memories :meth:`query` and :meth:`update_context` return.
        max_context_tokens: Token budget of the block :meth:`update_context` adds.
    """

    client: AsyncCognitiveMemoryLayer
    _: KW_ONLY
    namespace: str | None = None
    session_id: str | None = None
    max_results: int = 5
    max_context_tokens: int = 1500

    async def add(
        self, content: MemoryContent, cancellation_token: CancellationToken | None = None
    ) -> None:
        """Store ``content`` (text, Markdown or a JSON object) with its metadata.

        A ``memory_type`` key in the metadata sets py-cml's memory type (``preference``,
        ``constraint``, ...); it is inferred from the text otherwise.

        Raises:
            ValueError: Binary content or an image.
            ValidationError: py-cml refused the content (for example, it holds a secret).
        """
        metadata = dict(content.metadata or {})
        memory_type = metadata.pop("memory_type", None)
        await self.client.write(
            _stored_text(content),
            memory_type=memory_type,
            metadata=metadata or None,
            session_id=self.session_id,
            namespace=self.namespace,
        )

    async def query(
        self,
        query: str | MemoryContent,
        cancellation_token: CancellationToken | None = None,
        **kwargs: Any,
    ) -> MemoryQueryResult:
        """The memories most relevant to ``query``, most relevant first.

        Each result's metadata holds the memory's own metadata plus ``id``, ``relevance``,
        ``memory_type``, ``timestamp`` and ``session_id``.

        Args:
            query: What to look for.
            cancellation_token: Unused (the request is not cancellable midway).
            **kwargs: ``max_results`` overrides the memory's default.
        """
        text = recall_query(query if isinstance(query, str) else _stored_text(query))
        if text is None:
            return MemoryQueryResult(results=[])
        found = await self.client.read(
            text,
            max_results=int(kwargs.get("max_results", self.max_results)),
            namespace=self.namespace,
            format=ReadFormat.LIST,
        )
        return _results(found)

    async def update_context(self, model_context: ChatCompletionContext) -> UpdateContextResult:
        """Add the memories relevant to the latest message to ``model_context``.

        The block (py-cml's "Relevant Memories" context) goes in as a system message; nothing
        is added when nothing relevant is stored.
        """
        messages = await model_context.get_messages()
        content = messages[-1].content if messages else ""
        text = recall_query(content if isinstance(content, str) else "")
        if text is None:
            return UpdateContextResult(memories=MemoryQueryResult(results=[]))
        found = await self.client.read(
            text,
            max_results=self.max_results,
            namespace=self.namespace,
            format=ReadFormat.LLM_CONTEXT,
            max_tokens=self.max_context_tokens,
        )
        if found.memories and found.context.strip():
            await model_context.add_message(SystemMessage(content=found.context))
        return UpdateContextResult(memories=_results(found))

    async def clear(self) -> None:
        """Forget this memory's session, or else everything in its namespace (restorable).

        Raises:
            ValueError: Neither ``session_id`` nor ``namespace`` is set: clearing would empty the
                whole tenant, which is :meth:`~cml.AsyncCognitiveMemoryLayer.forget`'s job.
        """
        if self.session_id is not None:
            await self.client.forget(session_id=self.session_id, namespace=self.namespace)
        elif self.namespace is not None:
            # Everything written up to now; a second ahead covers a write in this very instant.
            until = datetime.now(UTC) + timedelta(seconds=1)
            await self.client.forget(before=until, namespace=self.namespace)
        else:
            raise ValueError(
                "CMLAutoGenMemory.clear() needs a session_id or a namespace to say what to clear."
            )

    async def close(self) -> None:
        """Nothing to release: the client belongs to the caller, who closes it."""
