"""What one maintenance run of a tenant works with, shared by consolidation and forgetting.

Both runs read a tenant's memories without the engine's write lock, write under it in one
transaction, and log one event naming who asked and what triggered them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cml.embeddings.base import Embedder
from cml.engine.consolidation.summarize import Summarizer
from cml.storage.base import EventRecord, MemoryStore

__all__ = ["TenantRun"]


@dataclass(frozen=True)
class TenantRun:
    """One consolidation or forgetting run of a tenant: its parts and its scope.

    Attributes:
        store: The memory store.
        embedder: Embeds the texts the run writes (gists, compressed texts).
        summarizer: Writes those texts (LLM or extractive).
        lock: The engine's write lock, held only while the run writes.
        tenant_id: Whose memories.
        namespace: Only this namespace (``None``: all).
        actor: The API key that asked, for the event log.
        trigger: ``api`` or ``scheduler``, recorded in the event.
    """

    store: MemoryStore
    embedder: Embedder
    summarizer: Summarizer
    lock: threading.RLock
    tenant_id: str
    namespace: str | None = None
    actor: str | None = None
    trigger: str = "api"

    def event(
        self,
        event_type: str,
        operation: str,
        created_at: datetime,
        memory_ids: list[str],
        payload: dict[str, Any],
    ) -> EventRecord:
        """The run's entry in the tenant's event log, with its ``trigger`` first in the payload."""
        return EventRecord(
            tenant_id=self.tenant_id,
            event_type=event_type,
            operation=operation,
            created_at=created_at,
            actor=self.actor,
            memory_ids=memory_ids,
            payload={"trigger": self.trigger, **payload},
        )
