"""Rank fusion and recency, without a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cml.engine.read.retrieval import (
    RankingWeights,
    fuse_ranks,
    read_filter,
    recency_score,
    with_session_context,
)
from cml.models import MemoryType, ReadRequest


def test_first_in_both_lists_scores_one() -> None:
    fused = fuse_ranks([(["a", "b", "c"], 1.0), (["a", "c"], 1.0)], k=60)
    assert fused["a"] == pytest.approx(1.0)
    assert fused["c"] > fused["b"]  # in both lists beats one list
    assert all(0.0 <= v <= 1.0 for v in fused.values())


def test_a_hit_of_one_list_alone_scores_at_most_half() -> None:
    fused = fuse_ranks([([], 1.0), (["x", "y"], 1.0)], k=60)
    assert fused["x"] == pytest.approx(0.5)
    assert fused["y"] < fused["x"]
    assert fuse_ranks([([], 1.0), ([], 1.0)], k=60) == {}


def test_recency_halves_every_half_life() -> None:
    now = datetime(2025, 1, 31, tzinfo=UTC)
    assert recency_score(now, now, 30) == 1.0
    assert recency_score(now + timedelta(days=3), now, 30) == 1.0
    assert recency_score(now - timedelta(days=30), now, 30) == pytest.approx(0.5)
    assert recency_score(now - timedelta(days=60), now, 30) == pytest.approx(0.25)


def test_candidate_limit_has_a_floor() -> None:
    weights = RankingWeights()
    assert weights.candidate_limit(3) == 50
    assert weights.candidate_limit(20) == 100


def test_read_filter_maps_every_field() -> None:
    since = datetime(2024, 1, 1, tzinfo=UTC)
    request = ReadRequest(
        query="q",
        memory_types=[MemoryType.PREFERENCE],
        namespace="work",
        session_id="s1",
        since=since,
        include_silent=True,
    )
    filt = read_filter("acme", request)
    assert filt.tenant_id == "acme"
    assert list(filt.memory_types or []) == ["preference"]
    assert filt.namespace == "work"
    assert filt.session_id == "s1"
    assert filt.since == since
    assert set(filt.statuses or ()) == {"active", "compressed", "silent"}
    assert set(read_filter("acme", ReadRequest(query="q")).statuses or ()) == {
        "active",
        "compressed",
    }


def test_borrowed_score_never_lifts_a_memory_above_its_lender() -> None:
    # "a" matches well on its own and follows "q" in its session: it gains, but stays below "q".
    ranked = with_session_context([("q", 2.0), ("a", 1.9), ("x", 1.95)], {"q": ["a"]}, 0.4)
    assert [memory_id for memory_id, _ in ranked] == ["q", "a", "x"]
    assert dict(ranked)["a"] == pytest.approx(2.0)
    # A memory that already ranks above its predecessor keeps its own score.
    ranked = with_session_context([("a", 3.0), ("q", 2.0)], {"q": ["a"]}, 0.4)
    assert ranked == [("a", 3.0), ("q", 2.0)]
