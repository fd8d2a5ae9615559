"""POST /memory/batch_write and /memory/batch_read, and GET /admin/memories, over the real app."""

from __future__ import annotations

from typing import Any

import httpx

from .server_helpers import ADMIN_KEY, assert_error, auth


async def _stats(client: httpx.AsyncClient, key: str) -> dict[str, Any]:
    response = await client.get("/memory/stats", headers=auth(key))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_batch_write_returns_results_in_input_order(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    contents = [f"Ana visited city number {i} on her tour" for i in range(8)]
    response = await client.post(
        "/memory/batch_write",
        json={"items": [{"content": c} for c in contents], "namespace": "travel"},
        headers=auth(acme_key),
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 8
    listed = await client.get(
        "/admin/memories",
        params={"namespace": "travel"},
        headers=auth(ADMIN_KEY, **{"X-Tenant-ID": "acme"}),
    )
    by_id = {item["id"]: item["text"] for item in listed.json()["items"]}
    assert [by_id[r["memory_id"]] for r in results] == contents


async def test_an_invalid_item_is_a_422_naming_index_and_field(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    items = [{"content": "Fine"}, {"content": "Also fine"}, {"content": "Bad", "importance": 7}]
    response = await client.post(
        "/memory/batch_write", json={"items": items}, headers=auth(acme_key)
    )
    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["items.2.importance"]
    assert "items.2.importance" in error["message"]
    assert (await _stats(client, acme_key))["total_memories"] == 0


async def test_a_secret_in_one_item_stores_nothing(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    items = [
        {"content": "Ana likes jazz"},
        {"content": "my github token is ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
    ]
    response = await client.post(
        "/memory/batch_write", json={"items": items}, headers=auth(acme_key)
    )
    error = assert_error(response, 422, "secret_detected")
    assert error["details"][0]["field"] == "items.1.content"
    assert "abcdefghijklmnop" not in response.text
    assert (await _stats(client, acme_key))["total_memories"] == 0


async def test_batch_size_limits(client: httpx.AsyncClient, acme_key: str) -> None:
    empty = await client.post("/memory/batch_write", json={"items": []}, headers=auth(acme_key))
    assert_error(empty, 422, "validation_error")
    too_many = [{"content": f"n{i}"} for i in range(501)]
    response = await client.post(
        "/memory/batch_write", json={"items": too_many}, headers=auth(acme_key)
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "items"


async def test_the_same_idempotency_key_stores_once(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    body = {"items": [{"content": "Ana likes jazz"}, {"content": "Bo plays chess"}]}
    headers = auth(acme_key, **{"Idempotency-Key": "batch-42"})
    first = await client.post("/memory/batch_write", json=body, headers=headers)
    second = await client.post("/memory/batch_write", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json()["results"] == first.json()["results"]
    assert (await _stats(client, acme_key))["total_memories"] == 2
    other = {"items": [{"content": "Something else entirely"}]}
    conflict = await client.post("/memory/batch_write", json=other, headers=headers)
    assert_error(conflict, 409, "idempotency_conflict")


async def test_batch_write_needs_the_write_scope(
    client: httpx.AsyncClient, read_only_key: str
) -> None:
    response = await client.post(
        "/memory/batch_write", json={"items": [{"content": "x"}]}, headers=auth(read_only_key)
    )
    assert_error(response, 403, "forbidden")


async def test_batch_read_answers_in_query_order(client: httpx.AsyncClient, acme_key: str) -> None:
    items = [{"content": "Ana plays the cello"}, {"content": "Bo grows tomatoes"}]
    await client.post("/memory/batch_write", json={"items": items}, headers=auth(acme_key))
    queries = [{"query": "tomatoes garden", "format": "list"}, {"query": "cello music"}]
    response = await client.post(
        "/memory/batch_read", json={"queries": queries}, headers=auth(acme_key)
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["query"] for r in results] == ["tomatoes garden", "cello music"]
    assert results[0]["memories"][0]["text"] == "Bo grows tomatoes"
    assert results[1]["memories"][0]["text"] == "Ana plays the cello"


async def test_admin_memories_needs_an_admin_key(client: httpx.AsyncClient, acme_key: str) -> None:
    assert_error(await client.get("/admin/memories"), 401, "authentication_required")
    error = assert_error(
        await client.get("/admin/memories", headers=auth(acme_key)), 403, "forbidden"
    )
    assert "admin" in error["message"]


async def test_admin_memories_pages_with_a_cursor(client: httpx.AsyncClient, acme_key: str) -> None:
    items = [{"content": f"Fact {i}: the bridge has {i} arches"} for i in range(5)]
    await client.post("/memory/batch_write", json={"items": items}, headers=auth(acme_key))
    headers = auth(ADMIN_KEY, **{"X-Tenant-ID": "acme"})
    seen: list[str] = []
    params: dict[str, str] = {"per_page": "2"}
    while True:
        response = await client.get("/admin/memories", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert len(seen) == 5
    assert seen == sorted(seen)


async def test_admin_memories_lists_the_tenant_named_by_tenant_id(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    await client.post(
        "/memory/write", json={"content": "Acme ships on Fridays"}, headers=auth(acme_key)
    )
    admin_own = await client.get("/admin/memories", headers=auth(ADMIN_KEY))
    assert admin_own.status_code == 200, admin_own.text
    assert all(item["text"] != "Acme ships on Fridays" for item in admin_own.json()["items"])
    listed = await client.get(
        "/admin/memories", params={"tenant_id": "acme"}, headers=auth(ADMIN_KEY)
    )
    assert listed.status_code == 200, listed.text
    assert [item["text"] for item in listed.json()["items"]] == ["Acme ships on Fridays"]


async def test_admin_memories_refuses_bad_parameters(client: httpx.AsyncClient) -> None:
    headers = auth(ADMIN_KEY)
    for params, field in [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "501"}, "per_page"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "sleeping"}, "status"),
        ({"type": "gossip"}, "type.0"),
        ({"namespace": "a//b"}, "namespace"),
        ({"page": "2"}, "page"),
        ({"tenant_id": "../etc"}, "tenant_id"),
        ({"tenant_id": "a/b"}, "tenant_id"),
        ({"tenant_id": "t" * 65}, "tenant_id"),
    ]:
        response = await client.get("/admin/memories", params=params, headers=headers)
        error = assert_error(response, 422, "validation_error")
        assert error["details"][0]["field"] == field, params


async def test_admin_memories_filters_by_repeated_type(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    items = [
        {"content": "Never call after 9pm", "memory_type": "constraint"},
        {"content": "I prefer tea", "memory_type": "preference"},
        {"content": "Went to Porto", "memory_type": "episodic_event"},
    ]
    await client.post("/memory/batch_write", json={"items": items}, headers=auth(acme_key))
    response = await client.get(
        "/admin/memories",
        params=[("type", "constraint"), ("type", "preference"), ("page", "1")],
        headers=auth(ADMIN_KEY, **{"X-Tenant-ID": "acme"}),
    )
    assert response.status_code == 200, response.text
    assert sorted(i["type"] for i in response.json()["items"]) == ["constraint", "preference"]
