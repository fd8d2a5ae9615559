"""Speaker-aware ranking: a question about one person prefers what that person said.

Conversations are often stored one turn per memory with the speaker's name leading the text
(``"Caroline: I went to a support group yesterday"``). A question that names one of the
speakers ("What did Caroline research?") is nearly always answered by that speaker's own turns,
yet the name itself is no help to the searches: it is in half of the conversation's memories,
so the full-text query leaves it out (:mod:`.terms`) and the embedding barely notices it. Here,
when the query names exactly one of the speakers found among the candidates, the fused score of
the candidates spoken by *another* named speaker is scaled down by ``1 - share``. Memories
without a leading speaker, and queries naming no speaker or several, are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cml.storage.base import MemoryRecord

__all__ = ["favour_named_speaker", "speaker_of"]

_LABEL = re.compile(r"^\s*([A-Z][\w'.-]{1,30}(?: [A-Z][\w'.-]{1,30})?):\s")
_WORD = re.compile(r"[\w'-]+")


def speaker_of(text: str) -> str | None:
    """The speaker label a memory starts with (``"Caroline"`` of ``"Caroline: hi"``), if any.

    Example:
        >>> speaker_of("Nate: See you!"), speaker_of("note: buy milk")
        ('Nate', None)
    """
    match = _LABEL.match(text)
    return match.group(1) if match else None


def favour_named_speaker(
    records: Sequence[MemoryRecord], fused: dict[str, float], query: str, share: float
) -> dict[str, float]:
    """``fused`` with the turns of other speakers scaled down when the query names one speaker.

    Args:
        records: The candidates (their texts give the speakers).
        fused: Fused score per candidate id.
        query: The caller's text.
        share: How much of another speaker's score is taken away (0 changes nothing).

    Returns:
        The adjusted scores (``fused`` itself when nothing applies).
    """
    if share <= 0:
        return fused
    speakers = {record.id: speaker_of(record.content) for record in records}
    names = {name for name in speakers.values() if name is not None}
    if len(names) < 2:
        return fused
    words = {word.lower() for word in _WORD.findall(query)}
    named = [name for name in names if name.split()[0].lower() in words]
    if len(named) != 1:
        return fused
    keep = 1.0 - min(share, 1.0)
    return {
        memory_id: score * keep if speakers.get(memory_id) not in (None, named[0]) else score
        for memory_id, score in fused.items()
    }
