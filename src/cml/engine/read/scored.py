"""A recalled memory with its score: what every stage of a read passes on."""

from __future__ import annotations

from dataclasses import dataclass

from cml.storage.base import MemoryRecord

__all__ = ["Scored"]


@dataclass(frozen=True)
class Scored:
    """A recalled memory with its relevance in [0, 1]."""

    record: MemoryRecord
    relevance: float
