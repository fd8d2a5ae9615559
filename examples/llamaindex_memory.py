"""LlamaIndex's Memory with py-cml as its long-term memory block.

``Memory`` keeps the recent conversation; ``CMLMemoryBlock`` puts what py-cml recalls into the
system message, from every conversation, and keeps the messages that leave the short-term
window. At the end of a conversation this example hands the rest of it to the block too, so a
short conversation is remembered as well. The chat model is called with the ``openai`` client.

    pip install 'py-cml[server,llamaindex]' openai
    OPENAI_API_KEY=... python examples/llamaindex_memory.py

``OPENAI_BASE_URL`` points it at any server that speaks the chat-completions protocol;
``OPENAI_MODEL`` picks the model (default ``gpt-4o-mini``); ``CML_EXAMPLE_DB`` keeps the
memories in that file instead of a temporary one.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from llama_index.core.llms import ChatMessage
from llama_index.core.memory import Memory
from openai import AsyncOpenAI

from cml import AsyncEmbeddedCognitiveMemoryLayer
from cml.integrations.llamaindex import CMLMemoryBlock

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")


async def conversation(
    llm: AsyncOpenAI, block: CMLMemoryBlock, session: str, questions: list[str]
) -> None:
    memory = Memory.from_defaults(session_id=session, memory_blocks=[block])
    for question in questions:
        await memory.aput(ChatMessage(role="user", content=question))
        messages: list[Any] = [
            {"role": m.role.value, "content": m.content} for m in await memory.aget()
        ]
        reply = await llm.chat.completions.create(model=MODEL, messages=messages)
        answer = reply.choices[0].message.content or ""
        await memory.aput(ChatMessage(role="assistant", content=answer))
        print(f"[{session}] user> {question}\n[{session}] assistant> {answer}")
    # The conversation is over: what is still short-term goes to py-cml as well.
    await block.aput(await memory.aget_all(), session_id=session)


async def main(db: Path) -> None:
    async with AsyncEmbeddedCognitiveMemoryLayer(db) as client, AsyncOpenAI() as llm:
        block = CMLMemoryBlock(client=client)
        await conversation(llm, block, "monday", ["I'm allergic to peanuts."])
        await conversation(llm, block, "tuesday", ["Suggest a snack for my flight."])


if __name__ == "__main__":
    if path := os.environ.get("CML_EXAMPLE_DB"):
        asyncio.run(main(Path(path)))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(main(Path(tmp) / "memories.db"))
