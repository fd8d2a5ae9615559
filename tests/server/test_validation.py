"""Bad input on every route comes back as the error envelope, naming the field at fault."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .server_helpers import assert_error, auth

POST_ROUTES = ["/memory/write", "/memory/read", "/memory/turn", "/memory/update", "/memory/forget"]


def _fields(error: dict[str, Any]) -> list[str]:
    return [detail["field"] for detail in error["details"]]


@pytest.mark.parametrize("path", POST_ROUTES)
async def test_an_empty_object_is_422(client: httpx.AsyncClient, acme_key: str, path: str) -> None:
    response = await client.post(path, json={}, headers=auth(acme_key))
    error = assert_error(response, 422, "validation_error")
    assert error["details"]
    assert error["message"].startswith("Invalid request: ")


@pytest.mark.parametrize("path", POST_ROUTES)
async def test_malformed_json_is_400(client: httpx.AsyncClient, acme_key: str, path: str) -> None:
    response = await client.post(
        path,
        content=b'{"content": "unterminated',
        headers=auth(acme_key, **{"Content-Type": "application/json"}),
    )
    error = assert_error(response, 400, "bad_request")
    assert "JSON" in error["message"]


@pytest.mark.parametrize("path", [*POST_ROUTES, "/admin/keys"])
async def test_a_non_json_content_type_is_415(
    client: httpx.AsyncClient, acme_key: str, path: str
) -> None:
    response = await client.post(
        path,
        content=b"content=hello",
        headers=auth(acme_key, **{"Content-Type": "application/x-www-form-urlencoded"}),
    )
    assert_error(response, 415, "unsupported_media_type")


async def test_a_missing_field_is_named(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post("/memory/write", json={"context_tags": []}, headers=auth(acme_key))
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == ["content"]
    assert "content" in error["message"]


async def test_a_wrong_type_is_named_with_its_path(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    response = await client.post(
        "/memory/write",
        json={"content": "Eve likes jazz", "context_tags": ["music", 7]},
        headers=auth(acme_key),
    )
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == ["context_tags.1"]


@pytest.mark.parametrize("content", ["", "   \n\t"])
async def test_empty_content_is_422(client: httpx.AsyncClient, acme_key: str, content: str) -> None:
    response = await client.post("/memory/write", json={"content": content}, headers=auth(acme_key))
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == ["content"]


async def test_nul_in_content_is_422(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/write", json={"content": "before\x00after"}, headers=auth(acme_key)
    )
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == ["content"]
    assert "NUL" in error["details"][0]["message"]


async def test_an_unknown_field_is_refused(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/read", json={"query": "jazz", "max_result": 3}, headers=auth(acme_key)
    )
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == ["max_result"]


async def test_a_non_object_body_is_422(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post("/memory/write", json=["content"], headers=auth(acme_key))
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == ["body"]


async def test_rejected_input_is_not_echoed(client: httpx.AsyncClient, acme_key: str) -> None:
    marker = "do-not-echo-this-value"
    response = await client.post(
        "/memory/read", json={"query": "x", "max_results": marker}, headers=auth(acme_key)
    )
    assert_error(response, 422, "validation_error")
    assert marker not in response.text


async def test_a_cross_field_rule_is_reported(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post("/memory/update", json={"memory_id": "m1"}, headers=auth(acme_key))
    error = assert_error(response, 422, "validation_error")
    assert "at least one of" in error["message"]
    assert "Value error" not in error["message"]


@pytest.mark.parametrize("tenant", ["-leading-dash", "has space", "x" * 65, "ünïcode"])
async def test_a_bad_tenant_header_is_422(
    client: httpx.AsyncClient, acme_key: str, tenant: str
) -> None:
    response = await client.get(
        "/memory/stats",
        headers=[(b"X-API-Key", acme_key.encode()), (b"X-Tenant-ID", tenant.encode("utf-8"))],
    )
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == ["X-Tenant-ID"]


async def test_an_unknown_route_is_404_in_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/memory/nothing-here")
    assert_error(response, 404, "not_found")


async def test_a_wrong_method_is_405_in_the_envelope(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    response = await client.get("/memory/write", headers=auth(acme_key))
    assert_error(response, 405, "method_not_allowed")


async def test_a_body_without_content_type_is_415(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/write", content=b'{"content": "Judy runs marathons"}', headers=auth(acme_key)
    )
    assert "content-type" not in response.request.headers
    assert_error(response, 415, "unsupported_media_type")


async def test_a_missing_body_is_422(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post("/memory/write", headers=auth(acme_key))
    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "body", "message": "a JSON object body is required"}]


async def test_json_with_a_charset_is_accepted(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/write",
        content=b'{"content": "Judy runs marathons"}',
        headers=auth(acme_key, **{"Content-Type": "application/json; charset=utf-8"}),
    )
    assert response.status_code == 200
