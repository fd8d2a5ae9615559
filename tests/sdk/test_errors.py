"""Every error answer becomes one exception class, with the server's code, request id and a hint."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

import cml

from .scripted import ADMIN_KEY, API_KEY, ScriptedServer, error

Make = Callable[..., cml.CognitiveMemoryLayer]


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "bad_request", cml.ValidationError),
        (401, "invalid_api_key", cml.AuthenticationError),
        (403, "forbidden", cml.AuthorizationError),
        (404, "not_found", cml.NotFoundError),
        (409, "idempotency_conflict", cml.ConflictError),
        (413, "payload_too_large", cml.ValidationError),
        (415, "unsupported_media_type", cml.ValidationError),
        (422, "secret_detected", cml.ValidationError),
        (429, "rate_limited", cml.RateLimitError),
        (500, "internal_error", cml.ServerError),
        (503, "unavailable", cml.ServiceUnavailableError),
        (418, "teapot", cml.APIError),
    ],
)
def test_each_status_raises_its_class(
    make_client: Make, status: int, code: str, cls: type[cml.APIError]
) -> None:
    answer = error(status, code, "the server's message", request_id="req-7")
    client = make_client(ScriptedServer(answer), max_retries=0)

    with pytest.raises(cls) as caught:
        client.write("A fact")

    exc = caught.value
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.code == code
    assert exc.message == "the server's message"
    assert exc.request_id == "req-7"
    assert "req-7" in str(exc)
    if status != 418:
        assert exc.hint


def test_service_unavailable_is_a_server_error() -> None:
    assert issubclass(cml.ServiceUnavailableError, cml.ServerError)
    assert issubclass(cml.ServerError, cml.APIError)
    assert not issubclass(cml.APIConnectionError, cml.APIError)
    assert not issubclass(cml.APITimeoutError, cml.APIError)
    assert issubclass(cml.APITimeoutError, cml.APIConnectionError)


def test_validation_details_and_server_hint_are_kept(make_client: Make) -> None:
    answer = error(
        422,
        "validation_error",
        "Invalid request: metadata: nests deeper than 5 levels",
        details=[{"field": "metadata", "message": "nests deeper than 5 levels"}],
        hint="Flatten the metadata.",
    )
    client = make_client(ScriptedServer(answer))

    with pytest.raises(cml.ValidationError) as caught:
        client.write("A fact")

    assert caught.value.details[0].field == "metadata"
    assert caught.value.hint == "Flatten the metadata."


def test_request_id_falls_back_to_the_header(make_client: Make) -> None:
    answer = error(404, "not_found", headers={"X-Request-ID": "from-header"})
    client = make_client(ScriptedServer(answer))

    with pytest.raises(cml.NotFoundError) as caught:
        client.update("m-404", text="new")

    assert caught.value.request_id == "from-header"


def test_a_non_json_error_body_still_maps_by_status(make_client: Make) -> None:
    answer = httpx.Response(
        502, text="<html><body>Bad Gateway</body></html>", headers={"X-Request-ID": "lb-1"}
    )
    client = make_client(ScriptedServer(answer), max_retries=0)

    with pytest.raises(cml.ServerError) as caught:
        client.stats()

    assert caught.value.status_code == 502
    assert caught.value.code == "http_error"
    assert "Bad Gateway" in caught.value.message
    assert caught.value.request_id == "lb-1"


def test_an_empty_error_body_maps_by_status(make_client: Make) -> None:
    client = make_client(ScriptedServer(httpx.Response(401)))

    with pytest.raises(cml.AuthenticationError) as caught:
        client.stats()

    assert caught.value.code == "authentication_required"
    assert caught.value.message == "HTTP 401 Unauthorized"


def test_missing_key_hint_names_the_setting(make_client: Make) -> None:
    client = make_client(ScriptedServer(error(401, "authentication_required")), api_key=None)

    with pytest.raises(cml.AuthenticationError) as caught:
        client.write("A fact")

    assert "CML_API_KEY" in str(caught.value)
    assert "api_key=" in str(caught.value)


def test_forbidden_admin_route_hint_asks_for_an_admin_key(make_client: Make) -> None:
    client = make_client(ScriptedServer(error(403, "forbidden", "Needs the admin scope")))

    with pytest.raises(cml.AuthorizationError) as caught:
        client.list_api_keys()

    assert "CML_ADMIN_API_KEY" in (caught.value.hint or "")


def test_forbidden_memory_route_hint_points_at_scopes_and_tenant(make_client: Make) -> None:
    client = make_client(ScriptedServer(error(403, "forbidden", "Not your tenant")))

    with pytest.raises(cml.AuthorizationError) as caught:
        client.read("anything")

    assert "CML_ADMIN_API_KEY" not in (caught.value.hint or "")
    assert "tenant" in (caught.value.hint or "")


def test_rate_limit_error_carries_retry_after(make_client: Make) -> None:
    answer = error(429, "rate_limited", headers={"Retry-After": "7"})
    client = make_client(ScriptedServer(answer), max_retries=0)

    with pytest.raises(cml.RateLimitError) as caught:
        client.read("anything")

    assert caught.value.retry_after == 7.0


def test_error_text_never_contains_a_key(make_client: Make) -> None:
    # A careless proxy echoing the request headers must not put the keys into logs via str(exc).
    answer = httpx.Response(
        401, text=f"rejected X-API-Key: {API_KEY} (admin {ADMIN_KEY})", headers={}
    )
    client = make_client(ScriptedServer(answer), admin_api_key=ADMIN_KEY)

    with pytest.raises(cml.AuthenticationError) as caught:
        client.create_api_key("acme")

    text = str(caught.value) + repr(caught.value) + caught.value.message
    assert API_KEY not in text
    assert ADMIN_KEY not in text
    assert "***" in text


def test_connection_error_is_readable(make_client: Make) -> None:
    server = ScriptedServer(httpx.ConnectError("connection refused"))
    client = make_client(server, max_retries=0)

    with pytest.raises(cml.APIConnectionError) as caught:
        client.health()

    assert "http://cml.test" in str(caught.value)
    assert "CML_BASE_URL" in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_timeout_error_suggests_a_longer_timeout(make_client: Make) -> None:
    server = ScriptedServer(httpx.ReadTimeout("timed out"))
    client = make_client(server, max_retries=0, timeout=2.5)

    with pytest.raises(cml.APITimeoutError) as caught:
        client.read("anything")

    assert "2.5 s" in str(caught.value)
    assert "CML_TIMEOUT" in str(caught.value)


async def test_real_server_auth_errors_and_tenant_keys(
    server_app: FastAPI, server_client: cml.AsyncCognitiveMemoryLayer
) -> None:
    transport = httpx.ASGITransport(app=server_app)
    created = await server_client.create_api_key("acme", name="acme app")

    # A key issued for one tenant works without naming the tenant ...
    async with cml.AsyncCognitiveMemoryLayer(
        created.key, base_url="http://cml.test", transport=transport
    ) as acme:
        await acme.write("Acme ships on Tuesdays")
        assert (await acme.stats()).tenant_id == "acme"

    # ... is refused on another tenant, and is not an admin key.
    async with cml.AsyncCognitiveMemoryLayer(
        created.key, base_url="http://cml.test", tenant_id="globex", transport=transport
    ) as elsewhere:
        with pytest.raises(cml.AuthorizationError) as on_tenant:
            await elsewhere.stats()
        with pytest.raises(cml.AuthorizationError) as on_admin:
            await elsewhere.list_api_keys()
    assert "globex" in on_tenant.value.message
    assert on_tenant.value.request_id
    assert "CML_ADMIN_API_KEY" in (on_admin.value.hint or "")

    # A revoked key is rejected with a hint naming the setting.
    await server_client.revoke_api_key(created.id)
    async with cml.AsyncCognitiveMemoryLayer(
        created.key, base_url="http://cml.test", transport=transport
    ) as revoked:
        with pytest.raises(cml.AuthenticationError) as caught:
            await revoked.read("anything")
    assert caught.value.code == "invalid_api_key"
    assert "CML_API_KEY" in (caught.value.hint or "")
    assert created.key not in str(caught.value)
