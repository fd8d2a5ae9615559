"""A LangGraph agent whose long-term memory is py-cml, through LangGraph's own store interface.

The graph has two nodes: ``remember`` keeps what the user asks it to remember in the store
(``store.put``), ``answer`` recalls what is relevant (``store.search(query=...)``) and asks an
OpenAI-compatible chat model with those memories in the system prompt. Memories are kept per
user (the namespace ``("memories", user)``), so Bo never sees what Ana said.

    pip install 'py-cml[server,langgraph]' openai
    OPENAI_API_KEY=... python examples/langgraph_store.py

``OPENAI_BASE_URL`` points it at any server that speaks the chat-completions protocol (a local
model, a proxy); ``OPENAI_MODEL`` picks the model (default ``gpt-4o-mini``); ``CML_EXAMPLE_DB``
keeps the memories in that file instead of a temporary one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore
from openai import OpenAI

from cml import EmbeddedCognitiveMemoryLayer
from cml.integrations.langgraph import CMLStore

llm = OpenAI()
MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")


class Turn(TypedDict):
    user: str
    message: str
    answer: str


def remember(turn: Turn, *, store: BaseStore) -> dict[str, str]:
    """Keep what the user asks to be remembered, one item per fact."""
    if turn["message"].lower().startswith("remember"):
        fact = turn["message"].split(" ", 1)[1].removeprefix("that ").strip()
        namespace = ("memories", turn["user"])
        store.put(namespace, f"fact-{len(store.search(namespace, limit=1000))}", {"text": fact})
    return {}


def answer(turn: Turn, *, store: BaseStore) -> dict[str, str]:
    """Answer with the user's relevant memories in the system prompt."""
    hits = store.search(("memories", turn["user"]), query=turn["message"], limit=5)
    known = "\n".join(f"- {hit.value['text']}" for hit in hits)
    system = "You are a helpful assistant." + (f"\n\nWhat you know:\n{known}" if known else "")
    reply = llm.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": system},
            {"role": "user", "content": turn["message"]},
        ],
    )
    return {"answer": reply.choices[0].message.content or ""}


def build(store: BaseStore):
    graph = StateGraph(Turn)
    graph.add_node("remember", remember)
    graph.add_node("answer", answer)
    graph.add_edge(START, "remember")
    graph.add_edge("remember", "answer")
    graph.add_edge("answer", END)
    return graph.compile(store=store)


def main(db: Path) -> None:
    with EmbeddedCognitiveMemoryLayer(db) as memory:
        agent = build(CMLStore(memory, index_fields=["text"]))
        for user, message in [
            ("ana", "Remember that I am allergic to peanuts."),
            ("bo", "Remember that I am allergic to cats."),
            ("ana", "What am I allergic to?"),
        ]:
            result = agent.invoke({"user": user, "message": message, "answer": ""})
            print(f"{user}> {message}\nassistant> {result['answer']}")


if __name__ == "__main__":
    if path := os.environ.get("CML_EXAMPLE_DB"):
        main(Path(path))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "memories.db")
