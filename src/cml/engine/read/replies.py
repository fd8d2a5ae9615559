"""A reply that matches the query lends part of its score to the turn it replies to.

Session context (:func:`cml.engine.read.retrieval.with_session_context`) reads a turn in the
light of the turns before it: an answer is worded in terms of its question. The converse holds
as often in conversation: "Wow, Caroline, that painting is awesome!" names the painting that
the turn before it shows without naming it ("Check out my painting for the art show!"), and a
reaction repeats the words of what it reacts to. So here each candidate whose next turn in its
session is also a candidate borrows ``share`` of that turn's fused score, never rising above it
(the same ceiling as session context). Only candidates lend and borrow: one lookup of the
candidates' successors, no new candidates. As with session context, nothing is copied between
memories, so forgetting one leaves no trace in its neighbours.

A reply lends only between people: both turns carry a named speaker's label
(``"Caroline: ..."``, :func:`.speakers.speaker_of`) and the speakers differ. In a history of
``user:``/``assistant:`` messages the relation runs the other way: the assistant's reply is
written to answer the message before it and adds paragraphs of its own, so a query that
matches the reply matches what the reply added (the recipe, the list of trails), and lending
it to the person's message before it credits that message with words it does not hold.
Memories without a speaker label, and a speaker continuing their own turn, lend nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from cml.engine.read.roles import role_of
from cml.engine.read.speakers import speaker_of
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore

__all__ = ["lend_to_replied"]


def _speaker(record: MemoryRecord) -> str | None:
    """The named speaker of a turn; role labels (``user:``, ``Assistant:``) are not names."""
    if role_of(record.content) is not None:
        return None
    return speaker_of(record.content)


def lend_to_replied(
    store: MemoryStore,
    filt: MemoryFilter,
    records: Sequence[MemoryRecord],
    fused: dict[str, float],
    share: float,
) -> dict[str, float]:
    """``fused`` after each turn has borrowed from the candidate that replies to it.

    Args:
        store: Where the candidates live (for their session order).
        filt: The read's filter.
        records: The candidates (their texts give the speakers).
        fused: Fused score per candidate id.
        share: Fraction of the reply's score lent (0 changes nothing).

    Returns:
        The adjusted scores (``fused`` itself when nothing applies).
    """
    if share <= 0 or not fused:
        return fused
    speakers = {record.id: _speaker(record) for record in records}
    named = [memory_id for memory_id in fused if speakers.get(memory_id) is not None]
    if len(named) < 2:
        return fused
    following = store.session_successors(filt, named, 1)
    lifted = dict(fused)
    for anchor, successors in following.items():
        if not successors or speakers.get(successors[0]) in (None, speakers.get(anchor)):
            continue
        own = fused.get(anchor, 0.0)
        reply = fused.get(successors[0], 0.0)
        if reply > own:
            lifted[anchor] = min(own + share * reply, reply)
    return lifted
