"""Request ids, the body size limit and the last-resort 500."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cml.engine import Engine
from cml.server.app import create_app

from .server_helpers import assert_error, auth, make_settings


async def test_a_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "trace-42.a:b"})
    assert response.headers["x-request-id"] == "trace-42.a:b"


async def test_a_request_id_is_generated_when_absent_or_unsafe(client: httpx.AsyncClient) -> None:
    plain = await client.get("/health")
    unsafe = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert plain.headers["x-request-id"]
    assert unsafe.headers["x-request-id"] not in ("", "bad id\twith spaces")
    assert plain.headers["x-request-id"] != unsafe.headers["x-request-id"]


async def test_errors_carry_the_clients_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/memory/stats", headers={"X-Request-ID": "req-7"})
    error = assert_error(response, 401, "authentication_required")
    assert error["request_id"] == "req-7"


@pytest.fixture
async def small_client(tmp_path: Path, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path / "small", max_request_bytes=1024), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


async def test_a_declared_oversized_body_is_413(
    small_client: httpx.AsyncClient, acme_key: str
) -> None:
    response = await small_client.post(
        "/memory/write", json={"content": "x" * 2000}, headers=auth(acme_key)
    )
    error = assert_error(response, 413, "payload_too_large")
    assert "1024" in error["message"]


async def test_a_streamed_oversized_body_is_413(
    small_client: httpx.AsyncClient, acme_key: str
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"content": "'
        for _ in range(10):
            yield b"y" * 200
        yield b'"}'

    response = await small_client.post(
        "/memory/write",
        content=chunks(),
        headers=auth(acme_key, **{"Content-Type": "application/json"}),
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")
    stats = await small_client.get("/memory/stats", headers=auth(acme_key))
    assert stats.json()["total_memories"] == 0


async def test_a_streamed_body_under_the_limit_is_accepted(
    small_client: httpx.AsyncClient, acme_key: str
) -> None:
    payload = json.dumps({"content": "Grace takes the 8:15 train"}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield payload[:10]
        yield payload[10:]

    response = await small_client.post(
        "/memory/write",
        content=chunks(),
        headers=auth(acme_key, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 200


async def test_an_unhandled_error_is_a_bare_500(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(make_settings(tmp_path / "boom"), engine=engine)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: db password hunter2")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        with caplog.at_level(logging.ERROR, logger="cml.server"):
            response = await client.get("/boom", headers={"X-Request-ID": "req-boom"})
    error = assert_error(response, 500, "internal_error")
    assert error["request_id"] == "req-boom"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "hunter2" in caplog.text  # the traceback stays in the server log
    assert "req-boom" in caplog.text
