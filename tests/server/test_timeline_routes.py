"""``GET /memory/stats/timeline`` and the ``superseded_by`` filter of ``GET /memories``."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import httpx

from .server_helpers import assert_error, auth


async def _write(client: httpx.AsyncClient, key: str, content: str, **fields: object) -> dict:
    response = await client.post(
        "/memory/write", json={"content": content, **fields}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_timeline_counts_todays_memories_by_type(
    client: httpx.AsyncClient, acme_key: str, globex_key: str
) -> None:
    await _write(client, acme_key, "Ana prefers trains", memory_type="preference")
    await _write(client, acme_key, "Ana took the 9:15 to Porto")
    await _write(client, acme_key, "Ana's trip notes", namespace="work")
    forgotten = await _write(client, acme_key, "A note to forget")
    await client.post(
        "/memory/forget", json={"memory_ids": [forgotten["memory_id"]]}, headers=auth(acme_key)
    )
    await _write(client, globex_key, "Globex's own memory")

    response = await client.get("/memory/stats/timeline", headers=auth(acme_key))

    assert response.status_code == 200, response.text
    series = response.json()
    assert series["tenant_id"] == "acme"
    assert series["bucket"] == "day"
    buckets = series["buckets"]
    assert len(buckets) == 30
    today = datetime.now(UTC).date().isoformat()
    assert buckets[-1]["start"].startswith(today)
    # The forgotten memory and globex's are not counted.
    assert buckets[-1]["total"] == 3
    assert sum(b["by_type"].get("preference", 0) for b in buckets) == 1
    assert all(b["total"] == 0 for b in buckets[:-1])
    stats = (await client.get("/memory/stats", headers=auth(acme_key))).json()
    assert sum(b["total"] for b in buckets) == stats["total_memories"]

    work = await client.get(
        "/memory/stats/timeline", params={"namespace": "work"}, headers=auth(acme_key)
    )
    assert work.json()["buckets"][-1]["total"] == 1


async def test_timeline_in_weeks_starts_on_mondays(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    await _write(client, acme_key, "Ana prefers trains", memory_type="preference")
    now = datetime.now(UTC)
    params = {"bucket": "week", "since": (now - timedelta(days=20)).isoformat()}

    response = await client.get("/memory/stats/timeline", params=params, headers=auth(acme_key))

    assert response.status_code == 200, response.text
    buckets = response.json()["buckets"]
    assert len(buckets) in (3, 4)
    starts = [datetime.fromisoformat(b["start"]) for b in buckets]
    assert all(s.weekday() == 0 and s.hour == 0 for s in starts)
    assert {b - a for a, b in itertools.pairwise(starts)} == {timedelta(days=7)}
    assert buckets[-1]["by_type"] == {"preference": 1}


async def test_timeline_refuses_bad_spans_with_a_hint(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    for params, field in (
        ({"bucket": "month"}, "bucket"),
        ({"since": "2026-05-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"}, "until"),
        ({"since": "yesterday"}, "since"),
        ({"namespace": "/bad//ns"}, "namespace"),
    ):
        response = await client.get("/memory/stats/timeline", params=params, headers=auth(acme_key))
        error = assert_error(response, 422, "validation_error")
        assert field in response.text, (params, error)
    too_long = await client.get(
        "/memory/stats/timeline", params={"since": "2000-01-01T00:00:00Z"}, headers=auth(acme_key)
    )
    error = assert_error(too_long, 422, "validation_error")
    assert "at most 366" in error["message"]
    assert "weeks" in error["hint"]


async def test_superseded_by_lists_what_a_memory_retired(
    client: httpx.AsyncClient, acme_key: str, globex_key: str
) -> None:
    berlin = await _write(client, acme_key, "Dana lives in Berlin", memory_type="semantic_fact")
    munich = await _write(client, acme_key, "Dana moved to Munich", memory_type="semantic_fact")
    assert munich["superseded"] == [berlin["memory_id"]]

    async def listing(key: str, **params: str) -> httpx.Response:
        return await client.get("/memories", params=params, headers=auth(key))

    retired = await listing(acme_key, status="all", superseded_by=munich["memory_id"])
    assert retired.status_code == 200, retired.text
    assert [m["id"] for m in retired.json()["items"]] == [berlin["memory_id"]]
    assert retired.json()["items"][0]["superseded_by"] == munich["memory_id"]
    # The status filter still applies: retired memories are not active.
    active = await listing(acme_key, superseded_by=munich["memory_id"])
    assert active.json()["items"] == []
    # Berlin retired nothing; another tenant asking about acme's memory learns nothing.
    assert (await listing(acme_key, status="all", superseded_by=berlin["memory_id"])).json()[
        "items"
    ] == []
    assert (await listing(globex_key, status="all", superseded_by=munich["memory_id"])).json()[
        "items"
    ] == []
    bad = await listing(acme_key, superseded_by="")
    assert_error(bad, 422, "validation_error")
    assert "superseded_by" in bad.text
