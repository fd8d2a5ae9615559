"""py-cml for the OpenAI Agents SDK: a session that remembers, and the memory tools.

- :class:`CMLSession` implements the SDK's session protocol (``get_items``, ``add_items``,
  ``pop_item``, ``clear_session``). The conversation items themselves, kept exactly and in order,
  live in a history session (the SDK's :class:`~agents.SQLiteSession` by default); each finished
  user/assistant exchange is also stored in py-cml under the session id, where it becomes
  long-term memory that later conversations recall. Clearing the session clears both.
- :func:`memory_tools` gives an agent py-cml's memory tools (``remember``, ``recall``,
  ``forget``, ``get``, ``history``, ``list_memories``) as function tools, so it can recall what
  was said in other sessions.

Why the items are not kept in py-cml itself: a memory store is built to merge near-duplicates,
refuse secrets and forget what fades, and each of those would silently drop an item from a
transcript the model must see verbatim. The transcript stays exact; py-cml keeps what is worth
remembering.

Needs ``pip install 'py-cml[openai-agents]'``.

Example:
    ```python
    from agents import Agent, Runner
    from cml import AsyncEmbeddedCognitiveMemoryLayer
    from cml.integrations.openai_agents import CMLSession, memory_tools

    async with AsyncEmbeddedCognitiveMemoryLayer("memories.db") as memory:
        agent = Agent(name="Assistant", tools=memory_tools(memory))
        session = CMLSession("chat-42", memory)
        result = await Runner.run(agent, "I'm vegetarian.", session=session)
    ```
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from cml.exceptions import CMLError
from cml.integrations._async.provider import AsyncCMLMemoryProvider
from cml.integrations._async.tools import AsyncMemoryToolDispatcher
from cml.integrations._chat import degrade
from cml.integrations._extra import require
from cml.integrations.tools import MEMORY_TOOLS, service_failed

require("agents", extra="openai-agents")

from agents import FunctionTool, SQLiteSession, Tool  # noqa: E402
from agents.memory import Session, SessionSettings  # noqa: E402
from agents.tool_context import ToolContext  # noqa: E402

if TYPE_CHECKING:
    from agents.items import TResponseInputItem

    from cml._async.client import AsyncCognitiveMemoryLayer

__all__ = ["CMLSession", "memory_tools"]


def _text(content: object) -> str:
    """The text of a message's content: a string, or the text of its parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, Iterable):
        parts = [part.get("text") for part in content if isinstance(part, Mapping)]
        return "\n".join(part for part in parts if isinstance(part, str))
    return ""


def _exchanges(
    items: Iterable[Mapping[str, Any]], pending: str | None
) -> tuple[list[tuple[str, str]], str | None]:
    """The finished user/assistant exchanges in ``items``, and the user message still unanswered.

    Args:
        items: Conversation items (messages, tool calls, tool outputs), oldest first.
        pending: A user message from earlier items that is still waiting for its answer.

    Returns:
        ``(user, assistant)`` pairs to remember (``assistant`` empty for a user message followed
        by another one), and the user message left waiting.
    """
    found: list[tuple[str, str]] = []
    for item in items:
        role = item.get("role")
        text = _text(item.get("content")).strip()
        if not text or item.get("type", "message") != "message":
            continue
        if role == "user":
            if pending is not None:
                found.append((pending, ""))
            pending = text
        elif role == "assistant" and pending is not None:
            found.append((pending, text))
            pending = None
    return found, pending


@dataclass(eq=False)
class CMLSession:
    """An Agents SDK session whose exchanges become py-cml long-term memory.

    Built as ``CMLSession(session_id, client, history=..., namespace=..., session_settings=...)``
    (all but the first two by keyword). Failures of the memory service while storing an exchange
    are logged and skipped: the run goes on and the transcript is intact. A message the server
    refuses (one holding a secret) is not remembered, by design.
    """

    session_id: str
    """The conversation; memories of its exchanges are filed under it."""
    client: AsyncCognitiveMemoryLayer
    """The async py-cml client (HTTP or embedded; not closed by the session)."""
    _: KW_ONLY
    history: Session | None = None
    """Where the exact conversation items live: any Agents SDK session. ``None``: an in-memory
    :class:`~agents.SQLiteSession` (give one with a file to keep the transcript across restarts;
    the long-term memories persist regardless)."""
    namespace: str | None = None
    """Namespace the exchanges are stored in. ``None``: the client's namespace (the tenant's
    default, unless the client was bound to one with ``with_namespace``)."""
    session_settings: SessionSettings | None = None
    """The SDK's session settings (e.g. how many items a run reads); ``None``: the SDK's own."""
    _pending: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._history: Session = (
            self.history if self.history is not None else SQLiteSession(self.session_id)
        )
        self._memory = AsyncCMLMemoryProvider(
            self.client, namespace=self.namespace, hard_delete=False
        )

    async def get_items(self, limit: int | None = None) -> list[TResponseInputItem]:
        """The conversation items, oldest first (the latest ``limit`` when given)."""
        return await self._history.get_items(limit)

    async def add_items(self, items: list[TResponseInputItem]) -> None:
        """Append ``items`` to the conversation, and remember each exchange they finish."""
        await self._history.add_items(items)
        found, self._pending = _exchanges(_as_mappings(items), self._pending)
        for user, assistant in found:
            try:
                await self._memory.store_exchange(user, assistant, session_id=self.session_id)
            except CMLError as exc:
                degrade("store", exc, None)

    async def pop_item(self) -> TResponseInputItem | None:
        """Remove and return the latest item (an exchange already remembered stays remembered)."""
        return await self._history.pop_item()

    async def clear_session(self) -> None:
        """Empty the conversation and forget this session's memories (restorable until purged)."""
        await self._history.clear_session()
        self._pending = None
        await self._memory.clear_session(self.session_id)


def _as_mappings(items: Iterable[object]) -> Iterator[Mapping[str, Any]]:
    for item in items:
        if isinstance(item, Mapping):
            yield item


def memory_tools(
    client: AsyncCognitiveMemoryLayer,
    *,
    namespace: str | None = None,
    session_id: str | None = None,
    agent_id: str | None = None,
) -> list[Tool]:
    """py-cml's memory tools (:data:`~cml.integrations.tools.MEMORY_TOOLS`) for an Agents SDK agent.

    The tools are those of :data:`~cml.integrations.tools.MEMORY_TOOLS`, run by
    :class:`~cml.integrations.AsyncMemoryToolDispatcher`: recall sees every session, so an agent
    brings back what it was told in other conversations. Invalid arguments and a memory service
    that is down come back to the model as an ``error`` it can read, never as an exception.

    Args:
        client: The async py-cml client the tools use (not closed by them).
        namespace: Namespace the tools read, write and forget in.
        session_id: Session ``remember`` files new memories under.
        agent_id: Recorded as the author of new memories.

    Returns:
        The tools, for ``Agent(tools=...)``.
    """
    dispatcher = AsyncMemoryToolDispatcher(
        client, namespace=namespace, session_id=session_id, agent_id=agent_id
    )

    def tool(spec: Mapping[str, Any]) -> FunctionTool:
        name: str = spec["name"]

        async def invoke(context: ToolContext[Any], arguments: str) -> str:
            try:
                outcome = await dispatcher.run(name, arguments)
            except CMLError as exc:
                outcome = service_failed(name, exc)
            return outcome.json()

        return FunctionTool(
            name=name,
            description=spec["description"],
            params_json_schema=spec["parameters"],
            on_invoke_tool=invoke,
            # Optional arguments (recall's max_results) are not allowed in strict schemas.
            strict_json_schema=False,
        )

    return [tool(spec["function"]) for spec in MEMORY_TOOLS]
