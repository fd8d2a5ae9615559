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


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/memory/read", {"query": "jazz", "max_results": "10"}, "max_results"),
        ("/memory/read", {"query": "jazz", "max_results": True}, "max_results"),
        ("/memory/read", {"query": "jazz", "max_tokens": "500"}, "max_tokens"),
        ("/memory/turn", {"user_message": "hi", "max_context_tokens": "500"}, "max_context_tokens"),
        ("/memory/write", {"content": "Eve likes jazz", "importance": "0.5"}, "importance"),
        ("/memory/write", {"content": "Eve likes jazz", "confidence": True}, "confidence"),
        ("/memory/forget", {"query": "jazz", "threshold": "0.9"}, "threshold"),
    ],
)
async def test_a_number_must_be_a_json_number(
    client: httpx.AsyncClient, acme_key: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(path, json=body, headers=auth(acme_key))
    error = assert_error(response, 422, "validation_error")
    assert _fields(error) == [field]
    stats = await client.get("/memory/stats", headers=auth(acme_key))
    assert stats.json()["total_memories"] == 0


async def test_json_numbers_are_still_accepted(client: httpx.AsyncClient, acme_key: str) -> None:
    written = await client.post(
        "/memory/write",
        json={"content": "Eve likes jazz", "importance": 1, "confidence": 0.5},
        headers=auth(acme_key),
    )
    assert written.status_code == 200, written.text
    response = await client.post(
        "/memory/read", json={"query": "jazz", "max_results": 3}, headers=auth(acme_key)
    )
    assert response.status_code == 200, response.text
    assert [m["text"] for m in response.json()["memories"]] == ["Eve likes jazz"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
async def test_a_body_not_in_utf8_is_400(
    client: httpx.AsyncClient, acme_key: str, encoding: str
) -> None:
    response = await client.post(
        "/memory/write",
        content='{"content": "Eve likes jazz"}'.encode(encoding),
        headers=auth(acme_key, **{"Content-Type": "application/json"}),
    )
    error = assert_error(response, 400, "bad_request")
    assert "UTF-8" in error["message"]
    stats = await client.get("/memory/stats", headers=auth(acme_key))
    assert stats.json()["total_memories"] == 0


async def test_a_declared_charset_other_than_utf8_is_415(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    response = await client.post(
        "/memory/write",
        content='{"content": "Eve likes jazz"}'.encode("utf-16"),
        headers=auth(acme_key, **{"Content-Type": "application/json; charset=utf-16"}),
    )
    error = assert_error(response, 415, "unsupported_media_type")
    assert "UTF-8" in error["message"]
    utf8 = await client.post(
        "/memory/write",
        json={"content": "Eve likes jazz"},
        headers=auth(acme_key, **{"Content-Type": "application/json; charset=UTF-8"}),
    )
    assert utf8.status_code == 200, utf8.text
