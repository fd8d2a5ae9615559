"""The memory tools over the Model Context Protocol (stdio), for desktop assistants and agents.

The server offers exactly the tools of :data:`~cml.integrations.tools.MEMORY_TOOLS`
(``remember``, ``recall``, ``forget``, ``get``, ``history``, ``list_memories``) and runs them with
:class:`~cml.integrations.tools.AsyncMemoryToolDispatcher`, so a model sees the same tools and the
same answers over MCP as through function calling. Tool failures, including a memory service that
cannot be reached, are reported inside the tool result (``isError``) so that the assistant can
tell its user; the protocol itself never breaks.

Run it with ``cml mcp`` (see :mod:`cml.cli.mcp`). Needs ``pip install 'py-cml[integrations]'``.
Stdout is the protocol: everything else (logs) goes to stderr.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cml._version import __version__
from cml.exceptions import CMLError
from cml.integrations._async.tools import AsyncMemoryToolDispatcher
from cml.integrations._extra import require
from cml.integrations.tools import MEMORY_TOOLS, ToolOutcome, service_failed

require("mcp")

from mcp import types  # noqa: E402  (after the check that names the extra to install)
from mcp.server.context import ServerRequestContext  # noqa: E402
from mcp.server.lowlevel import Server  # noqa: E402
from mcp.server.stdio import stdio_server  # noqa: E402

if TYPE_CHECKING:
    from cml._async.client import AsyncCognitiveMemoryLayer

__all__ = ["SERVER_NAME", "build_server", "serve_stdio"]

SERVER_NAME = "py-cml"

_INSTRUCTIONS = (
    "Long-term memory for this user. Call recall before answering questions that may depend on "
    "what you were told before; call remember for facts, preferences and decisions worth "
    "keeping; call forget when the user asks you to forget something or a memory is wrong."
)


def _tools() -> list[types.Tool]:
    return [
        types.Tool(
            name=tool["function"]["name"],
            description=tool["function"]["description"],
            input_schema=tool["function"]["parameters"],
        )
        for tool in MEMORY_TOOLS
    ]


def _result(outcome: ToolOutcome) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=outcome.json())],
        structured_content=outcome.payload,
        is_error=outcome.is_error,
    )


def build_server(dispatcher: AsyncMemoryToolDispatcher) -> Server[Any]:
    """An MCP server offering the memory tools, run by ``dispatcher``.

    Args:
        dispatcher: Runs the tools against a py-cml client.

    Returns:
        The server; serve it with ``server.run(read_stream, write_stream, options)``.
    """

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=_tools())

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            outcome = await dispatcher.run(params.name, params.arguments or {})
        except CMLError as exc:
            # The assistant should hear that memory is down rather than see a broken session.
            outcome = service_failed(params.name, exc)
        return _result(outcome)

    return Server(
        SERVER_NAME,
        version=__version__,
        instructions=_INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(
    client: AsyncCognitiveMemoryLayer,
    *,
    namespace: str | None = None,
    session_id: str | None = None,
) -> None:
    """Serve the memory tools over stdin/stdout until the client disconnects.

    Args:
        client: The async py-cml client the tools use (HTTP or embedded; not closed here).
        namespace: Namespace the tools read, write and forget in.
        session_id: Session that ``remember`` files new memories under.
    """
    dispatcher = AsyncMemoryToolDispatcher(client, namespace=namespace, session_id=session_id)
    server = build_server(dispatcher)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
