"""Personal data is redacted in every stored text field, not only in ``content``.

Through the HTTP API of the real app on a real SQLite file: metadata values (at any depth),
context tags, session and agent ids, on ``write``, ``batch_write``, ``update`` and ``turn``; then
the record as stored and the raw database files are read back. Session and agent ids keep a
stable pseudonym, so a read or a forget by the same id still selects its memories and two
different ids stay apart (decision 29 in docs/decisions.md).

Separators are normalised before matching: a card number with no-break spaces and an SSN with
spaces are redacted like their plain forms, in content too.

The gate's patterns are unit-tested in ``tests/engine/test_sensitive.py``; content redaction
and secrets through the API in ``tests/reliability/test_secrets_content.py``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cml.engine import Engine, open_engine
from cml.models import CreateKeyRequest
from cml.server.app import create_app
from cml.server.settings import ServerSettings

PII: list[tuple[str, str]] = [
    ("email", "ann.lee+work@mail.example.co.uk"),
    ("phone", "+44 20 7946 0958"),
    ("phone", "(555) 123-4567"),
    ("card", "4111 1111 1111 1111"),
    ("card", "4111\u00a01111\u00a01111\u00a01111"),  # no-break spaces
    ("card", "5500-0000-0000-0004"),
    ("ssn", "123-45-6789"),
    ("ssn", "123 45 6789"),  # spaces
    ("iban", "DE89 3704 0044 0532 0130 00"),
    ("iban", "GB82WEST12345698765432"),
]
"""Personal data of each kind, with the separators people type."""

IDS = [f"{kind}-{value.encode('unicode_escape').decode()}" for kind, value in PII]


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    return ServerSettings(data_dir=tmp_path, embedding_provider="hash", rate_limit_per_second=0)


@pytest.fixture
def engine(settings: ServerSettings) -> Iterator[Engine]:
    opened = open_engine(settings.to_engine_config())
    yield opened
    opened.close()


@pytest.fixture
async def api(settings: ServerSettings, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    key = engine.keys.create(CreateKeyRequest(tenant_id="acme")).key
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test/api/v1", headers={"X-API-Key": key}
    ) as client:
        yield client


def on_disk(tmp_path: Path) -> bytes:
    """Every byte the SQLite store wrote (database, WAL, shared memory)."""
    return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("cml.db*")))


def forms(value: str) -> list[bytes]:
    """The ways ``value`` could sit in the files: as typed, JSON-escaped, and digits only."""
    escaped = value.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00")
    digits = "".join(c for c in value if c.isdigit())
    return [value.encode(), escaped, *([digits.encode()] if len(digits) >= 9 else [])]


def stored_text(engine: Engine, memory_id: str) -> str:
    record = engine.store.get("acme", memory_id)
    assert record is not None
    return repr(
        (record.content, record.metadata, record.context_tags, record.session_id, record.agent_id)
    )


@pytest.mark.parametrize(("kind", "value"), PII, ids=IDS)
async def test_personal_data_is_redacted_in_every_stored_field(
    kind: str, value: str, api: httpx.AsyncClient, engine: Engine, tmp_path: Path
) -> None:
    marker = f"[REDACTED_{kind.upper()}]"
    attributes: dict[str, Any] = {
        "metadata": {"contact": value, "nested": {"list": [f"call {value}", 7]}},
        "context_tags": ["family", f"via {value}"],
        "session_id": f"support {value}",
        "agent_id": value,
    }
    written = await api.post("/memory/write", json={"content": "Ann moved to Lyon", **attributes})
    assert written.status_code == 200, written.text
    record = engine.store.get("acme", written.json()["memory_id"])
    assert record is not None
    assert record.metadata == {"contact": marker, "nested": {"list": [f"call {marker}", 7]}}
    assert record.context_tags == ["family", f"via {marker}"]
    pseudonym = re.escape(marker[:-1]) + r":[0-9a-f]{8}\]"
    assert re.fullmatch(f"support {pseudonym}", str(record.session_id))
    assert re.fullmatch(pseudonym, str(record.agent_id))

    batch = await api.post(
        "/memory/batch_write", json={"items": [{"content": "Ann likes tea", **attributes}]}
    )
    assert batch.status_code == 200, batch.text
    update = {"memory_id": record.id, "metadata": {"new": f"card or phone: {value}"}}
    assert (await api.post("/memory/update", json=update)).status_code == 200
    turn = {"user_message": "I moved to Lyon", "session_id": value, "agent_id": value}
    turned = await api.post("/memory/turn", json=turn)
    assert turned.status_code == 200
    assert turned.json()["memories_stored"] == 1

    ids = [record.id, batch.json()["results"][0]["memory_id"], *turned.json()["stored_ids"]]
    read = await api.post("/memory/read", json={"query": "Ann Lyon tea", "format": "list"})
    assert len(read.json()["memories"]) == 3
    for text in [*(stored_text(engine, memory_id) for memory_id in ids), read.text]:
        assert value not in text
        assert marker[:-1] in text
    raw = on_disk(tmp_path)
    for form in forms(value):
        assert form not in raw, form


@pytest.mark.parametrize(
    ("value", "kind"),
    [("4111\u00a01111\u00a01111\u00a01111", "card"), ("123 45 6789", "ssn")],
    ids=["card-with-no-break-spaces", "ssn-with-spaces"],
)
async def test_separators_do_not_hide_personal_data_in_content(
    value: str, kind: str, api: httpx.AsyncClient, engine: Engine
) -> None:
    written = await api.post("/memory/write", json={"content": f"Ann's {kind} is {value}."})
    assert written.status_code == 200
    assert written.json()["redactions"] == [kind]
    record = engine.store.get("acme", written.json()["memory_id"])
    assert record is not None
    assert record.content == f"Ann's {kind} is [REDACTED_{kind.upper()}]."


async def test_a_session_id_holding_an_email_still_selects_its_own_memories(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    for session, fact in (("ann@example.com", "Ann flies to Oslo"), ("bob@example.com", "Bob")):
        body = {"content": fact, "session_id": session}
        assert (await api.post("/memory/write", json=body)).status_code == 200

    read = await api.post(
        "/memory/read",
        json={"query": "flies to Oslo", "session_id": "ann@example.com", "format": "list"},
    )
    assert read.status_code == 200
    memories = read.json()["memories"]
    assert [m["text"] for m in memories] == ["Ann flies to Oslo"]
    assert "ann@example.com" not in read.text
    sessions = {m["session_id"] for m in memories}
    assert len(sessions) == 1
    assert re.fullmatch(r"\[REDACTED_EMAIL:[0-9a-f]{8}\]", sessions.pop())

    forgot = await api.post("/memory/forget", json={"session_id": "ann@example.com"})
    assert forgot.status_code == 200
    assert forgot.json()["affected_count"] == 1
    left = await api.post("/memory/read", json={"query": "Bob", "format": "list"})
    assert [m["text"] for m in left.json()["memories"]] == ["Bob"]  # the other session stays


async def test_namespaces_are_partition_names_and_stay_as_given(api: httpx.AsyncClient) -> None:
    # A namespace cannot hold an email (no "@"); a digits-and-dashes name is kept, because
    # rewriting it would move the memory out of the partition the caller reads.
    body = {"content": "Order shipped", "namespace": "orders-555-123-4567"}
    assert (await api.post("/memory/write", json=body)).status_code == 200
    read = await api.post(
        "/memory/read",
        json={"query": "Order shipped", "namespace": "orders-555-123-4567", "format": "list"},
    )
    assert [m["text"] for m in read.json()["memories"]] == ["Order shipped"]
    refused = await api.post("/memory/write", json={"content": "x", "namespace": "ann@example.com"})
    assert refused.status_code == 422


async def test_fields_are_stored_as_given_when_redaction_is_off(tmp_path: Path) -> None:
    settings = ServerSettings(
        data_dir=tmp_path,
        embedding_provider="hash",
        rate_limit_per_second=0,
        redact_pii=False,
        auth_enabled=False,
    )
    engine = open_engine(settings.to_engine_config())
    try:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as api:
            body = {
                "content": "Ann moved",
                "metadata": {"mail": "ann@example.com"},
                "context_tags": ["ann@example.com"],
                "session_id": "ann@example.com",
                "agent_id": "ann@example.com",
            }
            written = await api.post("/memory/write", json=body)
        record = engine.store.get("default", written.json()["memory_id"])
        assert record is not None
        assert record.metadata == {"mail": "ann@example.com"}
        assert record.context_tags == ["ann@example.com"]
        assert (record.session_id, record.agent_id) == ("ann@example.com", "ann@example.com")
    finally:
        engine.close()
