"""A terminal chat whose assistant remembers across runs: CMLOpenAIHelper + an embedded store.

Needs an OpenAI-compatible chat endpoint:

    export OPENAI_API_KEY=sk-...            # and OPENAI_BASE_URL for another compatible server
    python examples/chat_with_memory.py --session my-trip

Memories live in ./chat-memories.db (``--db`` to change it); run it twice and ask about what you
said the first time. Use ``--url`` to keep memories in a py-cml server instead (``CML_API_KEY``).
"""

from __future__ import annotations

import argparse
import os

from openai import OpenAI

from cml import CognitiveMemoryLayer, EmbeddedCognitiveMemoryLayer
from cml.integrations import CMLOpenAIHelper


def main() -> None:
    parser = argparse.ArgumentParser(description="A terminal chat that remembers.")
    parser.add_argument("--db", default="chat-memories.db", help="embedded memory file")
    parser.add_argument("--url", help="py-cml server URL instead of an embedded store")
    parser.add_argument(
        "--session", default=None, help="conversation id (recalls only its memories)"
    )
    parser.add_argument("--model", default=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"))
    args = parser.parse_args()

    memory = (
        CognitiveMemoryLayer(base_url=args.url)
        if args.url
        else EmbeddedCognitiveMemoryLayer(args.db)
    )
    with memory, OpenAI() as openai_client:
        # Keep chatting if the memory service has a hiccup; the answer just lacks memories then.
        helper = CMLOpenAIHelper(
            memory, openai_client, model=args.model, degrade_on_memory_error=True
        )
        print("Chat with memory. Empty line or Ctrl-D to quit.")
        while True:
            try:
                message = input("you> ").strip()
            except EOFError:
                break
            if not message:
                break
            print("assistant>", helper.chat(message, session_id=args.session))


if __name__ == "__main__":
    main()
