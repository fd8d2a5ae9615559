"""``GET /memory/stats/timeline``: the memories stored per day or week, by type.

The buckets are whole UTC days, or whole weeks starting on Monday 00:00 UTC; the series holds
every bucket from the one containing ``since`` to the one containing ``until``, empty ones
included, so that a chart of it has no gaps. A memory counts in the bucket in which the store
recorded it (``stored_at``) whatever its status, except while it is deleted (in the bin), as in
the totals of ``GET /memory/stats``.

Example:
    ```python
    from cml.models import TimelineQuery

    assert TimelineQuery(bucket="week").to_params() == {"bucket": "week"}
    ```
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator

from cml.models._fields import Namespace, ResponseModel, Timestamp
from cml.models.lookup import _Query

__all__ = [
    "MAX_TIMELINE_BUCKETS",
    "TimelineBucket",
    "TimelinePoint",
    "TimelineQuery",
    "TimelineResponse",
]

MAX_TIMELINE_BUCKETS = 366
"""Most buckets one series may hold (a year of days, seven years of weeks)."""


class TimelineBucket(StrEnum):
    """How long each bucket of a time series is."""

    DAY = "day"
    WEEK = "week"


class TimelineQuery(_Query):
    """Query of ``GET /memory/stats/timeline``: which span, in which buckets.

    Without ``until`` the series ends now; without ``since`` it holds 30 days (or 12 weeks)
    up to ``until``.
    """

    bucket: TimelineBucket = TimelineBucket.DAY
    since: Timestamp = None
    """The series starts with the bucket holding this time."""
    until: Timestamp = None
    """The series ends with the bucket holding this time (default: now)."""
    namespace: Namespace = None

    @field_validator("until")
    @classmethod
    def _after_since(cls, until: datetime | None, info: ValidationInfo) -> datetime | None:
        since = info.data.get("since")
        if since is not None and until is not None and since > until:
            raise ValueError("must not be before since")
        return until


class TimelinePoint(ResponseModel):
    """One bucket of the series: the memories stored in it, in all and by type."""

    start: datetime
    """When the bucket begins (UTC midnight; a Monday for weeks); it lasts until the next one."""
    total: int
    by_type: dict[str, int] = Field(default_factory=dict)
    """Counts of the types stored in the bucket (types with none are left out)."""


class TimelineResponse(ResponseModel):
    """The memories a tenant (optionally one namespace) stored per bucket, by type."""

    tenant_id: str
    namespace: str | None = None
    bucket: TimelineBucket | str
    since: datetime
    """Start of the first bucket."""
    until: datetime
    """End of the last bucket (exclusive)."""
    buckets: list[TimelinePoint] = Field(default_factory=list)
    """Every bucket of the span, oldest first, empty ones included."""
