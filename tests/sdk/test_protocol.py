"""What the clients put on the wire: URLs, headers, bodies, idempotency keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

import cml

from .scripted import ADMIN_KEY, API_KEY, KEY_INFO, READ_OK, WRITE_OK, ScriptedServer

Make = Callable[..., cml.CognitiveMemoryLayer]
MakeAsync = Callable[..., cml.AsyncCognitiveMemoryLayer]


def test_every_request_carries_key_tenant_and_version(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, json=WRITE_OK))
    client = make_client(server, tenant_id="acme")

    client.write("User prefers window seats")

    request = server.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "http://cml.test/api/v1/memory/write"
    assert request.headers["X-API-Key"] == API_KEY
    assert request.headers["X-Tenant-ID"] == "acme"
    assert request.headers["User-Agent"] == f"py-cml/{cml.__version__}"
    assert request.headers["Content-Type"] == "application/json"


def test_base_url_may_already_end_in_the_api_prefix(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, json={"status": "ok", "version": "1"}))
    client = make_client(server, base_url="https://cml.example.com/api/v1/")

    client.health()

    assert str(server.requests[0].url) == "https://cml.example.com/api/v1/health"


def test_write_sends_only_the_fields_given_in_wire_format(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, json=WRITE_OK))
    client = make_client(server)
    when = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    result = client.write(
        "Meeting moved to Friday",
        memory_type=cml.MemoryType.EPISODIC_EVENT,
        context_tags=["work"],
        metadata={"source": "email"},
        timestamp=when,
    )

    assert result.memory_id == "m-1"
    assert server.body() == {
        "content": "Meeting moved to Friday",
        "memory_type": "episodic_event",
        "context_tags": ["work"],
        "metadata": {"source": "email"},
        "timestamp": "2026-03-01T10:00:00Z",
    }


def test_read_sends_its_defaults_and_parses_memories(make_client: Make) -> None:
    item = {
        "id": "m-1",
        "text": "User prefers tea",
        "type": "preference",
        "confidence": 0.9,
        "relevance": 0.8,
        "timestamp": "2026-01-01T00:00:00Z",
        "a_field_from_a_newer_server": True,
    }
    server = ScriptedServer(httpx.Response(200, json={**READ_OK, "memories": [item]}))
    client = make_client(server)

    result = client.read("drinks", memory_types=["preference"], format="list")

    assert server.body() == {
        "query": "drinks",
        "max_results": 10,
        "memory_types": ["preference"],
        "format": "list",
        "max_tokens": 1500,
        "include_silent": False,
        "include_superseded": False,
    }
    assert result.memories[0].text == "User prefers tea"
    assert result.memories[0].type == cml.MemoryType.PREFERENCE
    assert "Idempotency-Key" not in server.requests[0].headers


@pytest.mark.parametrize(
    ("call", "answer"),
    [
        (lambda c: c.write("A fact"), WRITE_OK),
        (
            lambda c: c.turn("Hello"),
            {"memory_context": "", "memories_retrieved": 0, "memories_stored": 1},
        ),
        (
            lambda c: c.update("m-1", importance=0.5),
            {"success": True, "memory_id": "m-1", "version": 2},
        ),
        (
            lambda c: c.forget(memory_ids=["m-1"]),
            {"success": True, "affected_count": 1},
        ),
    ],
    ids=["write", "turn", "update", "forget"],
)
def test_writes_carry_a_fresh_idempotency_key(
    make_client: Make, call: Callable[[cml.CognitiveMemoryLayer], object], answer: object
) -> None:
    server = ScriptedServer(httpx.Response(200, json=answer))
    client = make_client(server)

    call(client)
    call(client)

    first, second = (r.headers.get("Idempotency-Key") for r in server.requests)
    assert first
    assert second
    assert first != second


def test_a_given_idempotency_key_is_sent_as_is(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, json=WRITE_OK))
    client = make_client(server)

    client.write("A fact", idempotency_key="order-42-note")

    assert server.requests[0].headers["Idempotency-Key"] == "order-42-note"


def test_admin_calls_use_the_admin_key(make_client: Make) -> None:
    stats = {"tenant_id": "default", "total_memories": 0, "active_memories": 0}
    server = ScriptedServer(httpx.Response(200, json=[KEY_INFO]), httpx.Response(200, json=stats))
    client = make_client(server, admin_api_key=ADMIN_KEY)

    keys = client.list_api_keys(tenant_id="acme")
    client.stats()

    admin_request, user_request = server.requests
    assert admin_request.headers["X-API-Key"] == ADMIN_KEY
    assert admin_request.url.params["tenant_id"] == "acme"
    assert keys[0].id == "k-1"
    assert user_request.headers["X-API-Key"] == API_KEY


def test_admin_calls_fall_back_to_the_api_key(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(201, json={**KEY_INFO, "key": "cml_secret"}))
    client = make_client(server)

    created = client.create_api_key("acme", scopes=[cml.Scope.READ], name="reader")

    assert server.requests[0].headers["X-API-Key"] == API_KEY
    assert server.body() == {"tenant_id": "acme", "scopes": ["read"], "name": "reader"}
    assert created.key == "cml_secret"


def test_revoke_quotes_the_key_id_into_the_path(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, json={**KEY_INFO, "revoked_at": None}))
    client = make_client(server)

    client.revoke_api_key("k/1?x")

    request = server.requests[0]
    assert request.method == "DELETE"
    assert request.url.raw_path == b"/api/v1/admin/keys/k%2F1%3Fx"


def test_stats_sends_the_namespace_as_a_query_parameter(make_client: Make) -> None:
    answer = {"tenant_id": "default", "total_memories": 3, "active_memories": 3}
    server = ScriptedServer(httpx.Response(200, json=answer))
    client = make_client(server)

    client.stats()
    stats = client.stats(namespace="project-x/notes")

    assert server.requests[0].url.params.get("namespace") is None
    assert server.requests[1].url.params["namespace"] == "project-x/notes"
    assert stats.total_memories == 3


def test_no_tenant_header_unless_a_tenant_is_set(make_client: Make) -> None:
    # The server then acts on the key's own tenant: a key issued for one tenant just works.
    server = ScriptedServer(httpx.Response(200, json=WRITE_OK))
    client = make_client(server)

    client.write("A fact")

    assert "X-Tenant-ID" not in server.requests[0].headers


def test_no_key_header_without_a_key(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, json={"status": "ok", "version": "1"}))
    client = make_client(server, api_key=None)

    client.health()

    assert "X-API-Key" not in server.requests[0].headers


def test_a_non_json_success_answer_is_an_api_error(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, text="<html>a proxy login page</html>"))
    client = make_client(server)

    with pytest.raises(cml.APIError) as caught:
        client.health()

    assert caught.value.code == "invalid_response"
    assert "base_url" in (caught.value.hint or "")


def test_a_success_answer_of_the_wrong_shape_is_an_api_error(make_client: Make) -> None:
    server = ScriptedServer(httpx.Response(200, json={"unexpected": True}))
    client = make_client(server)

    with pytest.raises(cml.APIError, match="does not match the API"):
        client.write("A fact")


def test_a_passed_http_client_is_used_and_left_open() -> None:
    server = ScriptedServer(httpx.Response(200, json={"status": "ok", "version": "1"}))
    http = httpx.Client(transport=server.transport, headers={"X-Trace": "t-1"})

    with cml.CognitiveMemoryLayer("k", base_url="http://cml.test", http_client=http) as client:
        client.health()

    assert server.requests[0].headers["X-Trace"] == "t-1"
    assert not http.is_closed
    http.close()


def test_http_client_and_transport_are_exclusive() -> None:
    server = ScriptedServer()
    with (
        httpx.Client(transport=server.transport) as http,
        pytest.raises(cml.ConfigurationError, match="not both"),
    ):
        cml.CognitiveMemoryLayer("k", http_client=http, transport=server.transport)


async def test_async_client_sends_the_same_request(make_async_client: MakeAsync) -> None:
    server = ScriptedServer(httpx.Response(200, json=WRITE_OK))
    client = make_async_client(server, tenant_id="acme")

    result = await client.write(
        "User prefers window seats", timestamp=datetime(2026, 1, 1, tzinfo=UTC)
    )

    request = server.requests[0]
    assert result.memory_id == "m-1"
    assert str(request.url) == "http://cml.test/api/v1/memory/write"
    assert request.headers["X-Tenant-ID"] == "acme"
    assert request.headers["Idempotency-Key"]
    assert server.body() == {
        "content": "User prefers window seats",
        "timestamp": "2026-01-01T00:00:00Z",
    }


def test_repr_names_the_server_but_not_the_key(make_client: Make) -> None:
    client = make_client(ScriptedServer(), admin_api_key=ADMIN_KEY)

    text = repr(client) + repr(client.config)

    assert "cml.test" in text
    assert API_KEY not in text
    assert ADMIN_KEY not in text
    assert client.tenant_id is None
