"""Rate limiting per API key: the token bucket, the 429 the server sends, and the SDK's retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import cml
from cml.engine import open_engine
from cml.server.app import create_app
from cml.server.ratelimit import RateLimiter, retry_after_seconds
from cml.server.settings import ServerSettings

USER_KEY = "rate-user-key"
ADMIN_KEY = "rate-admin-key"
BASE_URL = "http://cml.test"
WRITE = f"{BASE_URL}/api/v1/memory/write"
STATS = f"{BASE_URL}/api/v1/memory/stats"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the bucket --------------------------------------------------------------------------------


def test_a_bucket_allows_its_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.acquire("k") for _ in range(3)] == [None, None, None]
    assert limiter.acquire("k") == pytest.approx(0.5)  # one token comes back in 1/rate s
    clock.now += 0.5
    assert limiter.acquire("k") is None
    assert limiter.acquire("k") == pytest.approx(0.5)
    clock.now += 60  # a long pause refills to the burst, not beyond
    assert [limiter.acquire("k") for _ in range(4)][-1] is not None


def test_a_refused_request_takes_nothing_from_the_bucket() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock)
    assert limiter.acquire("k") is None
    for _ in range(5):
        assert limiter.acquire("k") == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.acquire("k") is None


def test_keys_have_separate_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=1, clock=Clock())
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is not None
    assert limiter.acquire("b") is None


def test_buckets_of_idle_keys_are_dropped() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=10.0, burst=5, clock=clock)
    for n in range(2000):
        limiter.acquire(f"key-{n}")
    clock.now += 1.0  # every bucket is full again: it carries no information
    for _ in range(1024):
        limiter.acquire("busy")
    assert len(limiter) < 10


@pytest.mark.parametrize(("wait", "header"), [(0.001, 1), (0.5, 1), (1.0, 1), (1.01, 2), (4, 4)])
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one(wait: float, header: int) -> None:
    assert retry_after_seconds(wait) == header


def test_the_limiter_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate=0, burst=1)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(rate=1, burst=0)


# -- the server --------------------------------------------------------------------------------


def _settings(tmp_path: Path, **overrides: Any) -> ServerSettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{(tmp_path / 'rate.db').as_posix()}",
        "embedding_provider": "hash",
        "api_key": USER_KEY,
        "admin_api_key": ADMIN_KEY,
        **overrides,
    }
    return ServerSettings(**values)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    """Build the real app with the given settings overrides (engines closed afterwards)."""
    engines = []

    def make(**overrides: Any) -> FastAPI:
        settings = _settings(tmp_path, **overrides)
        engine = open_engine(settings.to_engine_config())
        engines.append(engine)
        return create_app(settings, engine=engine)

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
async def http(make_app: Any) -> AsyncIterator[Any]:
    """An httpx client of an app built with the given overrides."""
    clients: list[httpx.AsyncClient] = []

    def make(**overrides: Any) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(**overrides)))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def _key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


async def test_over_the_limit_the_server_answers_429_with_retry_after(http: Any) -> None:
    client = http(rate_limit_per_second=0.25, rate_limit_burst=2)
    for _ in range(2):
        assert (await client.get(STATS, headers=_key(USER_KEY))).status_code == 200
    response = await client.get(STATS, headers=_key(USER_KEY))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "4"  # one token every 4 s
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert "0.25 units of work per second" in error["message"]
    assert "Retry after 4 s" in error["message"]
    assert "CML_RATE_LIMIT_PER_SECOND" in error["hint"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert USER_KEY not in response.text


async def test_a_refused_write_stores_nothing(http: Any) -> None:
    client = http(rate_limit_per_second=0.1, rate_limit_burst=2)
    for content in ["The user keeps bees on the roof", "A second hive arrived"]:
        accepted = await client.post(WRITE, json={"content": content}, headers=_key(USER_KEY))
        assert accepted.status_code == 200
    refused = await client.post(WRITE, json={"content": "A third hive"}, headers=_key(USER_KEY))
    assert refused.status_code == 429
    stats = await client.get(STATS, headers=_key(ADMIN_KEY))
    assert stats.json()["total_memories"] == 2


async def test_each_key_has_its_own_limit(http: Any) -> None:
    client = http(rate_limit_per_second=0.1, rate_limit_burst=1)
    assert (await client.get(STATS, headers=_key(USER_KEY))).status_code == 200
    assert (await client.get(STATS, headers=_key(USER_KEY))).status_code == 429
    assert (await client.get(STATS, headers=_key(ADMIN_KEY))).status_code == 200


async def test_requests_without_a_valid_key_do_not_use_up_a_key(http: Any) -> None:
    client = http(rate_limit_per_second=0.1, rate_limit_burst=2)
    for headers in [{}, _key("not-a-key"), {"Authorization": "Bearer wrong"}] * 3:
        assert (await client.get(STATS, headers=headers)).status_code == 401
    for _ in range(2):
        assert (await client.get(STATS, headers=_key(USER_KEY))).status_code == 200


async def test_health_is_never_limited(http: Any) -> None:
    client = http(rate_limit_per_second=0.1, rate_limit_burst=1)
    assert (await client.get(STATS, headers=_key(USER_KEY))).status_code == 200
    assert (await client.get(STATS, headers=_key(USER_KEY))).status_code == 429
    for _ in range(20):
        health = await client.get(f"{BASE_URL}/api/v1/health", headers=_key(USER_KEY))
        assert health.status_code == 200


async def test_zero_turns_limiting_off(http: Any) -> None:
    client = http(rate_limit_per_second=0, rate_limit_burst=1)
    for _ in range(30):
        assert (await client.get(STATS, headers=_key(USER_KEY))).status_code == 200


async def test_without_auth_nothing_is_limited(http: Any) -> None:
    # Embedded mode: no key, so no bucket to count against.
    client = http(auth_enabled=False, rate_limit_per_second=0.1, rate_limit_burst=1)
    for _ in range(10):
        assert (await client.get(STATS)).status_code == 200


def test_limiting_is_on_by_default_and_documented() -> None:
    settings = ServerSettings()
    assert settings.rate_limit_per_second == 50
    assert settings.rate_limit_burst == 100


# -- the SDK -----------------------------------------------------------------------------------


class Counting(httpx.AsyncBaseTransport):
    """The real app over ASGI, counting the 429 answers the SDK received."""

    def __init__(self, app: FastAPI) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response


async def test_the_async_client_waits_out_a_429_without_the_caller_noticing(make_app: Any) -> None:
    # A token returns only every 4 s: on a busy machine the first writes can take a second
    # each, and at 1 per second no request would wait at all.
    transport = Counting(make_app(rate_limit_per_second=0.25, rate_limit_burst=2))
    async with cml.AsyncCognitiveMemoryLayer(
        USER_KEY, base_url=BASE_URL, max_retries=3, transport=transport
    ) as memory:
        written = [await memory.write(f"Plant {name} by the fence") for name in "ABC"]
        stats = await memory.stats()
    assert all(w.success for w in written)
    assert transport.statuses.count(429) >= 1  # the limit was hit, and retried through
    assert stats.total_memories == 3  # each write stored once


async def test_without_retries_the_async_client_raises_rate_limit_error(make_app: Any) -> None:
    # One token every 100 s: however long the first write takes on a busy machine (the first
    # one loads the embedder), no token returns before the second.
    app = make_app(rate_limit_per_second=0.01, rate_limit_burst=1)
    async with cml.AsyncCognitiveMemoryLayer(
        USER_KEY, base_url=BASE_URL, max_retries=0, transport=httpx.ASGITransport(app=app)
    ) as memory:
        await memory.write("Water the tomatoes at dawn")
        with pytest.raises(cml.RateLimitError) as caught:
            await memory.write("Water the peppers at dusk")
    assert caught.value.status_code == 429
    assert caught.value.code == "rate_limited"
    assert caught.value.retry_after is not None
    assert 90.0 <= caught.value.retry_after <= 100.0  # the seconds until the token returns
    assert "CML_RATE_LIMIT_PER_SECOND" in str(caught.value)


def test_the_sync_client_retries_through_a_limited_server(tmp_path: Path, launcher: Any) -> None:
    data_dir = tmp_path / "data"
    env = launcher.env(
        data_dir,
        CML_API_KEY=USER_KEY,
        CML_RATE_LIMIT_PER_SECOND="0.5",  # slow enough that a busy machine still hits it
        CML_RATE_LIMIT_BURST="2",
    )
    with launcher.serve(env, data_dir) as server:
        base_url = f"http://127.0.0.1:{server.port}"
        with cml.CognitiveMemoryLayer(USER_KEY, base_url=base_url, max_retries=3) as memory:
            written = [memory.write(f"Fence post {name} needs paint") for name in "ABC"]
            assert all(w.success for w in written)
        with cml.CognitiveMemoryLayer(USER_KEY, base_url=base_url, max_retries=0) as memory:

            def hammer() -> None:
                for _ in range(5):
                    memory.stats()

            with pytest.raises(cml.RateLimitError) as caught:
                hammer()
            assert caught.value.retry_after is not None
            assert caught.value.retry_after >= 1
        with cml.CognitiveMemoryLayer(USER_KEY, base_url=base_url, max_retries=3) as memory:
            assert memory.stats().total_memories == 3
