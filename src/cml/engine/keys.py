"""API keys: creation, authentication, listing and revocation.

A key's secret is shown once, at creation. The store keeps only its SHA-256 hash (a key is 256
random bits, so a fast hash is enough; there is nothing to brute-force) and a short display prefix
so that admins can tell keys apart in a listing.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from datetime import UTC, datetime

from cml.errors import RecordNotFoundError
from cml.models import ApiKeyCreated, ApiKeyInfo, CreateKeyRequest, Scope
from cml.storage.base import EventRecord, KeyRecord, MemoryStore
from cml.storage.ids import new_id

__all__ = ["KEY_PATTERN", "KEY_PREFIX", "KeyManager", "hash_secret", "new_secret"]

KEY_PREFIX = "cml_"
"""Every secret starts with this, so that secret scanners and people can recognise one."""
KEY_PATTERN = re.compile(
    rf"(?<![A-Za-z0-9_-]){KEY_PREFIX}"
    # Random base64url mixes cases; a long snake_case name such as cml_export_settings_... does not.
    r"(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])[A-Za-z0-9_-]{32,}"
)
"""A key secret (or most of one) inside any text: refused by the write gate, masked in error
messages and server logs."""
_DISPLAY_CHARS = 8


def new_secret() -> str:
    """Make a new key secret: ``cml_`` followed by 43 URL-safe characters (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The hex SHA-256 of a secret, as stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(record: KeyRecord) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=record.id,
        tenant_id=record.tenant_id,
        scopes=[_scope(s) for s in record.scopes],
        name=record.name,
        prefix=record.prefix,
        extra_tenants=list(record.extra_tenants),
        created_at=record.created_at,
        revoked_at=record.revoked_at,
        all_tenants=Scope.OPERATOR in record.scopes,
    )


def _scope(value: str) -> Scope | str:
    try:
        return Scope(value)
    except ValueError:
        return value


class KeyManager:
    """Creates, checks, lists and revokes API keys.

    Args:
        store: Where key hashes and the event log live.

    Example:
        >>> created = engine.keys.create(CreateKeyRequest(tenant_id="acme"))  # doctest: +SKIP
        >>> engine.keys.authenticate(created.key).tenant_id  # doctest: +SKIP
        'acme'
    """

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def create(self, request: CreateKeyRequest, *, actor: str | None = None) -> ApiKeyCreated:
        """Create a key; the returned ``key`` is the only time the secret is visible.

        Args:
            request: Tenant, scopes, optional name and further tenants.
            actor: Id of the key making the request, for the event log.

        Returns:
            The key's details and its secret.
        """
        secret = new_secret()
        record = KeyRecord(
            id=new_id(),
            tenant_id=request.tenant_id,
            key_hash=hash_secret(secret),
            prefix=secret[:_DISPLAY_CHARS],
            scopes=[str(s) for s in dict.fromkeys(request.scopes)],
            created_at=datetime.now(UTC),
            name=request.name,
            extra_tenants=list(dict.fromkeys(request.extra_tenants)),
        )
        with self._store.transaction() as tx:
            tx.insert_key(record)
            tx.add_event(
                EventRecord(
                    tenant_id=record.tenant_id,
                    event_type="key.create",
                    operation="create",
                    created_at=record.created_at,
                    actor=actor,
                    payload={
                        "key_id": record.id,
                        "prefix": record.prefix,
                        "scopes": record.scopes,
                        "name": record.name,
                        "extra_tenants": record.extra_tenants,
                    },
                )
            )
        return ApiKeyCreated(**_info(record).model_dump(), key=secret)

    def authenticate(self, secret: str) -> ApiKeyInfo | None:
        """The key a secret belongs to, or ``None`` if it is unknown or revoked.

        Args:
            secret: The secret presented by a client.

        Returns:
            The key's details, or ``None``.
        """
        if not secret.startswith(KEY_PREFIX):
            return None
        digest = hash_secret(secret)
        record = self._store.find_key(digest)
        # The lookup is by hash already; the constant-time compare guards against a backend
        # whose index lookup were ever to match loosely (collation, truncation).
        if record is None or not hmac.compare_digest(record.key_hash, digest):
            return None
        if record.revoked_at is not None:
            return None
        return _info(record)

    def list(
        self, tenant_id: str | None = None, *, among: Collection[str] | None = None
    ) -> builtins.list[ApiKeyInfo]:
        """All keys (or one tenant's), oldest first, revoked ones included.

        Args:
            tenant_id: Only the keys of this tenant.
            among: Only keys belonging to these tenants (``None``: every tenant).
        """
        records = self._store.list_keys(tenant_id)
        return [_info(r) for r in records if among is None or r.tenant_id in among]

    def revoke(
        self, key_id: str, *, actor: str | None = None, among: Collection[str] | None = None
    ) -> ApiKeyInfo:
        """Revoke a key; revoking an already revoked key changes nothing.

        Args:
            key_id: The key's id (not its secret).
            actor: Id of the key making the request, for the event log.
            among: Tenants the caller administers (``None``: every tenant); a key of another
                tenant is not found.

        Returns:
            The key's details with ``revoked_at`` set.

        Raises:
            RecordNotFoundError: If there is no key with this id.
        """
        record = next((k for k in self._store.list_keys() if k.id == key_id), None)
        if record is not None and among is not None and record.tenant_id not in among:
            record = None
        if record is None:
            if KEY_PATTERN.fullmatch(key_id):
                # Never repeat a secret: this message reaches terminals, logs and error bodies.
                raise RecordNotFoundError(
                    "No API key has this id: it is a key's secret, not its id.",
                    field="key_id",
                    hint="Pass the key's id, as shown by `cml keys list` or list_api_keys().",
                )
            raise RecordNotFoundError(f"No API key with id {key_id!r}.", field="key_id")
        if record.revoked_at is not None:
            return _info(record)
        now = datetime.now(UTC)
        with self._store.transaction() as tx:
            changed = tx.revoke_key(key_id, now)
            if changed:
                tx.add_event(
                    EventRecord(
                        tenant_id=record.tenant_id,
                        event_type="key.revoke",
                        operation="revoke",
                        created_at=now,
                        actor=actor,
                        payload={"key_id": key_id, "prefix": record.prefix},
                    )
                )
        refreshed = next((k for k in self._store.list_keys() if k.id == key_id), record)
        return _info(refreshed)
