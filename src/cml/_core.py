"""The I/O-free half of every client: what to send, how to read the answer, whether to retry.

The sync and async clients differ only in their send loops (:mod:`cml._async.transport` and its
generated twin); everything else lives here once:

- :class:`ClientCore` turns a route of the contract's table (:mod:`cml.models.routes`) and the
  caller's arguments into a :class:`Call`: the body is validated by the route's request model (so
  bad input fails before sending, with the server's messages), keyed writes get an
  ``Idempotency-Key`` generated once per call and reused by every retry, the headers carry the
  key, the tenant and the SDK version, and a client bound to a namespace (``with_namespace``)
  confines every namespaced route to it.
- :meth:`ClientCore.observe` reads the tenant the server says it acted on (``X-CML-Tenant``), so a
  client configured without a tenant learns its key's own.
- :meth:`ClientCore.retry_delay` decides whether a failed attempt is retried and after how long;
  :meth:`ClientCore.error` turns an error answer into its exception (through
  :func:`cml.exceptions.error_from_response`, the one place statuses become classes).
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from cml._checks import (
    check_namespace,
    check_namespace_name,
    check_sendable,
    field_errors,
    invalid,
    validate,
)
from cml._version import __version__
from cml.config import CMLConfig
from cml.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    error_from_response,
    parse_retry_after,
    scrub,
)
from cml.models import ErrorDetail, Scope, is_valid_tenant_id
from cml.models.routes import API_PREFIX, Route

__all__ = [
    "USER_AGENT",
    "Call",
    "ClientCore",
    "arguments_for",
    "backoff_delay",
    "request_body",
    "time_param",
]

T = TypeVar("T")

USER_AGENT = f"py-cml/{__version__}"
TENANT_HEADER = "X-Tenant-ID"
REPORTED_TENANT_HEADER = "X-CML-Tenant"
"""The response header in which the server names the tenant a request acted on."""

_ADAPTERS: dict[Any, pydantic.TypeAdapter[Any]] = {}


def _adapter(response: type[T]) -> pydantic.TypeAdapter[T]:
    # Built on first use: `import cml` should not pay for every route's schema.
    adapter = _ADAPTERS.get(response)
    if adapter is None:
        adapter = _ADAPTERS[response] = pydantic.TypeAdapter(response)
    return adapter


def time_param(value: datetime | None) -> str | None:
    """A datetime as a query parameter (ISO 8601; naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def arguments_for(model: type[pydantic.BaseModel], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Those of a method's arguments (its ``locals()``) that are fields of ``model``.

    A method's signature is the one statement of the fields it sends: the arguments named like
    a field of the model are sent; the others (``self``, ``idempotency_key``) are not.
    """
    return {name: value for name, value in arguments.items() if name in model.model_fields}


def request_body(route: Route[Any], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a call: the arguments that are fields of the route's request model."""
    return {} if route.request is None else arguments_for(route.request, arguments)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call, ready to be sent once or, on retryable failures, several times.

    Attributes:
        route: The route.
        url: Absolute URL.
        headers: Every header to send; identical on each attempt.
        params: Query parameters.
        content: The JSON body, encoded.
        idempotency_key: The key of a write (also in ``headers``), ``None`` otherwise.
    """

    route: Route[T]
    url: str
    headers: dict[str, str]
    params: dict[str, str | list[str]]
    content: bytes | None
    idempotency_key: str | None

    @property
    def replayable(self) -> bool:
        """Whether repeating a call that may have reached the server is harmless."""
        return self.route.replayable or self.idempotency_key is not None


class _Shared:
    """What a client and its namespaced copies share: the settings and the reported tenant."""

    def __init__(self, config: CMLConfig) -> None:
        self.config = config
        self.reported_tenant: str | None = None


class ClientCore:
    """Everything a client does that is not I/O, for one :class:`CMLConfig`.

    Args:
        config: The resolved client settings.
        random_source: Source of the retry jitter (a seeded one makes delays reproducible).
    """

    def __init__(self, config: CMLConfig, *, random_source: random.Random | None = None) -> None:
        self._shared = _Shared(config)
        self._pinned: CMLConfig | None = None
        self._random = random_source or random.Random()
        self.namespace: str | None = None
        base = config.base_url.rstrip("/")
        # Accept a base URL given with or without the API prefix.
        self.api_url = base if base.endswith(API_PREFIX) else base + API_PREFIX

    @property
    def config(self) -> CMLConfig:
        """The settings calls are built with now."""
        return self._pinned or self._shared.config

    @property
    def tenant_id(self) -> str | None:
        """The configured tenant, else the key's own as the server reported it, else ``None``."""
        return self.config.tenant_id or self._shared.reported_tenant

    def bind(self, namespace: str) -> ClientCore:
        """A core confined to ``namespace`` (nested in this one's, if it has one).

        It shares this core's settings: :meth:`set_tenant` on either is seen by both.

        Raises:
            ValidationError: ``namespace`` is malformed, or nesting exceeds four segments.
        """
        name = check_namespace_name(namespace)
        if self.namespace is not None:
            name = check_namespace_name(f"{self.namespace}/{name}")
        bound = copy.copy(self)
        bound.namespace = name
        return bound

    def snapshot(self) -> ClientCore:
        """A core fixed to the current settings, unaffected by later :meth:`set_tenant` calls.

        For a sequence of calls that must all act on one tenant (the pages of an iteration).
        """
        fixed = copy.copy(self)
        fixed._pinned = self.config
        return fixed

    def set_tenant(self, tenant_id: str) -> None:
        """Act on ``tenant_id`` from the next call built on.

        The config is replaced, never changed in place, and a :class:`Call` copies its headers
        when it is built: a call already built (being sent or retried on another thread or
        task) keeps the tenant it was built with.

        Raises:
            ValidationError: ``tenant_id`` is not a valid tenant id (nothing changes).
        """
        if not isinstance(tenant_id, str) or not is_valid_tenant_id(tenant_id):
            detail = "must be 1-64 letters, digits, '_', '.' or '-', starting alphanumeric"
            if not isinstance(tenant_id, str):
                detail = "must be a string"
            raise invalid([ErrorDetail(field="tenant_id", message=detail)], hint=None)
        self._shared.config = self._shared.config.replace(tenant_id=tenant_id)

    def namespace_for(self, given: str | None) -> str | None:
        """The namespace a call acts in: ``given``, or a bound client's own namespace.

        Raises:
            ValidationError: A client bound to a namespace is asked for another one.
        """
        if self.namespace is None:
            return given
        if given is not None and given != self.namespace:
            detail = ErrorDetail(
                field="namespace",
                message=f"is {given!r}, but this client is bound to {self.namespace!r}",
            )
            raise invalid(
                [detail],
                hint="Leave namespace out (the client fills it in), or use a client of that "
                "namespace.",
            )
        return self.namespace

    # -- building ------------------------------------------------------------------------------

    def build(
        self,
        route: Route[T],
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str | list[str] | None] | None = None,
        path_args: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Call[T]:
        """Prepare one call.

        Args:
            route: The route.
            body: Fields of the request model; ``None`` values are left out so that the model's
                defaults apply.
            params: Query parameters (a list repeats the parameter); ``None`` values are left
                out.
            path_args: Values of the path's placeholders (URL-quoted here).
            idempotency_key: The caller's key for a keyed write; one is generated when omitted.

        Returns:
            The call.

        Raises:
            ValidationError: The arguments do not satisfy the request model, or name another
                namespace than the client's (nothing is sent).
        """
        if route.namespaced:
            body, params = self._confine(route, body, params)
        content: bytes | None = None
        if route.request is not None:
            model = validate(route.request, body or {})
            data = model.model_dump(mode="json", exclude_unset=True)
            content = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        check_sendable(params, path_args, idempotency_key)
        key: str | None = None
        if route.keyed:
            key = idempotency_key or str(uuid.uuid4())
        path = route.path.format_map(
            {name: quote(value, safe="") for name, value in (path_args or {}).items()}
        )
        return Call(
            route=route,
            url=self.api_url + path,
            headers=self.headers(route, has_body=content is not None, idempotency_key=key),
            params={k: v for k, v in (params or {}).items() if v is not None},
            content=content,
            idempotency_key=key,
        )

    def _confine(
        self,
        route: Route[Any],
        body: Mapping[str, Any] | None,
        params: Mapping[str, str | list[str] | None] | None,
    ) -> tuple[Mapping[str, Any] | None, Mapping[str, str | list[str] | None] | None]:
        """The body and query of a namespaced route, with the call's namespace filled in."""
        if route.request is None:
            given = (params or {}).get("namespace")
            if isinstance(given, list):
                given = None  # not a namespace; the server's own check refuses it
            check_namespace(given)
            return body, {**(params or {}), "namespace": self.namespace_for(given)}
        if "namespace" in route.request.model_fields:
            given = (body or {}).get("namespace")
            return {**(body or {}), "namespace": self.namespace_for(given)}, params
        return body, params  # the namespace sits in the body's items (batch reads)

    def headers(
        self, route: Route[Any], *, has_body: bool, idempotency_key: str | None
    ) -> dict[str, str]:
        """Headers of a call: key, tenant, SDK version, and the write's idempotency key."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        config = self.config
        # Without the header the server acts on the key's own tenant, which is what a key
        # issued for one tenant needs; sending a default here would make such keys fail.
        if config.tenant_id is not None:
            headers[TENANT_HEADER] = config.tenant_id
        key = config.api_key
        if route.scope is Scope.ADMIN and config.admin_api_key:
            key = config.admin_api_key
        if key:
            headers["X-API-Key"] = key
        if has_body:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    # -- reading -------------------------------------------------------------------------------

    def observe(self, call: Call[Any], response: httpx.Response) -> None:
        """Note the tenant the server acted on, when the call left the choice to the key."""
        tenant = response.headers.get(REPORTED_TENANT_HEADER)
        if tenant and TENANT_HEADER not in call.headers and is_valid_tenant_id(tenant):
            self._shared.reported_tenant = tenant

    def parse(self, call: Call[T], response: httpx.Response) -> T:
        """The result of a 2xx answer.

        Raises:
            APIError: The body is not what a py-cml server sends (``code`` ``invalid_response``).
        """
        # Parsed and validated in one pass over the bytes (pydantic's JSON parser).
        try:
            return _adapter(call.route.response).validate_json(response.content)
        except pydantic.ValidationError as exc:
            if any(error["type"] == "json_invalid" for error in exc.errors()):
                raise self._invalid_response(call, response, "is not JSON") from None
            raise self._invalid_response(
                call, response, f"does not match the API: {_summary(exc)}"
            ) from exc

    def parse_event(self, call: Call[T], data: str) -> T:
        """One event of a stream (the JSON ``data`` of a server-sent event)."""
        return _adapter(call.route.response).validate_json(data)

    def _invalid_response(self, call: Call[Any], response: httpx.Response, what: str) -> APIError:
        base_url = self.config.base_url
        return APIError(
            f"The answer to {call.route.method} {call.route.path} {what}",
            status_code=response.status_code,
            code="invalid_response",
            request_id=response.headers.get("x-request-id"),
            hint=f"Check that base_url ({base_url}) is the address of a py-cml server.",
        )

    def error(self, call: Call[Any], response: httpx.Response, *, retries: int) -> APIError:
        """The exception for an error answer (see :func:`error_from_response`)."""
        return error_from_response(
            response.status_code,
            response.headers,
            response.content,
            admin=call.route.scope is Scope.ADMIN,
            retries=retries,
            secrets=self._secrets,
        )

    def connection_error(self, exc: httpx.TransportError, *, retries: int) -> APIConnectionError:
        """The exception for an attempt that got no answer."""
        config = self.config
        tried = f" (after {retries} retries)" if retries else ""
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"No answer from {config.base_url} within {config.timeout} s{tried}",
                hint="Pass a larger timeout= or set CML_TIMEOUT.",
            )
        reason = scrub(str(exc) or type(exc).__name__, self._secrets)
        return APIConnectionError(
            f"Could not reach {config.base_url}{tried}: {reason}",
            hint="Is the server running (`cml serve`)? Pass base_url= or set CML_BASE_URL.",
        )

    # -- retrying ------------------------------------------------------------------------------

    def retry_delay(
        self,
        call: Call[Any],
        attempt: int,
        *,
        response: httpx.Response | None = None,
        exc: httpx.TransportError | None = None,
    ) -> float | None:
        """Whether to retry a failed attempt, and after how many seconds.

        Retried: failures where the server certainly did not act (connection refused, 429, 503),
        and, when repeating is harmless (reads, and writes carrying their idempotency key), also
        timeouts, broken connections, 500, 502 and 504. Never 4xx other than 429.

        Args:
            call: The call that failed.
            attempt: How many retries were already made (0 after the first attempt).
            response: The error answer, if there was one.
            exc: The transport error, if there was no answer.

        Returns:
            Seconds to wait before the next attempt, or ``None`` to give up.
        """
        if attempt >= self.config.max_retries:
            return None
        retry_after: float | None = None
        if response is not None:
            status = response.status_code
            if status in (429, 503):
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            elif not (status in (500, 502, 504) and call.replayable):
                return None
        elif exc is not None:
            # Nothing reached the server in these cases, so a repeat cannot duplicate anything.
            unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
            retryable = isinstance(
                exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError
            )
            if not (unsent or (retryable and call.replayable)):
                return None
        return backoff_delay(attempt, retry_after, self.config, self._random.random())

    @property
    def _secrets(self) -> tuple[str | None, ...]:
        return (self.config.api_key, self.config.admin_api_key)


def _summary(exc: pydantic.ValidationError) -> str:
    return "; ".join(f"{d.field}: {d.message}" for d in field_errors(exc))


def backoff_delay(
    attempt: int, retry_after: float | None, config: CMLConfig, jitter: float
) -> float:
    """The wait before retry number ``attempt + 1``.

    A server's ``Retry-After`` is honoured up to ``config.retry_after_max``. Otherwise the delay
    doubles from ``config.backoff_initial`` up to ``config.backoff_max``, less up to 25 % jitter
    so that many clients do not retry in step.

    Args:
        attempt: Retries already made.
        retry_after: The server's advised wait, if any.
        config: Supplies the caps.
        jitter: A number in [0, 1).

    Returns:
        Seconds to wait.
    """
    if retry_after is not None:
        return min(retry_after, config.retry_after_max)
    delay = min(config.backoff_initial * 2.0**attempt, config.backoff_max)
    return delay * (1.0 - 0.25 * jitter)
