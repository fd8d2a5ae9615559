"""Memory as tools for function-calling models: schemas and a dispatcher.

:data:`MEMORY_TOOLS` is the ``tools`` list to send with a chat completion (OpenAI format): the
model may call ``remember``, ``recall`` and ``forget``. :class:`MemoryToolDispatcher` (and its
async twin) runs such a call against a py-cml client and returns the ``tool`` message to append
to the conversation. Arguments the model got wrong (bad JSON, a missing or mistyped field, an
unknown tool, content the memory service refuses) come back as a tool message with an ``error``
the model can read and correct, never as an exception; a memory service that is down raises.

The model can only soft-delete (restorable): a hard delete is not something to leave to a model.

Example:
    ```python
    response = openai.chat.completions.create(model=..., messages=messages, tools=MEMORY_TOOLS)
    message = response.choices[0].message
    messages.append(message.model_dump(exclude_none=True))
    for call in message.tool_calls or []:
        messages.append(dispatcher.handle(call))
    ```
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from cml.exceptions import NotFoundError, ValidationError
from cml.models import (
    MAX_CONTENT_CHARS,
    MAX_QUERY_CHARS,
    ForgetResponse,
    MemoryType,
    ReadFormat,
    ReadResponse,
    WriteResponse,
)

if TYPE_CHECKING:
    from cml.async_client import AsyncCognitiveMemoryLayer
    from cml.client import CognitiveMemoryLayer

__all__ = [
    "MEMORY_TOOLS",
    "AsyncMemoryToolDispatcher",
    "MemoryToolDispatcher",
    "ToolOutcome",
]

_RECALL_LIMIT = 20

MEMORY_TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "remember",
            "description": (
                "Store something worth remembering across conversations: a fact about the "
                "user, a preference, a decision, a task. Write it as a standalone sentence."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "content": {
                        "type": "string",
                        "description": "What to remember, as a standalone sentence.",
                    },
                    "memory_type": {
                        "type": "string",
                        "enum": [t.value for t in MemoryType],
                        "description": "Kind of memory; inferred from the content when omitted.",
                    },
                    "tags": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Short labels to group the memory by, e.g. 'travel'.",
                    },
                },
                "required": ["content"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "recall",
            "description": (
                "Search long-term memory for what is relevant to a question. Returns the "
                "matching memories, most relevant first, each with its id."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {
                        "type": "string",
                        "description": "What to look for, in natural language.",
                    },
                    "max_results": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": _RECALL_LIMIT,
                        "description": "Most memories to return (default 5).",
                    },
                },
                "required": ["query"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "forget",
            "description": (
                "Forget memories that are wrong or that the user asked to forget: by id "
                "(from recall) or by a query matching them closely. Give at least one."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "memory_ids": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Ids of the memories to forget, as returned by recall.",
                    },
                    "query": {
                        "type": "string",
                        "description": "Forget the memories very similar to this text.",
                    },
                },
                "additionalProperties": False,
            },
        },
    },
]
"""The memory tools in the OpenAI ``tools`` format (also served over MCP by ``cml mcp``)."""


class _Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RememberArguments(_Arguments):
    """Arguments of ``remember``."""

    content: Annotated[str, Field(min_length=1, max_length=MAX_CONTENT_CHARS)]
    memory_type: MemoryType | None = None
    tags: list[str] | None = None


class RecallArguments(_Arguments):
    """Arguments of ``recall``."""

    query: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS)]
    max_results: Annotated[int, Field(ge=1, le=_RECALL_LIMIT)] = 5


class ForgetArguments(_Arguments):
    """Arguments of ``forget``."""

    memory_ids: Annotated[list[str], Field(min_length=1)] | None = None
    query: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS)] | None = None

    @pydantic.model_validator(mode="after")
    def _one_selector(self) -> ForgetArguments:
        if self.memory_ids is None and self.query is None:
            raise ValueError("give memory_ids or query (or both)")
        return self


_ARGUMENTS: dict[str, type[_Arguments]] = {
    "remember": RememberArguments,
    "recall": RecallArguments,
    "forget": ForgetArguments,
}


class ToolArgumentError(Exception):
    """A tool call the model must correct; the message is shown to the model."""


@dataclass(frozen=True)
class ToolOutcome:
    """The result of one tool call: a JSON object, and whether it reports an error."""

    payload: dict[str, Any]
    is_error: bool = False

    def json(self) -> str:
        """The payload as compact JSON text."""
        return json.dumps(self.payload, ensure_ascii=False, separators=(",", ":"))


def _field(value: object, name: str) -> Any:
    # Tool calls arrive as the openai package's objects or as plain dicts (e.g. from JSON).
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)


def read_tool_call(tool_call: object) -> tuple[str, str, object]:
    """The id, function name and raw arguments of an OpenAI tool call (object or dict).

    Raises:
        TypeError: ``tool_call`` is not shaped like a tool call (no id or no function).
    """
    call_id = _field(tool_call, "id")
    function = _field(tool_call, "function")
    if not isinstance(call_id, str) or function is None:
        raise TypeError(
            "Expected an OpenAI tool call with 'id' and 'function' (a message's tool_calls item)."
        )
    name = _field(function, "name")
    return call_id, name if isinstance(name, str) else "", _field(function, "arguments")


def parse_arguments(name: str, raw: object) -> _Arguments:
    """Validate a tool call's arguments (a JSON string or an object).

    Raises:
        ToolArgumentError: Unknown tool, unreadable JSON or invalid fields; the message says what
            to fix.
    """
    model = _ARGUMENTS.get(name)
    if model is None:
        raise ToolArgumentError(
            f"Unknown tool {name!r}; the memory tools are {', '.join(_ARGUMENTS)}."
        )
    if raw is None or raw == "":
        raw = {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ToolArgumentError(f"Arguments of {name} are not valid JSON: {exc.msg}.") from None
    if not isinstance(raw, Mapping):
        raise ToolArgumentError(f"Arguments of {name} must be a JSON object.")
    try:
        return model.model_validate(dict(raw))
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ToolArgumentError(f"Invalid arguments for {name}: {problems}.") from None


def _refused(exc: ValidationError | NotFoundError) -> ToolOutcome:
    message = exc.message + (f" {exc.hint}" if exc.hint else "")
    return ToolOutcome({"error": message}, is_error=True)


def _remembered(response: WriteResponse) -> dict[str, Any]:
    return {
        "stored": response.success,
        "memory_id": response.memory_id,
        "memory_type": str(response.memory_type) if response.memory_type else None,
        "deduplicated": response.deduplicated,
    }


def _recalled(response: ReadResponse) -> dict[str, Any]:
    return {
        "memories": [
            {
                "id": item.id,
                "text": item.text,
                "type": str(item.type),
                "relevance": round(item.relevance, 3),
                "timestamp": item.timestamp.isoformat(),
                "tags": item.context_tags,
            }
            for item in response.memories
        ]
    }


def _forgotten(response: ForgetResponse) -> dict[str, Any]:
    return {"forgotten": response.affected_count, "memory_ids": response.memory_ids}


def _message(call_id: str, outcome: ToolOutcome) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": outcome.json()}


class MemoryToolDispatcher:
    """Runs the memory tools a model calls against a py-cml client (synchronous).

    Args:
        client: A :class:`~cml.CognitiveMemoryLayer` or
            :class:`~cml.EmbeddedCognitiveMemoryLayer` (not closed by the dispatcher).
        namespace: Namespace the tools read, write and forget in.
        session_id: Session that ``remember`` files new memories under (recall and forget
            see every session: the tools are the model's long-term memory).
        agent_id: Recorded as the author of new memories.

    Example:
        ```python
        dispatcher = MemoryToolDispatcher(memory)
        for call in message.tool_calls or []:
            messages.append(dispatcher.handle(call))
        ```
    """

    def __init__(
        self,
        client: CognitiveMemoryLayer,
        *,
        namespace: str | None = None,
        session_id: str | None = None,
        agent_id: str | None = None,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.session_id = session_id
        self.agent_id = agent_id

    def run(self, name: str, arguments: object) -> ToolOutcome:
        """Run one tool by name.

        Args:
            name: ``remember``, ``recall`` or ``forget``.
            arguments: The arguments, as a JSON string or an object.

        Returns:
            The result, or an error the model can act on (``is_error`` true).

        Raises:
            CMLError: The memory service failed (other than refusing the arguments).
        """
        try:
            args = parse_arguments(name, arguments)
            if isinstance(args, RememberArguments):
                written = self.client.write(
                    args.content,
                    memory_type=args.memory_type,
                    context_tags=args.tags,
                    session_id=self.session_id,
                    namespace=self.namespace,
                    agent_id=self.agent_id,
                )
                return ToolOutcome(_remembered(written))
            if isinstance(args, RecallArguments):
                found = self.client.read(
                    args.query,
                    max_results=args.max_results,
                    namespace=self.namespace,
                    format=ReadFormat.LIST,
                )
                return ToolOutcome(_recalled(found))
            assert isinstance(args, ForgetArguments)
            forgotten = self.client.forget(
                memory_ids=args.memory_ids, query=args.query, namespace=self.namespace
            )
            return ToolOutcome(_forgotten(forgotten))
        except ToolArgumentError as exc:
            return ToolOutcome({"error": str(exc)}, is_error=True)
        except (ValidationError, NotFoundError) as exc:
            return _refused(exc)

    def handle(self, tool_call: object) -> dict[str, Any]:
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
        return _message(call_id, self.run(name, arguments))


class AsyncMemoryToolDispatcher:
    """Runs the memory tools a model calls against an async py-cml client.

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

    def __init__(
        self,
        client: AsyncCognitiveMemoryLayer,
        *,
        namespace: str | None = None,
        session_id: str | None = None,
        agent_id: str | None = None,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.session_id = session_id
        self.agent_id = agent_id

    async def run(self, name: str, arguments: object) -> ToolOutcome:
        """Run one tool by name.

        Args:
            name: ``remember``, ``recall`` or ``forget``.
            arguments: The arguments, as a JSON string or an object.

        Returns:
            The result, or an error the model can act on (``is_error`` true).

        Raises:
            CMLError: The memory service failed (other than refusing the arguments).
        """
        try:
            args = parse_arguments(name, arguments)
            if isinstance(args, RememberArguments):
                written = await self.client.write(
                    args.content,
                    memory_type=args.memory_type,
                    context_tags=args.tags,
                    session_id=self.session_id,
                    namespace=self.namespace,
                    agent_id=self.agent_id,
                )
                return ToolOutcome(_remembered(written))
            if isinstance(args, RecallArguments):
                found = await self.client.read(
                    args.query,
                    max_results=args.max_results,
                    namespace=self.namespace,
                    format=ReadFormat.LIST,
                )
                return ToolOutcome(_recalled(found))
            assert isinstance(args, ForgetArguments)
            forgotten = await self.client.forget(
                memory_ids=args.memory_ids, query=args.query, namespace=self.namespace
            )
            return ToolOutcome(_forgotten(forgotten))
        except ToolArgumentError as exc:
            return ToolOutcome({"error": str(exc)}, is_error=True)
        except (ValidationError, NotFoundError) as exc:
            return _refused(exc)

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
        return _message(call_id, await self.run(name, arguments))
