"""Bad input fails in the client, before anything is sent, with the server's own wording."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import cml

from .scripted import API_KEY, ScriptedServer

Make = Callable[..., cml.CognitiveMemoryLayer]
Call = Callable[[cml.CognitiveMemoryLayer], object]

EARLY = datetime(2026, 1, 1, tzinfo=UTC)
LATE = datetime(2026, 6, 1, tzinfo=UTC)

CASES: list[tuple[str, Call, str]] = [
    ("empty content", lambda c: c.write("   "), "content"),
    ("importance above 1", lambda c: c.write("A fact", importance=2.0), "importance"),
    ("unknown memory type", lambda c: c.write("A fact", memory_type="gossip"), "memory_type"),
    ("bad namespace", lambda c: c.write("A fact", namespace="has space"), "namespace"),
    ("unserialisable metadata", lambda c: c.write("A fact", metadata={"x": object()}), "metadata"),
    ("zero results", lambda c: c.read("q", max_results=0), "max_results"),
    ("inverted window", lambda c: c.read("q", since=LATE, until=EARLY), "body"),
    ("unknown format", lambda c: c.read("q", format="xml"), "format"),
    ("nothing to update", lambda c: c.update("m-1"), "body"),
    ("unknown feedback", lambda c: c.update("m-1", feedback="meh"), "feedback"),
    ("nothing to forget", lambda c: c.forget(), "body"),
    ("bad tenant for a key", lambda c: c.create_api_key("not a tenant"), "tenant_id"),
    ("unknown scope", lambda c: c.create_api_key("acme", scopes=["root"]), "scopes.0"),
    ("bad stats namespace", lambda c: c.stats(namespace="/"), "namespace"),
    ("bad key listing tenant", lambda c: c.list_api_keys(tenant_id="a b"), "tenant_id"),
    ("empty key id", lambda c: c.revoke_api_key(" "), "key_id"),
]


@pytest.mark.parametrize(("call", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_input_is_refused_before_sending(make_client: Make, call: Call, field: str) -> None:
    server = ScriptedServer()
    client = make_client(server)

    with pytest.raises(cml.ValidationError) as caught:
        call(client)

    exc = caught.value
    assert server.requests == []
    assert exc.status_code is None
    assert exc.code == "validation_error"
    assert exc.details[0].field == field
    assert str(exc).startswith("[validation_error] Invalid request: ")


async def test_async_client_refuses_the_same_input() -> None:
    server = ScriptedServer()
    async with cml.AsyncCognitiveMemoryLayer("k", transport=server.transport) as client:
        with pytest.raises(cml.ValidationError, match="confidence"):
            await client.write("A fact", confidence=-0.1)

    assert server.requests == []


@pytest.mark.parametrize(
    ("route", "body", "call"),
    [
        (
            "/memory/write",
            {"content": "A fact", "importance": 2},
            lambda c: c.write("A fact", importance=2),
        ),
        ("/memory/write", {"content": "  "}, lambda c: c.write("  ")),
        ("/memory/update", {"memory_id": "m-1"}, lambda c: c.update("m-1")),
        ("/memory/forget", {}, lambda c: c.forget()),
        (
            "/memory/read",
            {"query": "q", "max_results": 500, "format": "xml"},
            lambda c: c.read("q", max_results=500, format="xml"),
        ),
    ],
    ids=["importance", "blank content", "empty update", "empty forget", "two problems"],
)
async def test_client_side_messages_match_the_servers(
    server_app: FastAPI, make_client: Make, route: str, body: dict[str, Any], call: Call
) -> None:
    # Send the invalid body past the SDK, straight to the real app, and compare the wording.
    transport = httpx.ASGITransport(app=server_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cml.test/api/v1") as http:
        answer = await http.post(route, json=body, headers={"X-API-Key": API_KEY})
    assert answer.status_code == 422
    served = answer.json()["error"]

    with pytest.raises(cml.ValidationError) as caught:
        call(make_client(ScriptedServer()))

    assert caught.value.message == served["message"]
    assert [d.model_dump() for d in caught.value.details] == served["details"]
