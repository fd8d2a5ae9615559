"""An OpenAI Agents SDK agent with py-cml: a session that remembers, and memory tools.

Works with OpenAI or any OpenAI-compatible chat endpoint that supports tools:

    export OPENAI_API_KEY=sk-...                 # OPENAI_BASE_URL for another compatible server
    export OPENAI_MODEL=gpt-4o-mini
    python examples/openai_agents_memory.py "I'm allergic to peanuts." "What snack should I buy?"

Each argument is one user message, and each is sent in a new conversation (session): what the
agent learns in one it recalls in the next, through py-cml. Memories are kept in an embedded
store (``CML_EXAMPLE_DB``, default ./agents-memories.db). Needs ``py-cml[server,openai-agents]``.
"""

from __future__ import annotations

import asyncio
import os
import sys

from agents import Agent, OpenAIChatCompletionsModel, Runner
from openai import AsyncOpenAI

from cml import AsyncEmbeddedCognitiveMemoryLayer
from cml.integrations.openai_agents import CMLSession, memory_tools

INSTRUCTIONS = (
    "You are an assistant with long-term memory. Call recall before answering questions about "
    "the user; call remember for facts and preferences worth keeping."
)


async def main(messages: list[str]) -> None:
    db = os.environ.get("CML_EXAMPLE_DB", "agents-memories.db")
    # OPENAI_API_KEY and OPENAI_BASE_URL are read from the environment by the client.
    async with AsyncOpenAI() as openai, AsyncEmbeddedCognitiveMemoryLayer(db) as memory:
        model = OpenAIChatCompletionsModel(
            model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"), openai_client=openai
        )
        agent = Agent(
            name="Assistant", instructions=INSTRUCTIONS, model=model, tools=memory_tools(memory)
        )
        for number, message in enumerate(messages, start=1):
            # A new conversation each time: only py-cml carries what was said before.
            session = CMLSession(f"conversation-{number}", memory)
            result = await Runner.run(agent, message, session=session)
            print(f"user> {message}")
            print(f"assistant> {result.final_output}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["I'm allergic to peanuts.", "What snack should I buy?"]))
