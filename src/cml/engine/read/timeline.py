"""Reading at a point in time: retired memories after current ones, and the past as it stood.

A read with ``as_of`` sees the store as it stood then (the filter picks the rows, see
:attr:`cml.storage.base.MemoryFilter.as_of`); a memory retired *after* that time was current
then, so it is shown without its later retirement. With ``include_superseded`` the memories
retired (by then) follow the current ones, each still marked by ``superseded_at``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from cml.engine.read.retrieval import Scored
from cml.models import MemoryStatus

__all__ = ["as_seen"]


def _then(scored: Scored, as_of: datetime) -> Scored:
    record = scored.record
    if record.superseded_at is None or record.superseded_at <= as_of:
        return scored
    current = dataclasses.replace(
        record,
        status=MemoryStatus.ACTIVE.value,
        superseded_at=None,
        superseded_by=None,
        valid_to=None,
    )
    return Scored(record=current, relevance=scored.relevance)


def as_seen(scored: Sequence[Scored], as_of: datetime | None) -> list[Scored]:
    """The ranked memories as they stood at ``as_of`` (now when ``None``), retired ones last.

    Args:
        scored: The ranked memories, best first.
        as_of: The time the read looks at.

    Returns:
        The same memories in the same order, except that those retired (as of then) follow
        the current ones.
    """
    seen = [_then(s, as_of) for s in scored] if as_of is not None else list(scored)
    current = [s for s in seen if s.record.superseded_at is None]
    return current + [s for s in seen if s.record.superseded_at is not None]
