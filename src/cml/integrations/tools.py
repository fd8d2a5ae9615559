"""Memory as tools for function-calling models.

The schemas, and everything a dispatcher does that is not a call to the memory.

:data:`MEMORY_TOOLS` is the ``tools`` list to send with a chat completion (OpenAI format): the
model may call ``remember``, ``recall`` and ``forget``, read one memory in full (``get``) or how
it changed (``history``), and page through memories by tag, type or metadata
(``list_memories``). ``MemoryToolDispatcher`` and
``AsyncMemoryToolDispatcher`` (:mod:`cml.integrations`) run such a call against a py-cml client
with the helpers here, and return the ``tool`` message to append to the conversation.
Arguments the model got wrong (bad JSON, a missing or mistyped field, an unknown tool, content
the memory service refuses) come back as a tool message with an ``error`` the model can read and
correct, never as an exception; a memory service that is down raises.

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
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from cml.exceptions import AuthorizationError, CMLError, NotFoundError, ValidationError
from cml.models import (
    MAX_CONTENT_CHARS,
    MAX_QUERY_CHARS,
    ForgetResponse,
    MemoryPage,
    MemoryRecordOut,
    MemoryType,
    MemoryVersion,
    ReadResponse,
    Timestamp,
    WriteResponse,
)

__all__ = [
    "MEMORY_TOOLS",
    "ForgetArguments",
    "GetArguments",
    "HistoryArguments",
    "ListArguments",
    "RecallArguments",
    "RememberArguments",
    "ToolArgumentError",
    "ToolArguments",
    "ToolOutcome",
    "fetched",
    "forgotten",
    "listed",
    "parse_arguments",
    "read_tool_call",
    "recalled",
    "refused",
    "remembered",
    "service_failed",
    "tool_message",
    "versions",
]

logger = logging.getLogger("cml.integrations")

_RECALL_LIMIT = 20
_LIST_LIMIT = 50
_ID_CHARS = 128

_TYPES_FILTER: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "enum": [t.value for t in MemoryType]},
    "description": "Only these kinds of memory.",
}
_MEMORY_ID: dict[str, Any] = {
    "type": "string",
    "description": "The memory's id, as returned by recall or list_memories.",
}

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
                    "memory_types": _TYPES_FILTER,
                    "since": {
                        "type": "string",
                        "format": "date-time",
                        "description": "Only memories from this time on (ISO 8601).",
                    },
                    "until": {
                        "type": "string",
                        "format": "date-time",
                        "description": "Only memories up to this time (ISO 8601).",
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
    {
        "type": "function",
        "function": {
            "name": "get",
            "description": (
                "Read one memory in full by id (from recall or list_memories): its text, "
                "type, status, tags, metadata and when it was stored."
            ),
            "parameters": {
                "type": "object",
                "properties": {"memory_id": _MEMORY_ID},
                "required": ["memory_id"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "history",
            "description": (
                "How one memory changed over time, newest state first: each earlier text and "
                "why it was replaced. Use it when the user asks what a memory used to say."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "memory_id": _MEMORY_ID,
                    "max_results": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": _RECALL_LIMIT,
                        "description": "Most states to return, newest first (default 10).",
                    },
                },
                "required": ["memory_id"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "list_memories",
            "description": (
                "List stored memories oldest first, filtered by tag, type or metadata, a page "
                "at a time: for questions like 'what do you know about my travel plans?' "
                "where a search query would miss some."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "tags": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Only memories holding at least one of these tags.",
                    },
                    "memory_types": _TYPES_FILTER,
                    "metadata": {
                        "type": "object",
                        "description": "Only memories whose metadata has exactly these values.",
                    },
                    "max_results": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": _LIST_LIMIT,
                        "description": "Memories on this page (default 20).",
                    },
                    "cursor": {
                        "type": "string",
                        "description": "next_cursor of the previous page, to continue.",
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
    memory_types: list[MemoryType] | None = None
    since: Timestamp = None
    until: Timestamp = None


class ForgetArguments(_Arguments):
    """Arguments of ``forget``."""

    memory_ids: Annotated[list[str], Field(min_length=1)] | None = None
    query: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS)] | None = None

    @pydantic.model_validator(mode="after")
    def _one_selector(self) -> ForgetArguments:
        if self.memory_ids is None and self.query is None:
            raise ValueError("give memory_ids or query (or both)")
        return self


class GetArguments(_Arguments):
    """Arguments of ``get``."""

    memory_id: Annotated[str, Field(min_length=1, max_length=_ID_CHARS)]


class HistoryArguments(_Arguments):
    """Arguments of ``history``."""

    memory_id: Annotated[str, Field(min_length=1, max_length=_ID_CHARS)]
    max_results: Annotated[int, Field(ge=1, le=_RECALL_LIMIT)] = 10


class ListArguments(_Arguments):
    """Arguments of ``list_memories``."""

    tags: list[str] | None = None
    memory_types: list[MemoryType] | None = None
    metadata: dict[str, Any] | None = None
    max_results: Annotated[int, Field(ge=1, le=_LIST_LIMIT)] = 20
    cursor: Annotated[str, Field(min_length=1)] | None = None


ToolArguments = (
    RememberArguments
    | RecallArguments
    | ForgetArguments
    | GetArguments
    | HistoryArguments
    | ListArguments
)
"""The arguments of any memory tool (one model per tool)."""

_ARGUMENTS: dict[str, type[ToolArguments]] = {
    "remember": RememberArguments,
    "recall": RecallArguments,
    "forget": ForgetArguments,
    "get": GetArguments,
    "history": HistoryArguments,
    "list_memories": ListArguments,
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


def parse_arguments(name: str, raw: object) -> ToolArguments:
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


def refused(exc: ValidationError | NotFoundError | AuthorizationError) -> ToolOutcome:
    """The outcome of a call the memory service refused: its message, for the model to read."""
    message = exc.message + (f" {exc.hint}" if exc.hint else "")
    return ToolOutcome({"error": message}, is_error=True)


def service_failed(name: str, exc: CMLError) -> ToolOutcome:
    """The outcome of a tool the memory service failed to run (it is down, or broke).

    For tool hosts (MCP, agent frameworks) where an exception would end the conversation: the
    model hears that memory is unavailable and can tell its user. The failure is logged.
    """
    logger.warning("Memory tool %s failed: %s", name, exc)
    return ToolOutcome({"error": f"The memory service failed: {exc}"}, is_error=True)


def remembered(response: WriteResponse) -> ToolOutcome:
    """The outcome of ``remember``."""
    return ToolOutcome(
        {
            "stored": response.success,
            "memory_id": response.memory_id,
            "memory_type": str(response.memory_type) if response.memory_type else None,
            "deduplicated": response.deduplicated,
        }
    )


NOTHING_RELEVANT = "No stored memory is relevant to this query."
"""What ``recall`` says when every result is below the server's context floor."""


def recalled(response: ReadResponse) -> ToolOutcome:
    """The outcome of ``recall``: the memories, most relevant first, with their ids.

    Like a context block, it leaves out memories below the server's context floor
    (``CML_CONTEXT_MIN_RELEVANCE``), and says so when none is left.
    """
    floor = response.context_min_relevance or 0.0
    memories = [
        {
            "id": item.id,
            "text": item.text,
            "type": str(item.type),
            "relevance": round(item.relevance, 3),
            "timestamp": item.timestamp.isoformat(),
            "tags": item.context_tags,
        }
        for item in response.memories
        if item.relevance >= floor
    ]
    if not memories:
        return ToolOutcome({"memories": [], "note": NOTHING_RELEVANT})
    return ToolOutcome({"memories": memories})


def _record(item: MemoryRecordOut) -> dict[str, Any]:
    return {
        "id": item.id,
        "text": item.text,
        "type": str(item.type),
        "status": str(item.status),
        "timestamp": item.timestamp.isoformat(),
        "tags": item.context_tags,
        "metadata": item.metadata,
        "session_id": item.session_id,
    }


def fetched(record: MemoryRecordOut) -> ToolOutcome:
    """The outcome of ``get``: the memory in full."""
    return ToolOutcome({"memory": _record(record)})


def versions(states: Sequence[MemoryVersion], limit: int) -> ToolOutcome:
    """The outcome of ``history``: the newest ``limit`` states, and how many there are."""
    shown = [
        {
            "version": state.version,
            "text": state.text,
            "status": str(state.status),
            "current": state.current,
            "recorded_at": state.recorded_at.isoformat() if state.recorded_at else None,
            "replaced_at": state.replaced_at.isoformat() if state.replaced_at else None,
            "reason": state.reason,
        }
        for state in states[:limit]
    ]
    return ToolOutcome({"versions": shown, "total": len(states)})


def listed(page: MemoryPage) -> ToolOutcome:
    """The outcome of ``list_memories``: one page, and the cursor of the next (or null)."""
    return ToolOutcome(
        {"memories": [_record(item) for item in page.items], "next_cursor": page.next_cursor}
    )


def forgotten(response: ForgetResponse) -> ToolOutcome:
    """The outcome of ``forget``."""
    return ToolOutcome({"forgotten": response.affected_count, "memory_ids": response.memory_ids})


def tool_message(call_id: str, outcome: ToolOutcome) -> dict[str, Any]:
    """The ``tool`` message answering the tool call ``call_id``."""
    return {"role": "tool", "tool_call_id": call_id, "content": outcome.json()}
