"""A LangChain chat that remembers across conversations: py-cml as history and as retriever.

Each conversation keeps its messages in a ``CMLChatMessageHistory`` (the model sees the
conversation so far), and a ``CMLRetriever`` brings back what was said in *other*
conversations: on Tuesday the assistant still knows what the user said on Monday.

    pip install 'py-cml[server,langchain]' langchain-openai
    OPENAI_API_KEY=... python examples/langchain_chat.py

``OPENAI_BASE_URL`` points it at any server that speaks the chat-completions protocol;
``OPENAI_MODEL`` picks the model (default ``gpt-4o-mini``); ``CML_EXAMPLE_DB`` keeps the
memories in that file instead of a temporary one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from cml import EmbeddedCognitiveMemoryLayer
from cml.integrations.langchain import CMLChatMessageHistory, CMLRetriever


def chat(
    model: ChatOpenAI, history: CMLChatMessageHistory, retriever: CMLRetriever, text: str
) -> str:
    """One turn: recall from every conversation, answer with this one's history, keep both."""
    recalled = "\n".join(f"- {doc.page_content}" for doc in retriever.invoke(text))
    system = "You are a helpful assistant." + (f"\n\nFrom memory:\n{recalled}" if recalled else "")
    question = HumanMessage(text)
    messages: list[BaseMessage] = [SystemMessage(system), *history.messages, question]
    reply = model.invoke(messages)
    history.add_messages([question, reply])
    return str(reply.content)


def main(db: Path) -> None:
    model = ChatOpenAI(model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"))
    with EmbeddedCognitiveMemoryLayer(db) as memory:
        retriever = CMLRetriever(client=memory, k=3)
        for session, text in [
            ("monday", "My sister Ana just moved to Porto."),
            ("tuesday", "I'm visiting my sister next week. Which city am I flying to?"),
        ]:
            history = CMLChatMessageHistory(memory, session_id=session)
            print(f"[{session}] user> {text}")
            print(f"[{session}] assistant> {chat(model, history, retriever, text)}")


if __name__ == "__main__":
    if path := os.environ.get("CML_EXAMPLE_DB"):
        main(Path(path))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "memories.db")
