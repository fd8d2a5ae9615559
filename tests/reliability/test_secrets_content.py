"""Secrets are refused and personal data is redacted, through the HTTP API, down to the bytes on
disk.

One test per kind of secret the write gate knows (every kind in
``cml.engine.sensitive``; a new kind without an example fails
:func:`test_every_secret_kind_has_an_example`), tried through every way content enters a memory:
``write`` (content, metadata, context tags), ``batch_write``, ``update`` (text, metadata) and
``turn``. One test per personal-data pattern, and near misses that must stay as they are. After
each test the SQLite files (database, WAL) are read as raw bytes: a refused secret or a redacted
value must not be anywhere in them, not in the full-text index, the version history or the
event log.

The patterns themselves are unit-tested in ``tests/engine/test_sensitive.py`` and the gate in
``tests/engine/test_gate.py``; this module checks what a caller of the API sees and what the
store keeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cml.engine import Engine, open_engine
from cml.engine.secret_rules import OWN_RULES
from cml.engine.sensitive import secret_rules
from cml.models import CreateKeyRequest
from cml.server.app import create_app
from cml.server.settings import ServerSettings

SECRETS: dict[str, tuple[str, str]] = {
    "cml_key": ("cml_" + "Q7x-9_aZ" * 5 + "abc",) * 2,
    "private_key": (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ),
    "jwt": (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    )
    * 2,
    "openai_key": ("sk-proj-abcdefghijklmnopqrstuvwxyz123456",) * 2,
    "stripe_key": ("rk_live_a1B2c3D4e5F6g7H8",) * 2,
    "aws_access_key": ("AKIAIOSFODNN7EXAMPLE",) * 2,
    "github_token": ("ghp_" + "A1b2C3d4E5" * 4,) * 2,
    "slack_token": ("xoxb-123456789012-abcdefABCDEF",) * 2,
    "google_api_key": ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",) * 2,
    "bearer_token": ("Bearer abcdef1234567890abcdef", "abcdef1234567890abcdef"),
    "api_key": ("api_key=abcd1234efgh", "abcd1234efgh"),
    "password": ("password: hunter2x", "hunter2x"),
    "password statement": ("my password is Tr0ub4dor&3", "Tr0ub4dor&3"),
    # Shapes the gate used to let through (issue 18, item 4), one test each.
    "aws_secret_key with its label": (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    "high_entropy_string: a bare AWS secret access key": (
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    * 2,
    "database_url with a password": (
        "postgresql://app:S3cretPass@db.example.com:5432/prod",
        "S3cretPass",
    ),
    "jwt split across lines": (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx\nMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    "aws_access_key with a zero-width space": ("AKIA\u200bIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"),
    "private_key body without its armour": (
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
        "BKcwggSjAgEAAoIBAQC7",
    ),
    "npm_token": ("npm_" + "a1B2c3D4e5F6" * 3,) * 2,
    "gitlab_token": ("glpat-xY9_zA8-Wb7Vc6Ud5Te4",) * 2,
    "huggingface_token": ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz12345678",) * 2,
    "twilio_key": ("AC" + "0123456789abcdef" * 2,) * 2,
    "azure_connection_string of a storage account": (
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey="
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        "EndpointSuffix=core.windows.net",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq",
    ),
    "azure_connection_string of a service bus": (
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=kL3mN9pQ2rS8tU1vW7xY4zA6bC0dE5fG+hIjK/LmNoP=",
        "kL3mN9pQ2rS8tU1vW7xY4zA6bC0dE5fG+hIjK/LmNoP=",
    ),
}
"""A secret of each kind: the text holding it, and the secret itself (never to be stored).

The kind is the name's first word; the refusal must name that kind's description."""

DESCRIPTIONS: dict[str, set[str]] = {}
for _rule in secret_rules():
    DESCRIPTIONS.setdefault(_rule.kind, set()).add(_rule.description)

PII: list[tuple[str, str]] = [
    ("email", "ann.lee+work@mail.example.co.uk"),
    ("phone", "+44 20 7946 0958"),
    ("phone", "(555) 123-4567"),
    ("phone", "1-555-123-4567"),
    ("card", "4111 1111 1111 1111"),
    ("card", "5500-0000-0000-0004"),
    ("card", "378282246310005"),
    ("ssn", "123-45-6789"),
    ("iban", "DE89 3704 0044 0532 0130 00"),
    ("iban", "GB82WEST12345698765432"),
]
"""Personal data of each pattern the gate redacts, with the kind it is reported as."""

NEAR_MISSES = [
    "4111 1111 1111 1112",  # 16 digits failing the Luhn check
    "4539 1488 0343 6468",  # likewise
    "0000 0000 0000 0000",  # Luhn-valid but one repeated digit
    "1234567890123",  # an order number
    "000-12-3456",  # SSN area 000 is never issued
    "666-12-3456",  # nor 666
    "900-12-3456",  # nor 9xx
    "GB82WEST12345698765431",  # IBAN with a wrong check
    "XY12 ABCD 1234 EFGH 5678",  # IBAN-shaped, wrong check
    "ann@localhost",  # no domain
    "555-1234",  # a local number without area code
    "2024-01-15 at 10:30",  # date and time
    "$1,234.56",  # an amount
    "version 3.11.4",
    "192.168.1.1",
    "ISBN 978-3-16-148410-0",
]
"""Text that looks like personal data at a glance and must be stored unchanged."""

KEY_HEADER = "X-API-Key"


def test_every_secret_kind_has_an_example() -> None:
    kinds = {rule.kind for rule in OWN_RULES} | {"high_entropy_string"}
    covered = {name.split()[0].rstrip(":") for name in SECRETS}
    assert kinds == covered


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
        transport=transport, base_url="http://test/api/v1", headers={KEY_HEADER: key}
    ) as client:
        yield client


def on_disk(tmp_path: Path) -> bytes:
    """Every byte the SQLite store wrote (database, WAL, shared memory)."""
    return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("cml.db*")))


def refused(response: httpx.Response, field: str, secret: str, kind: str | None = None) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "secret_detected"
    assert error["details"][0]["field"] == field
    assert "appears to contain" in error["message"]
    if kind is not None:
        assert any(d in error["message"] for d in DESCRIPTIONS[kind]), (kind, error["message"])
    assert error["hint"]
    assert secret not in response.text


@pytest.mark.parametrize("name", sorted(SECRETS))
async def test_a_secret_is_refused_everywhere_content_enters(
    name: str, api: httpx.AsyncClient, engine: Engine, tmp_path: Path
) -> None:
    text, secret = SECRETS[name]
    kind = name.split()[0].rstrip(":")
    sentence = f"Note for later: {text} (do not share)"
    kept = (await api.post("/memory/write", json={"content": "The office is on Elm Street"})).json()

    refused(await api.post("/memory/write", json={"content": sentence}), "content", secret, kind)
    refused(
        await api.post("/memory/write", json={"content": "ok", "metadata": {"note": text}}),
        "metadata",
        secret,
        kind,
    )
    if len(text) <= 64:  # the longest tag allowed
        tags = {"content": "ok", "context_tags": ["a", text]}
        refused(await api.post("/memory/write", json=tags), "context_tags.1", secret, kind)
    batch: dict[str, Any] = {"items": [{"content": "Harmless"}, {"content": sentence}]}
    refused(await api.post("/memory/batch_write", json=batch), "items.1.content", secret, kind)
    batch = {"items": [{"content": "Harmless", "metadata": {"cfg": {"deep": text}}}]}
    refused(await api.post("/memory/batch_write", json=batch), "items.0.metadata", secret, kind)
    update = {"memory_id": kept["memory_id"], "text": sentence}
    refused(await api.post("/memory/update", json=update), "text", secret, kind)
    update = {"memory_id": kept["memory_id"], "metadata": {"note": text}}
    refused(await api.post("/memory/update", json=update), "metadata", secret, kind)

    # A turn still answers (the user is mid-conversation) but stores nothing.
    turn = await api.post("/memory/turn", json={"user_message": sentence, "session_id": "s"})
    assert turn.status_code == 200
    assert turn.json()["memories_stored"] == 0

    stats = (await api.get("/memory/stats")).json()
    assert stats["total_memories"] == 1  # only the harmless memory written first
    record = engine.store.get("acme", kept["memory_id"])
    assert record is not None
    assert record.content == "The office is on Elm Street"
    assert secret.encode() not in on_disk(tmp_path)


async def test_names_that_merely_start_like_a_key_are_stored(api: httpx.AsyncClient) -> None:
    for text in (
        "Run cml_export_settings_for_the_production_environment nightly",
        "The table cml_memories_archive_of_the_previous_quarter is read-only",
    ):
        written = await api.post("/memory/write", json={"content": text})
        assert written.status_code == 200, written.text


async def test_a_key_in_a_label_is_refused(api: httpx.AsyncClient) -> None:
    key = SECRETS["cml_key"][1]
    for field in ("namespace", "session_id", "agent_id"):
        body = {"content": "The office is on Elm Street", field: key}
        refused(await api.post("/memory/write", json=body), field, key)
        batch: dict[str, Any] = {"items": [{"content": "Harmless", field: key}]}
        refused(await api.post("/memory/batch_write", json=batch), f"items.0.{field}", key)
        turn = {"user_message": "hello", field: key}
        refused(await api.post("/memory/turn", json=turn), field, key)
    batch = {"items": [{"content": "Harmless"}], "namespace": key}
    refused(await api.post("/memory/batch_write", json=batch), "items.0.namespace", key)
    assert (await api.get("/memory/stats")).json()["total_memories"] == 0


@pytest.mark.parametrize(("kind", "value"), PII, ids=[f"{k}-{v}" for k, v in PII])
async def test_personal_data_is_redacted_before_it_is_stored(
    kind: str, value: str, api: httpx.AsyncClient, engine: Engine, tmp_path: Path
) -> None:
    marker = f"[REDACTED_{kind.upper()}]"
    written = await api.post("/memory/write", json={"content": f"Reach Ann via {value} today"})
    assert written.status_code == 200
    assert written.json()["redactions"] == [kind]
    memory_id = written.json()["memory_id"]
    stored = engine.store.get("acme", memory_id)
    assert stored is not None
    assert stored.content == f"Reach Ann via {marker} today"

    batch = await api.post("/memory/batch_write", json={"items": [{"content": f"Old: {value}"}]})
    assert batch.json()["results"][0]["redactions"] == [kind]
    update = {"memory_id": memory_id, "text": f"Reach Ann via {value} tomorrow"}
    assert (await api.post("/memory/update", json=update)).status_code == 200
    turn = await api.post(
        "/memory/turn", json={"user_message": f"My number is {value}", "session_id": "s1"}
    )
    assert turn.json()["memories_stored"] == 1

    found = await api.post("/memory/read", json={"query": "Reach Ann", "format": "llm_context"})
    assert marker in found.text
    digits_or_text = value.encode()
    assert digits_or_text not in on_disk(tmp_path)


async def test_look_alikes_are_stored_unchanged(api: httpx.AsyncClient, engine: Engine) -> None:
    for value in NEAR_MISSES:
        content = f"Reference {value} noted"
        written = await api.post("/memory/write", json={"content": content})
        assert written.status_code == 200
        assert written.json()["redactions"] == [], value
        stored = engine.store.get("acme", written.json()["memory_id"])
        assert stored is not None
        assert stored.content == content


async def test_redaction_and_refusal_follow_the_settings(tmp_path: Path) -> None:
    settings = ServerSettings(
        data_dir=tmp_path,
        embedding_provider="hash",
        rate_limit_per_second=0,
        redact_pii=False,
        refuse_secrets=False,
        auth_enabled=False,
    )
    engine = open_engine(settings.to_engine_config())
    try:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as api:
            body: dict[str, Any] = {
                "content": f"Mail ann@example.com, key {SECRETS['openai_key']}",
                "metadata": {"api_key": "abcd1234"},
            }
            written = await api.post("/memory/write", json=body)
        assert written.status_code == 200
        assert written.json()["redactions"] == []
        stored = engine.store.get("default", written.json()["memory_id"])
        assert stored is not None
        assert stored.content == body["content"]
    finally:
        engine.close()
