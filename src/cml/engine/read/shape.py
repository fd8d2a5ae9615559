"""Shaping recalled memories for the caller: items, packet buckets and an LLM context block.

The context block is markdown meant to be pasted into a prompt. It is cut to a token budget with a
deliberately pessimistic estimate (about four characters per token) so that it never overflows
the budget the caller planned for; the most relevant memories are kept first.
"""

from __future__ import annotations

from collections.abc import Sequence

from cml.engine.listing import wire_fields
from cml.engine.read.retrieval import Scored
from cml.models import MemoryItem, MemoryType, ReadFormat, ReadResponse
from cml.storage.base import MemoryRecord

__all__ = ["estimate_tokens", "format_llm_context", "shape_response", "to_item"]

# Bucket of the packet per memory type; types not listed appear only in the ranked list.
_BUCKETS: dict[str, str] = {
    MemoryType.SEMANTIC_FACT: "facts",
    MemoryType.KNOWLEDGE: "facts",
    MemoryType.PREFERENCE: "preferences",
    MemoryType.EPISODIC_EVENT: "episodes",
    MemoryType.CONVERSATION: "episodes",
    MemoryType.MESSAGE: "episodes",
    MemoryType.OBSERVATION: "episodes",
    MemoryType.PROCEDURE: "procedures",
    MemoryType.CONSTRAINT: "constraints",
}

# Section order of the context block: what must not be violated comes first.
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("constraints", "Constraints"),
    ("preferences", "Preferences"),
    ("facts", "Facts"),
    ("procedures", "Procedures"),
    ("episodes", "Recent Events"),
    ("other", "Other Notes"),
)

_TITLE = "## Relevant Memories"
_ELLIPSIS = "…"


def estimate_tokens(text: str) -> int:
    """Estimate the tokens of ``text`` as one per four characters, rounded up."""
    return (len(text) + 3) // 4


def to_item(record: MemoryRecord, relevance: float) -> MemoryItem:
    """Build the wire item of a stored memory.

    The stored fields go under their wire names (:func:`~cml.engine.listing.wire_fields`); the
    validity starts at ``created_at`` when the memory names no other start.
    """
    values = wire_fields(record, MemoryItem)
    values.update(valid_from=record.valid_since, recorded_at=record.recorded_at)
    return MemoryItem(**values, relevance=relevance)


def _bucket(item: MemoryItem) -> str:
    return _BUCKETS.get(str(item.type), "other")


def _line(item: MemoryItem, text: str | None = None) -> str:
    body = " ".join((item.text if text is None else text).split())
    retired = " (superseded)" if item.superseded_at is not None else ""
    return f"- [{item.timestamp:%Y-%m-%d}]{retired} {body}"


def _render(lines: Sequence[tuple[str, str]]) -> str:
    if not lines:
        return ""
    parts = [_TITLE]
    for key, heading in _SECTIONS:
        section = [line for bucket, line in lines if bucket == key]
        if section:
            parts.append(f"\n### {heading}")
            parts.extend(section)
    return "\n".join(parts) + "\n"


def format_llm_context(items: Sequence[MemoryItem], max_tokens: int) -> str:
    """Render memories as a markdown block of at most ``max_tokens`` (estimated) tokens.

    Items are taken in the given (relevance) order; the first one that does not fit is shortened
    with an ellipsis if a useful part of it fits, and the rest are left out.

    Args:
        items: Memories, most relevant first.
        max_tokens: The budget.

    Returns:
        The block, or an empty string when there is nothing (or nothing fits).

    Example:
        ``format_llm_context(items, 200)`` gives::

            ## Relevant Memories

            ### Preferences
            - [2024-05-01] Prefers window seats
    """
    chosen: list[tuple[str, str]] = []
    for item in items:
        bucket = _bucket(item)
        candidate = [*chosen, (bucket, _line(item))]
        if estimate_tokens(_render(candidate)) <= max_tokens:
            chosen = candidate
            continue
        shortened = _shorten(chosen, item, bucket, max_tokens)
        if shortened is not None:
            chosen = shortened
        break
    return _render(chosen)


def _shorten(
    chosen: list[tuple[str, str]], item: MemoryItem, bucket: str, max_tokens: int
) -> list[tuple[str, str]] | None:
    text = " ".join(item.text.split())
    spare = max_tokens * 4 - len(_render([*chosen, (bucket, _line(item, ""))]))
    # Below a few words a fragment is noise rather than context.
    if spare < 40:
        return None
    cut = text[: spare - len(_ELLIPSIS)].rstrip()
    candidate = [*chosen, (bucket, _line(item, cut + _ELLIPSIS))]
    while cut and estimate_tokens(_render(candidate)) > max_tokens:
        cut = cut[:-8].rstrip()
        candidate = [*chosen, (bucket, _line(item, cut + _ELLIPSIS))]
    return candidate if cut else None


def shape_response(
    query: str,
    scored: Sequence[Scored],
    response_format: ReadFormat,
    max_tokens: int,
    elapsed_ms: float,
    *,
    companions: Sequence[Scored] = (),
    context_floor: float = 0.0,
) -> ReadResponse:
    """Build the read response in the requested format.

    ``list`` carries only the ranked memories; ``llm_context`` adds the context block; ``packet``
    adds the block and the per-kind buckets (facts, preferences, episodes, procedures,
    constraints). ``companions`` (consolidated facts accompanying the ranked list, see
    :mod:`cml.engine.read.placement`) join the context block in relevance order and the
    ``facts`` bucket, never the ranked list. The block leaves out memories whose relevance is
    below ``context_floor``, so it is empty when nothing stored is relevant enough.
    """
    items = [to_item(s.record, s.relevance) for s in scored]
    extra = [to_item(s.record, s.relevance) for s in companions]
    response = ReadResponse(
        query=query, memories=items, total_count=len(items), context_min_relevance=context_floor
    )
    if response_format in (ReadFormat.PACKET, ReadFormat.LLM_CONTEXT):
        relevant = [i for i in [*items, *extra] if i.relevance >= context_floor]
        in_context = sorted(relevant, key=lambda i: i.relevance, reverse=True)
        response.llm_context = format_llm_context(in_context, max_tokens)
    if response_format == ReadFormat.PACKET:
        response.facts = [*extra, *(i for i in items if _bucket(i) == "facts")]
        response.preferences = [i for i in items if _bucket(i) == "preferences"]
        response.episodes = [i for i in items if _bucket(i) == "episodes"]
        response.procedures = [i for i in items if _bucket(i) == "procedures"]
        response.constraints = [i for i in items if _bucket(i) == "constraints"]
    response.elapsed_ms = round(elapsed_ms, 3)
    return response
