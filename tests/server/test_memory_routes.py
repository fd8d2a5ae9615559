"""The /memory routes over the real app: happy paths, idempotency, secrets, tenant isolation."""

from __future__ import annotations

import httpx

from .server_helpers import DEV_KEY, assert_error, auth


async def _write(client: httpx.AsyncClient, key: str, content: str, **fields: object) -> str:
    response = await client.post(
        "/memory/write", json={"content": content, **fields}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    memory_id = response.json()["memory_id"]
    assert isinstance(memory_id, str)
    return memory_id


async def test_write_then_read_finds_the_memory(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/write",
        json={"content": "The user prefers window seats on flights", "context_tags": ["travel"]},
        headers=auth(acme_key),
    )
    assert response.status_code == 200
    written = response.json()
    assert written["success"] is True
    assert written["memory_id"]

    response = await client.post(
        "/memory/read",
        json={"query": "window seats on flights", "format": "list"},
        headers=auth(acme_key),
    )
    assert response.status_code == 200
    read = response.json()
    assert read["query"] == "window seats on flights"
    assert [m["id"] for m in read["memories"]] == [written["memory_id"]]
    assert 0.0 <= read["memories"][0]["relevance"] <= 1.0


async def test_turn_stores_the_exchange(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/turn",
        json={"user_message": "I am allergic to peanuts", "assistant_response": "Noted."},
        headers=auth(acme_key),
    )
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["memory_context"], str)
    assert body["memories_stored"] >= 1
    assert len(body["stored_ids"]) == body["memories_stored"]


async def test_update_changes_the_text(client: httpx.AsyncClient, acme_key: str) -> None:
    memory_id = await _write(client, acme_key, "The office is on the third floor")
    response = await client.post(
        "/memory/update",
        json={"memory_id": memory_id, "text": "The office is on the fifth floor"},
        headers=auth(acme_key),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["memory_id"] == memory_id
    assert body["version"] == 2

    read = await client.post(
        "/memory/read", json={"query": "office floor", "format": "list"}, headers=auth(acme_key)
    )
    assert [m["text"] for m in read.json()["memories"]] == ["The office is on the fifth floor"]


async def test_update_of_unknown_memory_is_404(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/update",
        json={"memory_id": "does-not-exist", "confidence": 0.5},
        headers=auth(acme_key),
    )
    assert_error(response, 404, "not_found")


async def test_forget_by_id_hides_the_memory(client: httpx.AsyncClient, acme_key: str) -> None:
    memory_id = await _write(client, acme_key, "The wifi password hint is the cat's name")
    response = await client.post(
        "/memory/forget", json={"memory_ids": [memory_id]}, headers=auth(acme_key)
    )
    assert response.status_code == 200
    assert response.json()["affected_count"] == 1
    assert response.json()["memory_ids"] == [memory_id]

    read = await client.post(
        "/memory/read", json={"query": "wifi hint cat", "format": "list"}, headers=auth(acme_key)
    )
    assert read.json()["memories"] == []


async def test_stats_counts_the_tenants_memories(client: httpx.AsyncClient, acme_key: str) -> None:
    await _write(client, acme_key, "Alice leads the design team", namespace="work")
    await _write(client, acme_key, "Alice likes green tea")
    response = await client.get("/memory/stats", headers=auth(acme_key))
    assert response.status_code == 200
    stats = response.json()
    assert stats["tenant_id"] == "acme"
    assert stats["total_memories"] == 2
    assert stats["active_memories"] == 2

    response = await client.get(
        "/memory/stats", params={"namespace": "work"}, headers=auth(acme_key)
    )
    assert response.json()["total_memories"] == 1


async def test_stats_refuses_a_bad_namespace(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.get(
        "/memory/stats", params={"namespace": "/bad//ns"}, headers=auth(acme_key)
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "namespace"


async def test_bootstrap_key_acts_on_the_default_tenant(client: httpx.AsyncClient) -> None:
    await _write(client, DEV_KEY, "Bootstrap memories land in the default tenant")
    stats = await client.get("/memory/stats", headers=auth(DEV_KEY))
    assert stats.json()["tenant_id"] == "default"
    assert stats.json()["total_memories"] == 1


# --- idempotency -----------------------------------------------------------------------------


async def test_retried_write_with_the_same_key_is_stored_once(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    headers = auth(acme_key, **{"Idempotency-Key": "write-0001"})
    body = {"content": "Bob's birthday is on the 4th of May"}
    first = await client.post("/memory/write", json=body, headers=headers)
    second = await client.post("/memory/write", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["memory_id"] == second.json()["memory_id"]
    stats = await client.get("/memory/stats", headers=auth(acme_key))
    assert stats.json()["total_memories"] == 1


async def test_reusing_an_idempotency_key_for_another_body_is_409(
    client: httpx.AsyncClient, acme_key: str
) -> None:
    headers = auth(acme_key, **{"Idempotency-Key": "write-0002"})
    first = await client.post(
        "/memory/write", json={"content": "Carol owns a boat"}, headers=headers
    )
    assert first.status_code == 200
    second = await client.post(
        "/memory/write", json={"content": "Carol owns a plane"}, headers=headers
    )
    assert_error(second, 409, "idempotency_conflict")
    stats = await client.get("/memory/stats", headers=auth(acme_key))
    assert stats.json()["total_memories"] == 1


async def test_a_bad_idempotency_key_is_422(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.post(
        "/memory/write",
        json={"content": "Dave plays chess"},
        headers=auth(acme_key, **{"Idempotency-Key": "x" * 256}),
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "Idempotency-Key"


# --- secrets ---------------------------------------------------------------------------------


async def test_a_secret_is_refused_and_not_stored(client: httpx.AsyncClient, acme_key: str) -> None:
    secret = "sk-proj-abcdefghijklmnopqrstuvwxyz012345"
    response = await client.post(
        "/memory/write",
        json={"content": f"The deploy token is {secret}"},
        headers=auth(acme_key),
    )
    assert_error(response, 422, "secret_detected")
    assert secret not in response.text
    stats = await client.get("/memory/stats", headers=auth(acme_key))
    assert stats.json()["total_memories"] == 0


# --- tenant isolation ------------------------------------------------------------------------


async def test_a_tenant_cannot_read_another_tenants_memories(
    client: httpx.AsyncClient, acme_key: str, globex_key: str
) -> None:
    await _write(client, acme_key, "Acme's launch date is the 12th of March")
    read = await client.post(
        "/memory/read", json={"query": "launch date", "format": "list"}, headers=auth(globex_key)
    )
    assert read.status_code == 200
    assert read.json()["memories"] == []
    stats = await client.get("/memory/stats", headers=auth(globex_key))
    assert stats.json()["total_memories"] == 0


async def test_a_tenant_cannot_update_or_forget_by_id_across_tenants(
    client: httpx.AsyncClient, acme_key: str, globex_key: str
) -> None:
    memory_id = await _write(client, acme_key, "Acme's supplier is Initech")
    update = await client.post(
        "/memory/update",
        json={"memory_id": memory_id, "text": "Acme's supplier is Globex"},
        headers=auth(globex_key),
    )
    assert_error(update, 404, "not_found")
    forget = await client.post(
        "/memory/forget", json={"memory_ids": [memory_id], "hard": True}, headers=auth(globex_key)
    )
    assert forget.status_code == 200
    assert (forget.json()["affected_count"], forget.json()["memory_ids"]) == (0, [])

    read = await client.post(
        "/memory/read", json={"query": "supplier", "format": "list"}, headers=auth(acme_key)
    )
    assert [m["text"] for m in read.json()["memories"]] == ["Acme's supplier is Initech"]


async def test_a_key_cannot_forge_another_tenant_id(
    client: httpx.AsyncClient, acme_key: str, globex_key: str
) -> None:
    await _write(client, acme_key, "Acme's budget is ten million")
    response = await client.post(
        "/memory/read",
        json={"query": "budget"},
        headers=auth(globex_key, **{"X-Tenant-ID": "acme"}),
    )
    error = assert_error(response, 403, "forbidden")
    assert "globex" in error["message"]
    write = await client.post(
        "/memory/write",
        json={"content": "Planted by globex"},
        headers=auth(globex_key, **{"X-Tenant-ID": "acme"}),
    )
    assert_error(write, 403, "forbidden")
    stats = await client.get("/memory/stats", headers=auth(acme_key))
    assert stats.json()["total_memories"] == 1
