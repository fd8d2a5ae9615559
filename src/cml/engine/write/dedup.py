"""Near-duplicate detection: a repeated memory reinforces the existing one instead of piling up.

A new memory is a duplicate of an *active* memory of the same tenant, namespace and type (and,
for episodic kinds, the same session: "had coffee" in two sessions is two events) when their
content hashes match exactly or their embeddings have a cosine similarity at or above the
configured threshold, and the new text says nothing the old one does not: a candidate found by
cosine whose text differs in a number, date, time, name, identifier or negation
(:func:`cml.engine.write.details.says_nothing_new`) is not a duplicate, so "takes 10 mg" is stored
next to "takes 5 mg" instead of being merged into it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime

import numpy as np

from cml.engine.write.details import says_nothing_new
from cml.models import MemoryType
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore, Vector

__all__ = ["EPISODIC_KINDS", "content_hash", "find_duplicate", "reinforce"]

EPISODIC_KINDS: frozenset[str] = frozenset(
    {
        MemoryType.EPISODIC_EVENT,
        MemoryType.CONVERSATION,
        MemoryType.MESSAGE,
        MemoryType.OBSERVATION,
        MemoryType.TOOL_RESULT,
        MemoryType.REASONING_STEP,
        MemoryType.SCRATCH,
    }
)
"""Types that describe something that happened in a session rather than a lasting truth."""

_NEIGHBOURS = 5
_REINFORCE_STEP = 0.05


def content_hash(text: str) -> str:
    """SHA-256 of the text with whitespace collapsed and case folded.

    So that "Likes tea" and "likes  tea " count as the same memory.
    """
    normal = " ".join(text.split()).casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _same_scope(record: MemoryRecord, namespace: str | None, session_id: str | None) -> bool:
    # Checked here as well as in the filter: a filter namespace of None means "any namespace",
    # but a memory without a namespace must only merge with others without one.
    if record.namespace != namespace:
        return False
    return record.memory_type not in EPISODIC_KINDS or record.session_id == session_id


def find_duplicate(
    store: MemoryStore,
    *,
    tenant_id: str,
    namespace: str | None,
    session_id: str | None,
    memory_type: str,
    text_hash: str,
    vector: Vector,
    threshold: float,
    text: str,
) -> MemoryRecord | None:
    """The active memory that a new one would duplicate, if any.

    Args:
        store: Where to look.
        tenant_id: Owner of the new memory.
        namespace: Its namespace (matched exactly).
        session_id: Its session (matched for episodic kinds only).
        memory_type: Its type (matched exactly).
        text_hash: Its :func:`content_hash`.
        vector: Its embedding.
        threshold: Cosine similarity at or above which it counts as a duplicate.
        text: Its content: a candidate found by similarity is a duplicate only if ``text``
            adds no detail to it (exact hash matches need no check).

    Returns:
        The existing memory, or ``None`` when the new one is novel.
    """
    episodic = memory_type in EPISODIC_KINDS
    filt = MemoryFilter(
        tenant_id=tenant_id,
        namespace=namespace,
        memory_types=[memory_type],
        statuses=("active",),
        session_id=session_id if episodic else None,
    )
    exact = store.find_by_hash(filt, text_hash)
    if exact is not None and _same_scope(exact, namespace, session_id):
        return exact
    near = store.vector_search(filt, vector, _NEIGHBOURS, near=True)
    hits = [(i, s) for i, s in near if s >= threshold]
    if not hits:
        return None
    for record in store.get_many(tenant_id, [i for i, _ in hits]):
        if record.status != "active" or not _same_scope(record, namespace, session_id):
            continue
        # Trust our own arithmetic over a backend's approximate index score.
        if record.embedding is not None and float(np.dot(record.embedding, vector)) < threshold:
            continue
        if not says_nothing_new(record.content, text):
            continue
        return record
    return None


def reinforce(record: MemoryRecord, *, now: datetime, importance: float) -> MemoryRecord:
    """The existing memory, strengthened by having been said again.

    Confidence rises a little (capped at 1), importance keeps the higher of old and new, and the
    repetition counts as an access.
    """
    return dataclasses.replace(
        record,
        confidence=round(min(1.0, record.confidence + _REINFORCE_STEP), 4),
        importance=max(record.importance, importance),
        updated_at=now,
        access_count=record.access_count + 1,
        last_accessed_at=now,
    )
