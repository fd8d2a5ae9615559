"""AsyncMemoryToolDispatcher: runs the memory tools a model calls against a py-cml client.

The schemas, the argument models and the shaping of each result are I/O-free and live in
:mod:`cml.integrations.tools`; this module only makes the calls.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any

from cml.exceptions import AuthorizationError, NotFoundError, ValidationError
from cml.integrations.tools import (
    ForgetArguments,
    GetArguments,
    HistoryArguments,
    ListArguments,
    RecallArguments,
    RememberArguments,
    ToolArgumentError,
    ToolOutcome,
    fetched,
    forgotten,
    listed,
    parse_arguments,
    read_tool_call,
    recalled,
    refused,
    remembered,
    tool_message,
    versions,
)
from cml.models import ReadFormat

if TYPE_CHECKING:
    from cml._async.client import AsyncCognitiveMemoryLayer

__all__ = ["AsyncMemoryToolDispatcher"]


@dataclass(eq=False)
class AsyncMemoryToolDispatcher:
    """Runs the memory tools a model calls against a py-cml client.

    Args:
        client: An :class:`~cml.AsyncCognitiveMemoryLayer` or
            :class:`~cml.AsyncEmbeddedCognitiveMemoryLayer` (not closed by the dispatcher).
        namespace: Namespace the tools read, write and forget in.
        session_id: Session that ``remember`` files new memories under (recall and forget
            see every session: the tools are the model's long-term memory).
        agent_id: Recorded as the author of new memories.

    Example:
        ```python
        dispatcher = AsyncMemoryToolDispatcher(memory)
        for call in message.tool_calls or []:
            messages.append(await dispatcher.handle(call))
        ```
    """

    client: AsyncCognitiveMemoryLayer
    _: KW_ONLY
    namespace: str | None = None
    session_id: str | None = None
    agent_id: str | None = None

    async def run(self, name: str, arguments: object) -> ToolOutcome:
        """Run one tool by name.

        Args:
            name: A tool of :data:`~cml.integrations.tools.MEMORY_TOOLS`, e.g. ``recall``.
            arguments: The arguments, as a JSON string or an object.

        Returns:
            The result, or an error the model can act on (``is_error`` true), also when the
            key may not do this (a read-only key asked to remember).

        Raises:
            CMLError: The memory service failed (other than refusing the call).
        """
        try:
            match parse_arguments(name, arguments):
                case RememberArguments() as args:
                    written = await self.client.write(
                        args.content,
                        memory_type=args.memory_type,
                        context_tags=args.tags,
                        session_id=self.session_id,
                        namespace=self.namespace,
                        agent_id=self.agent_id,
                    )
                    return remembered(written)
                case RecallArguments() as args:
                    found = await self.client.read(
                        args.query,
                        max_results=args.max_results,
                        memory_types=list(args.memory_types or ()) or None,
                        since=args.since,
                        until=args.until,
                        namespace=self.namespace,
                        format=ReadFormat.LIST,
                    )
                    return recalled(found)
                case GetArguments(memory_id=memory_id):
                    return fetched(await self.client.get(memory_id, namespace=self.namespace))
                case HistoryArguments(memory_id=memory_id, max_results=most):
                    states = await self.client.history(memory_id, namespace=self.namespace)
                    return versions(states, most)
                case ListArguments() as args:
                    page = await self.client.list_memories(
                        cursor=args.cursor,
                        per_page=args.max_results,
                        memory_types=list(args.memory_types or ()) or None,
                        namespace=self.namespace,
                        metadata=args.metadata,
                        context_tags=args.tags,
                    )
                    return listed(page)
                case ForgetArguments(memory_ids=memory_ids, query=query):
                    removed = await self.client.forget(
                        memory_ids=memory_ids, query=query, namespace=self.namespace
                    )
                    return forgotten(removed)
        except ToolArgumentError as exc:
            return ToolOutcome({"error": str(exc)}, is_error=True)
        except (ValidationError, NotFoundError, AuthorizationError) as exc:
            return refused(exc)

    async def handle(self, tool_call: object) -> dict[str, Any]:
        """Run a model's tool call and build the ``tool`` message answering it.

        Args:
            tool_call: One item of a message's ``tool_calls`` (the openai object or a dict).

        Returns:
            ``{"role": "tool", "tool_call_id": ..., "content": <JSON text>}``.

        Raises:
            TypeError: ``tool_call`` is not a tool call.
            CMLError: The memory service failed (other than refusing the arguments).
        """
        call_id, name, arguments = read_tool_call(tool_call)
        return tool_message(call_id, await self.run(name, arguments))
