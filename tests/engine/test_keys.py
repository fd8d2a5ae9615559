"""API keys: secrets shown once, hashed at rest, revocable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from cml.engine import Engine, RecordNotFoundError
from cml.engine.keys import hash_secret, new_secret
from cml.models import CreateKeyRequest, Scope
from cml.storage.base import EventRecord

EventLog = Callable[..., list[EventRecord]]


def test_secret_shape_and_hash() -> None:
    secret = new_secret()
    assert secret.startswith("cml_")
    assert len(secret) == 4 + 43
    assert new_secret() != secret
    assert hash_secret(secret) == hashlib.sha256(secret.encode()).hexdigest()


def test_create_then_authenticate(engine: Engine) -> None:
    created = engine.keys.create(
        CreateKeyRequest(tenant_id="acme", scopes=[Scope.READ], name="ci", extra_tenants=["beta"])
    )
    assert created.key.startswith("cml_")
    assert created.prefix == created.key[:8]
    info = engine.keys.authenticate(created.key)
    assert info is not None
    assert (info.id, info.tenant_id, info.scopes, info.name) == (
        created.id,
        "acme",
        [Scope.READ],
        "ci",
    )
    assert info.extra_tenants == ["beta"]
    assert not hasattr(info, "key")


def test_only_the_hash_is_stored(engine: Engine) -> None:
    created = engine.keys.create(CreateKeyRequest(tenant_id="acme"))
    (record,) = engine.store.list_keys("acme")
    assert record.key_hash == hash_secret(created.key)
    assert created.key not in repr(record)


@pytest.mark.parametrize("secret", ["", "cml_", "cml_not-a-real-key", "sk-whatever", "x" * 200])
def test_unknown_secrets_do_not_authenticate(engine: Engine, secret: str) -> None:
    engine.keys.create(CreateKeyRequest(tenant_id="acme"))
    assert engine.keys.authenticate(secret) is None


def test_revoked_key_no_longer_authenticates(engine: Engine, events: EventLog) -> None:
    created = engine.keys.create(CreateKeyRequest(tenant_id="acme"), actor="admin-key")
    revoked = engine.keys.revoke(created.id, actor="admin-key")
    assert revoked.revoked_at is not None
    assert engine.keys.authenticate(created.key) is None
    again = engine.keys.revoke(created.id)  # revoking twice changes nothing
    assert again.revoked_at == revoked.revoked_at
    log = events("acme")
    assert [e.event_type for e in log] == ["key.create", "key.revoke"]
    assert all(e.actor == "admin-key" for e in log)
    assert all(created.key not in str(e.payload) for e in log)


def test_revoke_unknown_key_is_not_found(engine: Engine) -> None:
    with pytest.raises(RecordNotFoundError):
        engine.keys.revoke("no-such-key")


def test_list_all_or_by_tenant(engine: Engine) -> None:
    a = engine.keys.create(CreateKeyRequest(tenant_id="acme"))
    b = engine.keys.create(CreateKeyRequest(tenant_id="globex"))
    assert [k.id for k in engine.keys.list()] == [a.id, b.id]
    assert [k.id for k in engine.keys.list("globex")] == [b.id]
