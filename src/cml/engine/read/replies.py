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
"""

from __future__ import annotations

from cml.storage.base import MemoryFilter, MemoryStore

__all__ = ["lend_to_replied"]


def lend_to_replied(
    store: MemoryStore, filt: MemoryFilter, fused: dict[str, float], share: float
) -> dict[str, float]:
    """``fused`` after each candidate has borrowed from the candidate that follows it.

    Args:
        store: Where the candidates live (for their session order).
        filt: The read's filter.
        fused: Fused score per candidate id.
        share: Fraction of the following candidate's score lent (0 changes nothing).

    Returns:
        The adjusted scores (``fused`` itself when nothing applies).
    """
    if share <= 0 or not fused:
        return fused
    following = store.session_successors(filt, list(fused), 1)
    lifted = dict(fused)
    for anchor, successors in following.items():
        own = fused.get(anchor, 0.0)
        reply = fused.get(successors[0], 0.0) if successors else 0.0
        if reply > own:
            lifted[anchor] = min(own + share * reply, reply)
    return lifted
