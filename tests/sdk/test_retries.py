"""Which failures are retried, how long the client waits, and that a retried write keeps its key."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import cml
from cml import _core
from cml._sync.transport import send
from cml.config import CMLConfig
from cml.exceptions import parse_retry_after
from cml.models import routes
from cml.models.routes import Route

from .scripted import READ_OK, WRITE_OK, ScriptedServer, error

Make = Callable[..., cml.CognitiveMemoryLayer]
MakeAsync = Callable[..., cml.AsyncCognitiveMemoryLayer]

OK = httpx.Response(200, json=WRITE_OK)


def test_a_write_retried_after_503_keeps_its_idempotency_key(make_client: Make) -> None:
    server = ScriptedServer(error(503, "unavailable"), error(503, "unavailable"), OK)
    client = make_client(server, max_retries=3)

    result = client.write("A fact")

    assert result.success
    keys = {r.headers["Idempotency-Key"] for r in server.requests}
    assert len(server.requests) == 3
    assert len(keys) == 1


async def test_async_write_retried_after_connection_errors_keeps_its_key(
    make_async_client: MakeAsync,
) -> None:
    server = ScriptedServer(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), OK)
    client = make_async_client(server)

    result = await client.write("A fact", idempotency_key="mine")

    assert result.success
    assert [r.headers["Idempotency-Key"] for r in server.requests] == ["mine"] * 3


def test_429_is_retried(make_client: Make) -> None:
    server = ScriptedServer(error(429, "rate_limited", headers={"Retry-After": "1"}), OK)
    client = make_client(server)

    client.write("A fact")

    assert len(server.requests) == 2


def test_retries_stop_after_max_retries(make_client: Make) -> None:
    server = ScriptedServer(error(503, "unavailable"))
    client = make_client(server, max_retries=2)

    with pytest.raises(cml.ServiceUnavailableError, match="after 2 retries"):
        client.read("anything")

    assert len(server.requests) == 3


def test_zero_max_retries_sends_once(make_client: Make) -> None:
    server = ScriptedServer(httpx.ConnectError("refused"))
    client = make_client(server, max_retries=0)

    with pytest.raises(cml.APIConnectionError):
        client.health()

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "bad_request"), (401, "x"), (403, "x"), (404, "x"), (409, "x"), (422, "x")],
)
def test_client_errors_are_not_retried(make_client: Make, status: int, code: str) -> None:
    server = ScriptedServer(error(status, code))
    client = make_client(server)

    with pytest.raises(cml.APIError):
        client.write("A fact")

    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_ambiguous_failures_are_retried_for_keyed_writes(make_client: Make, status: int) -> None:
    server = ScriptedServer(error(status, "boom"), OK)
    client = make_client(server)

    client.write("A fact")

    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "answer", [error(500, "internal_error"), error(504, "x"), httpx.ReadTimeout("slow")]
)
def test_key_creation_is_not_repeated_when_it_may_have_happened(
    make_client: Make, answer: httpx.Response | Exception
) -> None:
    # The admin route has no idempotency key: a repeat could mint a second API key.
    server = ScriptedServer(answer)
    client = make_client(server)

    with pytest.raises((cml.ServerError, cml.APITimeoutError)):
        client.create_api_key("acme")

    assert len(server.requests) == 1


def test_key_creation_is_retried_when_nothing_happened(make_client: Make) -> None:
    created = {
        "id": "k-1",
        "tenant_id": "acme",
        "scopes": ["read"],
        "prefix": "cml_x",
        "created_at": "2026-01-01T00:00:00Z",
        "key": "cml_x_secret",
    }
    server = ScriptedServer(
        httpx.ConnectError("refused"), error(503, "unavailable"), httpx.Response(201, json=created)
    )
    client = make_client(server)

    assert client.create_api_key("acme").key == "cml_x_secret"
    assert len(server.requests) == 3


def test_timeouts_of_reads_are_retried(make_client: Make) -> None:
    server = ScriptedServer(httpx.ReadTimeout("slow"), httpx.Response(200, json=READ_OK))
    client = make_client(server)

    assert client.read("anything").total_count == 0
    assert len(server.requests) == 2


def _waits(server: ScriptedServer, route: Route[Any], **settings: Any) -> list[float]:
    """Send one call through the sync loop and return the waits it asked for."""
    config = CMLConfig(base_url="http://cml.test", **settings)
    core = _core.ClientCore(config, random_source=random.Random(1))
    body = {"content": "A fact"} if route.request is not None else None
    waits: list[float] = []
    with httpx.Client(transport=server.transport) as http:
        send(http, core, core.build(route, body), sleep=waits.append)
    return waits


def test_retry_after_seconds_is_honoured() -> None:
    server = ScriptedServer(error(429, "rate_limited", headers={"Retry-After": "3"}), OK)

    assert _waits(server, routes.WRITE) == [3.0]


def test_retry_after_is_capped() -> None:
    server = ScriptedServer(error(503, "unavailable", headers={"Retry-After": "3600"}), OK)

    assert _waits(server, routes.WRITE, retry_after_max=20.0) == [20.0]


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    server = ScriptedServer(*[error(503, "unavailable")] * 3, OK)

    waits = _waits(server, routes.WRITE, backoff_initial=1.0, backoff_max=3.0)

    assert len(waits) == 3
    for wait, ceiling in zip(waits, [1.0, 2.0, 3.0], strict=True):
        assert 0.75 * ceiling <= wait <= ceiling


def test_no_waits_without_retries() -> None:
    server = ScriptedServer(OK)

    assert _waits(server, routes.WRITE, max_retries=3) == []


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)

    wait = parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now)

    assert wait == 30.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2.5", 2.5),
        ("-4", 0.0),
        ("soon", None),
        (None, None),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),
    ],
)
def test_retry_after_values(header: str | None, expected: float | None) -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after(header, now=now) == expected
