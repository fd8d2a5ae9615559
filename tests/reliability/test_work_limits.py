"""Limits by work (issue 18 item 8): one key cannot pin the server with a few large requests.

Four ``batch_read`` requests of 100 queries of 4,000 characters once kept a store busy for
~38 s each. Now the rate limit charges by the text a request asks the server to process, one key
runs at most two batches at once, and a batch that runs past the server's deadline is refused
whole with ``413 deadline_exceeded``; normal traffic, and other keys, are not affected.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import cml
from cml.engine import open_engine
from cml.models import BatchWriteItem, BatchWriteRequest
from cml.server.app import create_app
from cml.server.ratelimit import RateLimiter
from cml.server.settings import ServerSettings
from cml.server.work import units

HEAVY = "heavy-key-0123456789"
LIGHT = "light-key-0123456789"
ADMIN = "work-admin-key-0123456789"
WORDS = ["harbour", "lantern", "orchard", "quarry", "saddle", "thimble", "violin", "walrus"]


def _query(rng: random.Random, chars: int = 4000) -> str:
    text = ""
    while len(text) < chars:
        text += rng.choice(WORDS) + f"{rng.randrange(1000)} "
    return text[:chars].strip()


def _heavy_body(queries: int = 100, seed: int = 8) -> dict[str, Any]:
    rng = random.Random(seed)
    return {"queries": [{"query": _query(rng), "format": "list"} for _ in range(queries)]}


def test_a_request_costing_more_than_the_burst_needs_a_full_bucket_and_leaves_a_debt() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=10, burst=100, clock=lambda: now[0])
    assert limiter.acquire("k", 5) is None  # 95 left
    wait = limiter.acquire("k", 500)
    assert wait == pytest.approx(0.5)  # needs a full bucket: 5 tokens short at 10 per second
    now[0] = 0.5
    assert limiter.acquire("k", 500) is None  # full: goes ahead, 400 in debt
    wait = limiter.acquire("k")
    assert wait == pytest.approx(40.1)  # the debt is repaid before anything else goes
    assert limiter.acquire("other") is None  # other keys are not affected


def test_work_is_one_unit_per_text_plus_its_size() -> None:
    assert units(["short"], 1000) == 1  # as any request: normal traffic costs what it did
    assert units(["x" * 999], 1000) == 1
    assert units(["x" * 4000] * 100, 1000) == 401
    assert units(["x" * 200] * 500, 1000) == 101


def _settings(data_dir: Path, **overrides: Any) -> ServerSettings:
    base = ServerSettings(
        data_dir=data_dir, embedding_provider="hash", admin_api_key=ADMIN, api_key=LIGHT
    )
    return base.model_copy(update=overrides)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    """The real app, 1 unit per second with bursts of 100, and a second key."""
    settings = _settings(tmp_path / "data", rate_limit_per_second=1, rate_limit_burst=100)
    engine = open_engine(settings.to_engine_config())
    with TestClient(create_app(settings, engine=engine), base_url="http://test/api/v1") as client:
        created = client.post(
            "/admin/keys",
            json={"tenant_id": "default", "scopes": ["read", "write"]},
            headers={"X-API-Key": ADMIN},
        )
        client.headers["X-Heavy-Key"] = created.json()["key"]
        yield client
    engine.close()


def test_the_rate_limit_charges_by_work_not_by_request(limited: TestClient) -> None:
    heavy = {"X-API-Key": limited.headers["X-Heavy-Key"]}
    light = {"X-API-Key": LIGHT}
    # Normal traffic: 60 short reads, one after the other, all answered.
    for n in range(60):
        answer = limited.post("/memory/read", json={"query": f"violin {n}"}, headers=light)
        assert answer.status_code == 200, answer.text
    # 40 queries of 4,000 characters cost 161 units: more than the bucket, so they need it
    # full, and the key then waits for the debt (at 1 unit per second) before anything else.
    answer = limited.post("/memory/batch_read", json=_heavy_body(40), headers=heavy)
    assert answer.status_code == 200, answer.text
    refused = limited.get("/memory/stats", headers=heavy)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 55
    assert "CML_RATE_LIMIT_UNIT_CHARS" in refused.json()["error"]["message"]
    # The other key is not affected; whoami costs nothing (the MCP endpoint calls it each time).
    assert limited.get("/memory/stats", headers=light).status_code == 200
    for _ in range(150):
        assert limited.get("/whoami", headers=light).status_code == 200
    assert limited.get("/memory/stats", headers=light).status_code == 200


@pytest.fixture(scope="module")
def served(launcher: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``cml serve`` over 1,200 memories, no deadline, the default batch cap."""
    data_dir = tmp_path_factory.mktemp("work") / "data"
    env = launcher.env(
        data_dir,
        CML_API_KEY=HEAVY,
        CML_ADMIN_API_KEY=ADMIN,
        CML_RATE_LIMIT_PER_SECOND="0",
        CML_REQUEST_DEADLINE_SECONDS="0",
    )
    rng = random.Random(18)
    with launcher.serve(env, data_dir) as server, httpx.Client(base_url=server.url) as http:
        for _ in range(4):
            items = [{"content": _query(rng, 600)} for _ in range(300)]
            stored = http.post(
                "/memory/batch_write",
                json={"items": items},
                headers={"X-API-Key": HEAVY},
                timeout=300,
            )
            assert stored.status_code == 200, stored.text
        yield server.url


def test_four_concurrent_heavy_batches_of_one_key_are_capped_at_two(served: str) -> None:
    start = threading.Barrier(4)
    answers: list[httpx.Response] = []

    def heavy(seed: int) -> None:
        body = _heavy_body(seed=seed)
        with httpx.Client(base_url=served, timeout=600) as http:
            start.wait()
            answers.append(http.post("/memory/batch_read", json=body, headers={"X-API-Key": HEAVY}))

    threads = [threading.Thread(target=heavy, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    # Meanwhile, a light request of the same key and one of another key are answered.
    time.sleep(0.5)
    with httpx.Client(base_url=served, timeout=60) as http:
        assert http.get("/memory/stats", headers={"X-API-Key": HEAVY}).status_code == 200
        assert http.get("/health").status_code == 200
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 200, 429, 429], [a.text[:200] for a in answers]
    for answer in answers:
        if answer.status_code == 429:
            error = answer.json()["error"]
            assert error["code"] == "too_many_concurrent"
            assert "CML_MAX_CONCURRENT_BATCHES_PER_KEY" in error["hint"]
            assert answer.headers["Retry-After"] == "1"
        else:
            assert len(answer.json()["results"]) == 100


def test_a_deadline_bounds_a_long_batch_read(tmp_path: Path, launcher: Any) -> None:
    data_dir = tmp_path / "data"
    engine = open_engine(_settings(data_dir).to_engine_config())  # seeded without a deadline
    rng = random.Random(3)
    items = [BatchWriteItem(content=_query(rng, 600)) for _ in range(300)]
    engine.memories.write_batch("default", BatchWriteRequest(items=items))
    engine.close()
    # No rate limit here: the 500 units of the heavy batch would make the next request wait.
    env = launcher.env(
        data_dir,
        CML_API_KEY=HEAVY,
        CML_REQUEST_DEADLINE_SECONDS="1",
        CML_RATE_LIMIT_PER_SECOND="0",
    )
    with launcher.serve(env, data_dir) as server, httpx.Client(base_url=server.url) as http:
        started = time.monotonic()
        answer = http.post(
            "/memory/batch_read", json=_heavy_body(), headers={"X-API-Key": HEAVY}, timeout=300
        )
        elapsed = time.monotonic() - started
        assert answer.status_code == 413, answer.text
        error = answer.json()["error"]
        assert error["code"] == "deadline_exceeded"
        assert "1 s deadline" in error["message"]
        assert "of 100 queries were done" in error["message"]
        assert "none is answered" in error["message"]
        assert "Split it into smaller batches" in error["hint"]
        assert "Retry-After" not in answer.headers
        assert elapsed < 30  # one query past the deadline at most, not the whole batch
        # Small batches still go through; the SDK reports the refusal without retrying it.
        small = http.post(
            "/memory/batch_read",
            json={"queries": [{"query": "violin"}, {"query": "walrus"}]},
            headers={"X-API-Key": HEAVY},
        )
        assert small.status_code == 200
        base = server.url.removesuffix("/api/v1")
        with cml.CognitiveMemoryLayer(HEAVY, base_url=base, timeout=300) as sdk:
            # Other queries than the first batch's: their embeddings are not cached yet.
            with pytest.raises(cml.ValidationError) as raised:
                sdk.batch_read([q["query"] for q in _heavy_body(seed=9)["queries"]])
            assert raised.value.code == "deadline_exceeded"


def test_a_batch_write_past_the_deadline_stores_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data", request_deadline_seconds=0.001)
    engine = open_engine(settings.to_engine_config())
    with TestClient(create_app(settings, engine=engine), base_url="http://test/api/v1") as client:
        light = {"X-API-Key": LIGHT}
        items = [{"content": f"Tune string {n} of the violin"} for n in range(50)]
        answer = client.post("/memory/batch_write", json={"items": items}, headers=light)
        assert answer.status_code == 413, answer.text
        error = answer.json()["error"]
        assert error["code"] == "deadline_exceeded"
        assert "nothing was stored" in error["message"]
        assert "CML_REQUEST_DEADLINE_SECONDS" in error["hint"]
        assert client.get("/memory/stats", headers=light).json()["total_memories"] == 0
        # Single requests have no loop to stop between items: they are not refused.
        assert client.post("/memory/write", json=items[0], headers=light).status_code == 200
    engine.close()
