"""The answer of a full integrity check of the store (``POST /admin/integrity-check``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cml.models._fields import ResponseModel

__all__ = ["IntegrityReport"]


class IntegrityReport(ResponseModel):
    """What a full integrity check of the store checked and found.

    ``status`` is ``damaged`` when a problem was found: from then on the server answers every
    memory request ``500 database_damaged`` (not retryable) and health reports the database
    damaged, and ``hint`` says how to recover (restore a backup, or salvage the file).
    ``not_checked`` names what this backend cannot check here, and why.
    """

    status: Literal["intact", "damaged"]
    backend: str
    trigger: str
    """Who asked: ``api``, ``scheduler`` or ``cli``."""
    checked_at: datetime
    elapsed_ms: float
    checks: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    not_checked: list[str] = Field(default_factory=list)
    hint: str | None = None
