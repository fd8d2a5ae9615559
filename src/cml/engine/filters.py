"""The filters a request shares with the store: metadata, context tags and agent.

Reads, batch reads, forgets and the listing accept the same three filters
(:class:`~cml.models.FilterFields`); they reach the store as fields of its
:class:`~cml.storage.base.MemoryFilter`, where both backends apply them inside their searches.
"""

from __future__ import annotations

from typing import Any

from cml.models import FilterFields

__all__ = ["filter_fields", "has_filters"]


def filter_fields(request: FilterFields) -> dict[str, Any]:
    """The request's filters as keyword arguments of :class:`~cml.storage.base.MemoryFilter`."""
    return {
        "metadata": request.metadata,
        "context_tags": request.context_tags,
        "agent_id": request.agent_id,
    }


def has_filters(request: FilterFields) -> bool:
    """Whether the request names any of the three filters."""
    return any(value is not None for value in filter_fields(request).values())
