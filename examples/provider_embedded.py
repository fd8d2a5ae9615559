"""Memory for any LLM stack through the MemoryProvider protocol; no server, no API key.

Runs as is: an embedded py-cml store in a temporary directory and a stand-in "model" that just
quotes the memories it was given, so you can see what a real model would receive.

    python examples/provider_embedded.py

Set CML_EMBEDDING_PROVIDER=local (the default of py-cml) for the real MiniLM embeddings; this
example uses the fast deterministic ``hash`` embedder unless told otherwise.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cml import EmbeddedCognitiveMemoryLayer
from cml.integrations import CMLMemoryProvider, MemoryProvider


def toy_model(system_prompt: str, user_message: str) -> str:
    """Stands in for an LLM call: answers with what memory told it."""
    if not user_message.rstrip().endswith("?"):
        return "Noted."
    remembered = [line[2:] for line in system_prompt.splitlines() if line.startswith("- ")]
    if not remembered:
        return "I don't know that yet."
    return "From memory: " + " | ".join(remembered)


def chat(memory: MemoryProvider, user_message: str, session_id: str) -> str:
    """One chat turn written against the protocol only: recall, answer, remember."""
    system_prompt = "You are a helpful assistant.\n\n" + memory.get_context(user_message)
    answer = toy_model(system_prompt, user_message)
    memory.store_exchange(user_message, answer, session_id)
    return answer


def main() -> None:
    provider_name = os.environ.get("CML_EMBEDDING_PROVIDER", "hash")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "memories.db"
        with EmbeddedCognitiveMemoryLayer(db, embedding_provider=provider_name) as client:
            memory = CMLMemoryProvider(client)
            assert isinstance(memory, MemoryProvider)

            print(chat(memory, "My sister Ana lives in Porto", session_id="family"))
            print(chat(memory, "Where does my sister Ana live?", session_id="family"))

            memory.clear_session("family")
            print(chat(memory, "Where does Ana live?", session_id="family-2"))
            print(f"memories left: {client.stats().total_memories}")


if __name__ == "__main__":
    main()
