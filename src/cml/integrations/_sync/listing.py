# Generated from src/cml/integrations/_async/listing.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""Every memory of a filtered listing, for the adapters that keep structured records in py-cml.

The framework adapters (the LangGraph store, the LangChain chat history) find their records
with the read-key listing and its exact metadata filter, so they need no admin key and no
relevance ranking to find a record they wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cml.models import MAX_PAGE_SIZE, MemoryRecordOut, MemoryType

if TYPE_CHECKING:
    from cml._sync.client import CognitiveMemoryLayer

__all__ = ["list_all"]


def list_all(
    client: CognitiveMemoryLayer,
    *,
    memory_type: MemoryType,
    namespace: str | None,
    metadata: dict[str, Any] | None = None,
) -> list[MemoryRecordOut]:
    """The active memories of one type in ``namespace`` (exactly) with ``metadata``, oldest first.

    Args:
        client: The py-cml client.
        memory_type: Only this kind of memory.
        namespace: Only this namespace; ``None`` is the tenant's default namespace only.
        metadata: Only memories whose metadata has each of these top-level keys at this value.

    Returns:
        The memories in creation order, every page of the listing.
    """
    found: list[MemoryRecordOut] = []
    cursor: str | None = None
    while True:
        page = client.list_memories(
            cursor=cursor,
            per_page=MAX_PAGE_SIZE,
            memory_types=[memory_type],
            namespace=namespace,
            metadata=metadata,
        )
        found.extend(m for m in page.items if m.namespace == namespace)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
