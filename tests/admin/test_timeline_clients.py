"""The stats time series and what a memory retired, on every kind of client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import cml

from .clients import KINDS, Client, make_client


@pytest.fixture(params=KINDS)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Client]:
    async with make_client(request.param, tmp_path) as made:
        yield made


async def test_timeline_and_retired_memories(client: Client) -> None:
    berlin = await client.call("write", "Dana lives in Berlin", memory_type="semantic_fact")
    munich = await client.call("write", "Dana moved to Munich", memory_type="semantic_fact")
    await client.call("write", "Dana took the train", namespace="travel")
    assert munich.superseded == [berlin.memory_id]

    series = await client.call("timeline")
    assert isinstance(series, cml.TimelineResponse)
    assert len(series.buckets) == 30
    assert series.buckets[-1].start.date() == datetime.now(UTC).date()
    assert series.buckets[-1].by_type == {"episodic_event": 1, "semantic_fact": 2}
    weeks = await client.call(
        "timeline", bucket="week", since=datetime.now(UTC) - timedelta(weeks=5), namespace="travel"
    )
    assert [b.start.weekday() for b in weeks.buckets] == [0] * len(weeks.buckets)
    assert weeks.buckets[-1].total == 1
    with pytest.raises(cml.ValidationError, match="until"):
        await client.call("timeline", since=datetime(2026, 2, 1), until=datetime(2026, 1, 1))

    retired = await client.call("list_memories", status="all", superseded_by=munich.memory_id)
    assert [m.id for m in retired.items] == [berlin.memory_id]
    assert (await client.call("list_memories", superseded_by=munich.memory_id)).items == []
