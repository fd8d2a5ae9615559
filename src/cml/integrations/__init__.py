"""py-cml in the way LLM apps are already built: an OpenAI helper, a provider protocol and tools.

- :class:`CMLOpenAIHelper` / :class:`AsyncCMLOpenAIHelper`: chat completions that recall before
  the call and remember the exchange after it.
- :class:`MemoryProvider` / :class:`AsyncMemoryProvider`: the three calls any chat integration
  needs from a memory; :class:`CMLMemoryProvider` / :class:`AsyncCMLMemoryProvider` implement
  them on the py-cml clients.
- :data:`MEMORY_TOOLS` and :class:`MemoryToolDispatcher` / :class:`AsyncMemoryToolDispatcher`:
  ``remember`` / ``recall`` / ``forget`` for function-calling models.
- :mod:`cml.integrations.mcp_server`: the same tools over MCP (``cml mcp``).

Importing this package imports neither ``openai`` nor ``mcp``: the helpers use the client objects
they are given, and only the MCP server needs the ``integrations`` extra.
"""

from __future__ import annotations

from cml.integrations.openai_helper import AsyncCMLOpenAIHelper, CMLOpenAIHelper
from cml.integrations.provider import (
    AsyncCMLMemoryProvider,
    AsyncMemoryProvider,
    CMLMemoryProvider,
    MemoryProvider,
)
from cml.integrations.tools import (
    MEMORY_TOOLS,
    AsyncMemoryToolDispatcher,
    MemoryToolDispatcher,
    ToolOutcome,
)

__all__ = [
    "MEMORY_TOOLS",
    "AsyncCMLMemoryProvider",
    "AsyncCMLOpenAIHelper",
    "AsyncMemoryProvider",
    "AsyncMemoryToolDispatcher",
    "CMLMemoryProvider",
    "CMLOpenAIHelper",
    "MemoryProvider",
    "MemoryToolDispatcher",
    "ToolOutcome",
]
