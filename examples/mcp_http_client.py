"""Use py-cml's MCP tools over streamable HTTP, as an MCP client (an agent) would.

Start a server, then point this at its ``/mcp`` endpoint with an API key:

    CML_API_KEY=... cml serve                    # serves /mcp next to /api/v1
    CML_API_KEY=... python examples/mcp_http_client.py http://127.0.0.1:8000/mcp

(``cml mcp --http --db memories.db`` serves the same tools on an embedded store, without keys.)
Needs ``py-cml[integrations]`` (``httpx2`` comes with ``mcp``).
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


async def main(url: str) -> None:
    key = os.environ.get("CML_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else None
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = await session.list_tools()
        print("tools:", ", ".join(tool.name for tool in tools.tools))
        await session.call_tool("remember", {"content": "The team standup is at 9:30"})
        found = await session.call_tool("recall", {"query": "When is standup?"})
        for memory in (found.structured_content or {}).get("memories", []):
            print("recalled:", memory["text"])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/mcp"))
