"""A full tool-calling loop: the model decides when to remember, recall and forget.

Works with any OpenAI-compatible chat endpoint that supports tools:

    export OPENAI_API_KEY=sk-...                 # OPENAI_BASE_URL for another compatible server
    export OPENAI_MODEL=gpt-4o-mini
    python examples/tool_calling_loop.py "Remember that I'm left-handed." "Am I left-handed?"

Each argument is one user message, sent in order in one conversation. Memories are kept in an
embedded store (``CML_EXAMPLE_DB``, default ./tool-memories.db).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from openai import OpenAI

from cml import EmbeddedCognitiveMemoryLayer
from cml.integrations import MEMORY_TOOLS, MemoryToolDispatcher

SYSTEM_PROMPT = (
    "You are an assistant with long-term memory. Use the recall tool before answering questions "
    "about the user, remember for anything worth keeping, forget when asked to."
)
MAX_ROUNDS = 8  # a model that keeps calling tools forever must not loop forever


def answer(
    client: OpenAI, dispatcher: MemoryToolDispatcher, messages: list[Any], model: str
) -> str:
    """Run the model until it replies without tool calls; return that reply."""
    for _ in range(MAX_ROUNDS):
        response = client.chat.completions.create(
            model=model, messages=messages, tools=MEMORY_TOOLS
        )
        message = response.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return message.content or ""
        for call in message.tool_calls:
            print(f"  [tool] {call.function.name}({call.function.arguments})")
            messages.append(dispatcher.handle(call))
    return "(stopped: too many tool calls)"


def main(user_messages: list[str]) -> None:
    model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
    db = os.environ.get("CML_EXAMPLE_DB", "tool-memories.db")
    with EmbeddedCognitiveMemoryLayer(db) as memory, OpenAI() as client:
        dispatcher = MemoryToolDispatcher(memory)
        messages: list[Any] = [{"role": "system", "content": SYSTEM_PROMPT}]
        for text in user_messages:
            print(f"you> {text}")
            messages.append({"role": "user", "content": text})
            print(f"assistant> {answer(client, dispatcher, messages, model)}")


if __name__ == "__main__":
    default = ["Remember that my favourite colour is teal.", "What's my favourite colour?"]
    main(sys.argv[1:] or default)
