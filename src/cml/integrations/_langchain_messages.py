"""How a LangChain chat message lives in py-cml, and how a recalled memory becomes a Document.

A message is one ``message`` memory in the conversation's session. Its text is the speaker and
the message's position followed by what was said (``User (message 3): I'm vegetarian``), so
py-cml's recall finds it like any memory, and the position keeps two equal messages of one
conversation ("ok", "ok") from being merged as near-duplicates: a changed number is a new
detail to py-cml. The metadata holds, under :data:`MESSAGE_FIELD`, the session, the position and
the rest of the message (LangChain's own serialisation), so it comes back whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import BaseMessage, message_to_dict, messages_from_dict

from cml.integrations._store_items import label
from cml.models import (
    MAX_CONTENT_CHARS,
    MAX_METADATA_BYTES,
    MemoryItem,
    MemoryType,
    ReadResponse,
)

__all__ = [
    "MESSAGE_FIELD",
    "MESSAGE_TYPE",
    "SESSION_FIELD",
    "StoredMessage",
    "document",
    "documents",
    "message_memory",
    "parse_message",
    "session_label",
]

MESSAGE_FIELD = "langchain_message"
"""The metadata field holding a stored message (a memory without it is not one)."""

SESSION_FIELD = "chat_session"
"""The metadata field naming a message's conversation (:func:`session_label`; the listing
filters on it)."""

MESSAGE_TYPE = MemoryType.MESSAGE

_SPEAKERS = {"human": "User", "ai": "Assistant", "system": "System", "tool": "Tool"}
_BUDGET = MAX_METADATA_BYTES - 1024

StoredMessage = tuple[int, str, BaseMessage]
"""A message read back: its position, its memory's id, the message."""


def message_memory(message: BaseMessage, *, session_id: str, position: int) -> dict[str, Any]:
    """The ``batch_write`` item storing ``message`` at ``position`` of ``session_id``.

    Raises:
        ValueError: The message is too long for one memory.
    """
    record = message_to_dict(message)
    speaker = _SPEAKERS.get(message.type, message.type.capitalize())
    prefix = f"{speaker} (message {position}): "
    said = message.content if isinstance(message.content, str) else message.text
    if isinstance(message.content, str):
        record["data"] = {k: v for k, v in record["data"].items() if k != "content"}
    text = prefix + (said if said.strip() else f"({message.type} message without text)")
    encoded = json.dumps(record, ensure_ascii=False)
    if len(text) > MAX_CONTENT_CHARS or len(encoded.encode("utf-8")) > _BUDGET:
        raise ValueError(
            f"A {message.type} message of {len(said)} characters is too long for one py-cml "
            f"memory ({MAX_CONTENT_CHARS - len(prefix)} characters at most); split it."
        )
    return {
        "content": text,
        "memory_type": MESSAGE_TYPE,
        "session_id": session_id,
        "metadata": {
            SESSION_FIELD: session_label(session_id),
            MESSAGE_FIELD: {
                "position": position,
                "text_from": len(prefix),
                "has_text": bool(said.strip()),
                "message": encoded,
            },
        },
    }


def session_label(session_id: str) -> str:
    """The conversation's label in metadata: a hash, which no redaction of personal data alters.

    A session id may well be an email address, which the write gate would redact.
    """
    return label("lc", session_id)


def parse_message(memory_id: str, text: str, metadata: Mapping[str, Any]) -> StoredMessage | None:
    """The message a memory holds, or ``None`` for a memory that is not a stored message."""
    raw = metadata.get(MESSAGE_FIELD)
    if not isinstance(raw, dict):
        return None
    try:
        record = json.loads(raw["message"])
        if "content" not in record["data"]:
            said = text[int(raw["text_from"]) :] if raw.get("has_text", True) else ""
            record["data"]["content"] = said
        message = messages_from_dict([record])[0]
        return int(raw["position"]), memory_id, message
    except (KeyError, TypeError, ValueError):
        return None


def documents(result: ReadResponse) -> list[Document]:
    """The recalled memories of a read as LangChain documents, most relevant first."""
    return [document(memory) for memory in result.memories]


def document(memory: MemoryItem) -> Document:
    """A recalled memory as a LangChain ``Document``: its text, and who/what/when in metadata."""
    return Document(
        page_content=memory.text,
        id=memory.id,
        metadata={
            "id": memory.id,
            "type": str(memory.type),
            "relevance": memory.relevance,
            "confidence": memory.confidence,
            "timestamp": memory.timestamp.isoformat(),
            "namespace": memory.namespace,
            "session_id": memory.session_id,
            "agent_id": memory.agent_id,
            "context_tags": list(memory.context_tags),
            "metadata": dict(memory.metadata),
        },
    )
