"""An AutoGen assistant whose memory is py-cml: relevant memories reach the model by themselves.

Works with OpenAI or any OpenAI-compatible chat endpoint:

    export OPENAI_API_KEY=sk-...                 # OPENAI_BASE_URL for another compatible server
    export OPENAI_MODEL=gpt-4o-mini
    python examples/autogen_memory.py "The user is vegetarian." "What should I cook tonight?"

The first argument is stored as a memory, the second is the task. Memories are kept in an
embedded store (``CML_EXAMPLE_DB``, default ./autogen-memories.db). Needs
``py-cml[server,autogen]``.
"""

from __future__ import annotations

import asyncio
import os
import sys

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import TextMessage
from autogen_core.memory import MemoryContent, MemoryMimeType
from autogen_core.models import ModelInfo
from autogen_ext.models.openai import OpenAIChatCompletionClient

from cml import AsyncEmbeddedCognitiveMemoryLayer
from cml.integrations.autogen import CMLAutoGenMemory


def model_client() -> OpenAIChatCompletionClient:
    """The chat model: OpenAI's, or one behind OPENAI_BASE_URL (described by model_info)."""
    model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url is None:
        return OpenAIChatCompletionClient(model=model)
    info = ModelInfo(
        vision=False,
        function_calling=True,
        json_output=False,
        family="unknown",
        structured_output=False,
        multiple_system_messages=True,
    )
    return OpenAIChatCompletionClient(model=model, base_url=base_url, model_info=info)


async def main(fact: str, task: str) -> None:
    db = os.environ.get("CML_EXAMPLE_DB", "autogen-memories.db")
    client = model_client()
    try:
        async with AsyncEmbeddedCognitiveMemoryLayer(db) as memory:
            cml_memory = CMLAutoGenMemory(memory, session_id="autogen-example")
            await cml_memory.add(MemoryContent(content=fact, mime_type=MemoryMimeType.TEXT))
            agent = AssistantAgent("assistant", model_client=client, memory=[cml_memory])
            result = await agent.run(task=task)
            answer = result.messages[-1]
            print(answer.content if isinstance(answer, TextMessage) else answer)
    finally:
        await client.close()


if __name__ == "__main__":
    arguments = sys.argv[1:] or ["The user is vegetarian.", "What should I cook tonight?"]
    asyncio.run(main(arguments[0], arguments[1]))
