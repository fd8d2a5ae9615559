"""A reply that matches the query lends part of its score to the turn it replies to.

Session context (:func:`cml.engine.read.retrieval.with_session_context`) reads a turn in the
light of the turns before it: an answer is worded in terms of its question. The converse holds
as often in conversation: "Wow, Caroline, that painting is awesome!" names the painting that
the turn before it shows without naming it ("Check out my painting for the art show!"), and a
reaction repeats the words of what it reacts to. So here each candidate whose next turn in its
session is also a candidate borrows ``share`` of that turn's fused score, never rising above it
(the same ceiling as session context). Only candidates lend and borrow: one lookup of the
candidates' successors (less the anchors whose successors session context already looked up
in the same filter), no new candidates. As with session context, nothing is copied between
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

from collections.abc import Mapping, Sequence

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
    known: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, float]:
    """``fused`` after each turn has borrowed from the candidate that replies to it.

    Args:
        store: Where the candidates live (for their session order).
        filt: The read's filter.
        records: The candidates (their texts give the speakers).
        fused: Fused score per candidate id.
        share: Fraction of the reply's score lent (0 changes nothing).
        known: Successors already looked up in ``filt`` (at least one per anchor, nearest
            first, as :meth:`~cml.storage.base.MemoryStore.session_successors` gives them):
            every anchor among its keys has its answer there, an empty list for none. Only
            the other anchors are looked up.

    Returns:
        The adjusted scores (``fused`` itself when nothing applies).
    """
    if share <= 0 or not fused:
        return fused
    speakers = {record.id: _speaker(record) for record in records}
    named = [memory_id for memory_id in fused if speakers.get(memory_id) is not None]
    if len(named) < 2:
        return fused
    anchors = _may_borrow(records, speakers, fused)
    known = known or {}
    unknown = [anchor for anchor in anchors if anchor not in known]
    following = store.session_successors(filt, unknown, 1) if unknown else {}
    following.update((anchor, list(known[anchor][:1])) for anchor in anchors if anchor in known)
    lifted = dict(fused)
    for anchor, successors in following.items():
        if not successors or speakers.get(successors[0]) in (None, speakers.get(anchor)):
            continue
        own = fused.get(anchor, 0.0)
        reply = fused.get(successors[0], 0.0)
        if reply > own:
            lifted[anchor] = min(own + share * reply, reply)
    return lifted


def _may_borrow(
    records: Sequence[MemoryRecord], speakers: Mapping[str, str | None], fused: dict[str, float]
) -> list[str]:
    """The named turns whose session holds a candidate of another speaker scoring higher.

    A turn borrows only from its successor when that is such a candidate, so the successors of
    the other turns need no lookup: they would change nothing. (The session order is left to
    the lookup: a candidate before the turn keeps it here, which costs a lookup, not a lift.)
    """
    best: dict[tuple[str | None, str], dict[str, float]] = {}
    for record in records:
        speaker = speakers[record.id]
        if speaker is not None and record.session_id is not None:
            session = best.setdefault((record.namespace, record.session_id), {})
            session[speaker] = max(session.get(speaker, 0.0), fused.get(record.id, 0.0))
    anchors = []
    for record in records:
        speaker = speakers[record.id]
        if speaker is None or record.session_id is None or record.id not in fused:
            continue
        own = fused[record.id]
        others = best[record.namespace, record.session_id]
        if any(score > own for name, score in others.items() if name != speaker):
            anchors.append(record.id)
    return anchors
