"""Who is calling: API key → :class:`Principal` (effective tenant and scopes).

A key comes in ``X-API-Key`` or ``Authorization: Bearer <key>``. Two bootstrap keys may come from
the settings (``api_key``: read and write on tenant ``default``; ``admin_api_key``: a global
operator key); any other key is looked up in the store by the engine's key manager.

``X-Tenant-ID`` picks the tenant a request acts on. A key may act on its own tenant and its
``extra_tenants`` only, admin keys included: the admin scope administers those tenants (and
implies read and write on them). Only a global operator key (the ``operator`` scope, or the
bootstrap ``admin_api_key``) may act on, and administer, any tenant. With ``auth_enabled`` off
(embedded mode) every request has all scopes on the tenant named by ``X-Tenant-ID``
(``default`` when absent).

Once the caller is known, the request is counted against its key's rate limit
(:mod:`cml.server.ratelimit`); requests without a valid key are never counted. The tenant the
request acts on is recorded for the response (``X-CML-Tenant``, see
:mod:`cml.server.middleware`), so a client that sent no ``X-Tenant-ID`` learns its key's tenant.

Example:
    ``def route(principal: Annotated[Principal, Depends(require(Scope.READ))]): ...``
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import SecretStr

from cml.engine import Engine
from cml.engine.keys import KEY_PATTERN
from cml.engine.probes import span
from cml.models import NAME_PATTERN, ApiKeyInfo, Scope, is_valid_tenant_id
from cml.server.deps import get_engine, get_settings
from cml.server.errors import HTTPProblem
from cml.server.ratelimit import arrival_cost, enforce
from cml.server.settings import ServerSettings

__all__ = [
    "ADMIN_KEY_ID",
    "BOOTSTRAP_KEY_ID",
    "DEFAULT_TENANT",
    "AdminPrincipal",
    "Principal",
    "ReadPrincipal",
    "WritePrincipal",
    "authenticate",
    "require",
    "revocation_check",
]

DEFAULT_TENANT = "default"
"""Tenant of the bootstrap ``api_key`` and of unauthenticated embedded requests."""
BOOTSTRAP_KEY_ID = "bootstrap"
"""``Principal.key_id`` of the bootstrap ``api_key`` from the settings."""
ADMIN_KEY_ID = "bootstrap-admin"
"""``Principal.key_id`` of the bootstrap ``admin_api_key`` from the settings."""

_ALL_SCOPES = frozenset(Scope)
_TENANT_ADMIN_SCOPES = _ALL_SCOPES - {Scope.OPERATOR}
_TENANT_HEADER = "X-Tenant-ID"


@dataclass(frozen=True)
class Principal:
    """The caller of one request.

    Attributes:
        key_id: Id of the API key used (``None`` when auth is off).
        tenant_id: The tenant this request acts on (after ``X-Tenant-ID``).
        scopes: What the key may do; the admin scope implies the others.
        is_admin: Whether the key may administer (the admin or the operator scope).
        key_tenant_id: The tenant the key belongs to (``None`` when auth is off).
        tenants: The tenants the key may act on: its own and its extra tenants.
        all_tenants: A global operator key (or auth off): it may act on any tenant.
    """

    key_id: str | None
    tenant_id: str
    scopes: frozenset[Scope]
    is_admin: bool
    key_tenant_id: str | None = None
    tenants: tuple[str, ...] = ()
    all_tenants: bool = False

    @property
    def actor(self) -> str | None:
        """What the event log records as the author of a change."""
        return f"key:{self.key_id}" if self.key_id else None

    @property
    def visible_tenants(self) -> frozenset[str] | None:
        """The tenants this caller may see and administer; ``None`` for every tenant."""
        return None if self.all_tenants else frozenset(self.tenants)

    def may_act_on(self, tenant: str) -> bool:
        """Whether this caller may act on ``tenant``."""
        return self.all_tenants or tenant in self.tenants

    def check_tenant(self, tenant: str, *, field: str = "tenant_id") -> str:
        """Return ``tenant`` if this caller may act on it.

        Raises:
            HTTPProblem: 403, naming the tenants the key may use and how to get further.
        """
        if not self.may_act_on(tenant):
            raise _not_granted(tenant, self.tenants, admin=self.is_admin, field=field)
        return tenant


def _not_granted(tenant: str, tenants: tuple[str, ...], *, admin: bool, field: str) -> HTTPProblem:
    allowed = ", ".join(repr(t) for t in tenants)
    if admin:
        message = (
            f"This admin key is bound to tenant {allowed} and may not administer tenant {tenant!r}."
        )
        hint = (
            "Use a key granted that tenant, or a global operator key "
            "(`cml keys create --global`, or the server's CML_ADMIN_API_KEY)."
        )
    else:
        message = f"This API key may not act on tenant {tenant!r}; it may use tenant {allowed}."
        hint = "Drop X-Tenant-ID or use a key issued for that tenant."
    return HTTPProblem(403, "forbidden", message, field=field, hint=hint)


def _unauthorized(code: str, message: str, hint: str) -> HTTPProblem:
    return HTTPProblem(401, code, message, hint=hint, headers={"WWW-Authenticate": "Bearer"})


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return None


def _matches(presented: str, configured: SecretStr | None) -> bool:
    secret = configured.get_secret_value() if configured is not None else ""
    if not secret:
        return False
    # Digests first: compare_digest takes constant time only for inputs of equal length, and
    # the bootstrap keys' lengths are secret too.
    return hmac.compare_digest(
        hashlib.sha256(presented.encode("utf-8")).digest(),
        hashlib.sha256(secret.encode("utf-8")).digest(),
    )


def _requested_tenant(request: Request) -> str | None:
    tenant = request.headers.get(_TENANT_HEADER)
    if tenant is None:
        return None
    if not is_valid_tenant_id(tenant):
        raise HTTPProblem(
            422,
            "validation_error",
            "X-Tenant-ID must be 1-64 letters, digits, '_', '.' or '-', starting with a letter "
            "or digit.",
            field=_TENANT_HEADER,
        )
    settings: ServerSettings | None = getattr(request.app.state, "settings", None)
    bootstrap = (settings.api_key, settings.admin_api_key) if settings is not None else ()
    if KEY_PATTERN.fullmatch(tenant) or any(_matches(tenant, key) for key in bootstrap):
        # Acted on, the key would become a tenant name: stored, listed and logged in events.
        raise HTTPProblem(
            422,
            "validation_error",
            "X-Tenant-ID holds an API key, not a tenant name.",
            field=_TENANT_HEADER,
            hint="Send the key in X-API-Key (or Authorization: Bearer) and the tenant's name here.",
        )
    return tenant


def _principal(
    key_id: str,
    home_tenant: str,
    extra_tenants: list[str],
    scopes: frozenset[Scope],
    requested: str | None,
) -> Principal:
    all_tenants = Scope.OPERATOR in scopes
    is_admin = all_tenants or Scope.ADMIN in scopes
    if all_tenants:
        scopes = _ALL_SCOPES
    elif is_admin:
        scopes = _TENANT_ADMIN_SCOPES
    principal = Principal(
        key_id=key_id,
        tenant_id=requested or home_tenant,
        scopes=scopes,
        is_admin=is_admin,
        key_tenant_id=home_tenant,
        tenants=tuple(dict.fromkeys([home_tenant, *extra_tenants])),
        all_tenants=all_tenants,
    )
    principal.check_tenant(principal.tenant_id, field=_TENANT_HEADER)
    return principal


def _key_principal(info: ApiKeyInfo, requested: str | None) -> Principal:
    # Scopes unknown to this version of the server are ignored rather than trusted.
    scopes = frozenset(Scope(s) for s in info.scopes if s in _ALL_SCOPES)
    return _principal(info.id, info.tenant_id, list(info.extra_tenants), scopes, requested)


async def authenticate(request: Request) -> Principal:
    """Resolve the caller of ``request`` and count it against its key's rate limit.

    The settings and the engine are taken here rather than declared as sub-dependencies: each
    dependency FastAPI solves costs more than what these two do (decision 93).

    Raises:
        HTTPProblem: 503 while the engine is not running; 401/403/422 for the key or the
            tenant; 429 when the key is over its limit.
    """
    settings = await get_settings(request)
    engine = await get_engine(request)
    with span("auth"):
        principal = await _identify(request, settings, engine)
    request.state.key_id = principal.key_id
    # After authentication: requests with no valid key never use up a real key's budget.
    limiter = getattr(request.app.state, "rate_limiter", None)
    enforce(limiter, principal.key_id, arrival_cost(request.url.path))
    request.state.tenant_id = principal.tenant_id
    return principal


async def _identify(request: Request, settings: ServerSettings, engine: Engine) -> Principal:
    if not settings.auth_enabled:
        tenant = _requested_tenant(request) or DEFAULT_TENANT
        return Principal(
            key_id=None, tenant_id=tenant, scopes=_ALL_SCOPES, is_admin=True, all_tenants=True
        )

    presented = _presented_key(request)
    if presented is None:
        raise _unauthorized(
            "authentication_required",
            "This route needs an API key.",
            "Send it as X-API-Key: <key> or Authorization: Bearer <key>.",
        )
    requested = _requested_tenant(request)

    if _matches(presented, settings.admin_api_key):
        return _principal(ADMIN_KEY_ID, DEFAULT_TENANT, [], _ALL_SCOPES, requested)
    if _matches(presented, settings.api_key):
        scopes = frozenset({Scope.READ, Scope.WRITE})
        return _principal(BOOTSTRAP_KEY_ID, DEFAULT_TENANT, [], scopes, requested)

    info = await run_in_threadpool(engine.keys.authenticate, presented)
    if info is None:
        # The key itself is never echoed: it may be a real secret with a typo.
        raise _unauthorized(
            "invalid_api_key",
            "The API key is not valid (unknown or revoked).",
            "Check the key, or ask an admin for a new one.",
        )
    return _key_principal(info, requested)


def revocation_check(request: Request, principal: Principal, engine: Engine) -> Callable[[], bool]:
    """A check, for responses that outlive their request, that the caller's key still works.

    Requests are authenticated when they arrive; a response that goes on for minutes (the event
    stream) calls this now and then so that revoking its key ends it. Bootstrap keys (and
    requests without auth) cannot be revoked: their check always passes.
    """
    if principal.key_id in (None, ADMIN_KEY_ID, BOOTSTRAP_KEY_ID):
        return lambda: True
    presented = _presented_key(request) or ""
    return lambda: engine.keys.authenticate(presented) is not None


_SCOPE_MESSAGES = {
    Scope.READ: "This route needs an API key with the read scope.",
    Scope.WRITE: "This route needs an API key with the write scope.",
    Scope.ADMIN: "This route needs an admin API key.",
    Scope.OPERATOR: "This route needs a global operator key.",
}


# Declare the key (either security scheme) and X-Tenant-ID in the OpenAPI document; reading and
# checking them stays with authenticate(), which answers before these declarations are looked at.
_API_KEY_SCHEME = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="An API key; also accepted as Authorization: Bearer <key>.",
    auto_error=False,
)
_BEARER_SCHEME = HTTPBearer(
    scheme_name="Bearer", description="An API key as a bearer token.", auto_error=False
)
_DeclaredTenant = Annotated[
    str | None,
    Header(
        alias=_TENANT_HEADER,
        pattern=NAME_PATTERN,
        description="The tenant to act on (the key's own when absent). An admin key may name "
        "any tenant, another key its own and its extra tenants (403 otherwise). An API key "
        "sent here is refused (422).",
    ),
]


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the caller and checks it holds ``scope`` (403 if not)."""

    async def check(
        principal: Annotated[Principal, Depends(authenticate)],
        _declared_key: Annotated[str | None, Security(_API_KEY_SCHEME)] = None,
        _declared_bearer: Annotated[object, Security(_BEARER_SCHEME)] = None,
        _declared_tenant: _DeclaredTenant = None,
    ) -> Principal:
        if scope not in principal.scopes:
            raise HTTPProblem(403, "forbidden", _SCOPE_MESSAGES[scope])
        return principal

    return check


ReadPrincipal = Annotated[Principal, Depends(require(Scope.READ))]
"""A caller allowed to read on its tenant."""
WritePrincipal = Annotated[Principal, Depends(require(Scope.WRITE))]
"""A caller allowed to write on its tenant."""
AdminPrincipal = Annotated[Principal, Depends(require(Scope.ADMIN))]
"""A caller with an admin key (of its tenants, or a global operator key)."""
