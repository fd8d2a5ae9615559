"""The I/O-free half of both clients: what to send, how to read the answer, whether to retry.

The sync and async clients differ only in their send loop (:mod:`cml.transport`); everything
else lives here once:

- :data:`ENDPOINTS <WRITE>`: one :class:`Endpoint` per route (method, path, body model, response
  parser, admin or not, write or not).
- :class:`ClientCore` turns an endpoint and the caller's arguments into a :class:`Call`: the body
  is validated by the shared request model (so bad input fails before sending, with the
  server's messages), writes get an ``Idempotency-Key`` generated once per call and reused by
  every retry, and the headers carry the key, the tenant and the SDK version.
- :meth:`ClientCore.retry_delay` decides whether a failed attempt is retried and after how long;
  :meth:`ClientCore.error` turns an error answer into its exception (through
  :func:`cml.exceptions.error_from_response`, the one place statuses become classes).
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from cml._version import __version__
from cml.config import CMLConfig
from cml.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ValidationError,
    error_from_response,
    parse_retry_after,
    scrub,
)
from cml.models import (
    ApiKeyCreated,
    ApiKeyInfo,
    BatchReadRequest,
    BatchReadResponse,
    BatchWriteRequest,
    BatchWriteResponse,
    ComponentHealth,
    ConsolidateRequest,
    ConsolidateResponse,
    CreateKeyRequest,
    ErrorDetail,
    EventItem,
    EventPage,
    ForgetRequest,
    ForgetResponse,
    ForgettingRequest,
    ForgettingResponse,
    HealthResponse,
    MemoryPage,
    PurgeRequest,
    PurgeResponse,
    ReadRequest,
    ReadResponse,
    RestoreRequest,
    RestoreResponse,
    StatsResponse,
    TenantInfo,
    TurnRequest,
    TurnResponse,
    UpdateRequest,
    UpdateResponse,
    WriteRequest,
    WriteResponse,
    is_valid_namespace,
    is_valid_tenant_id,
)

T = TypeVar("T")

API_PREFIX = "/api/v1"
USER_AGENT = f"py-cml/{__version__}"


# ---------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint(Generic[T]):
    """One route of the API as the clients see it.

    Attributes:
        method: HTTP method.
        path: Path under ``/api/v1``; ``{name}`` placeholders are filled per call.
        parse: Turns the decoded JSON body of a 2xx answer into the result.
        body: Request model validating the JSON body, if the route takes one.
        admin: An admin route: sent with ``admin_api_key`` when one is configured.
        keyed: A memory write: carries an ``Idempotency-Key`` so that a retry is stored once.
        replayable: Sending it twice does no harm even without a key (reads, GET, DELETE).
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    body: type[pydantic.BaseModel] | None = None
    admin: bool = False
    keyed: bool = False
    replayable: bool = False


_key_list: pydantic.TypeAdapter[list[ApiKeyInfo]] = pydantic.TypeAdapter(list[ApiKeyInfo])

HEALTH = Endpoint("GET", "/health", HealthResponse.model_validate, replayable=True)
WRITE = Endpoint("POST", "/memory/write", WriteResponse.model_validate, WriteRequest, keyed=True)
# A read only bumps access statistics, so repeating it is harmless.
READ = Endpoint("POST", "/memory/read", ReadResponse.model_validate, ReadRequest, replayable=True)
TURN = Endpoint("POST", "/memory/turn", TurnResponse.model_validate, TurnRequest, keyed=True)
UPDATE = Endpoint(
    "POST", "/memory/update", UpdateResponse.model_validate, UpdateRequest, keyed=True
)
FORGET = Endpoint(
    "POST", "/memory/forget", ForgetResponse.model_validate, ForgetRequest, keyed=True
)
STATS = Endpoint("GET", "/memory/stats", StatsResponse.model_validate, replayable=True)
BATCH_WRITE = Endpoint(
    "POST",
    "/memory/batch_write",
    BatchWriteResponse.model_validate,
    BatchWriteRequest,
    keyed=True,
)
BATCH_READ = Endpoint(
    "POST",
    "/memory/batch_read",
    BatchReadResponse.model_validate,
    BatchReadRequest,
    replayable=True,
)
LIST_MEMORIES = Endpoint(
    "GET", "/admin/memories", MemoryPage.model_validate, admin=True, replayable=True
)
# Not replayable: the route takes no Idempotency-Key, and a repeat would mint a second key.
CREATE_KEY = Endpoint(
    "POST", "/admin/keys", ApiKeyCreated.model_validate, CreateKeyRequest, admin=True
)
LIST_KEYS = Endpoint("GET", "/admin/keys", _key_list.validate_python, admin=True, replayable=True)
REVOKE_KEY = Endpoint(
    "DELETE", "/admin/keys/{key_id}", ApiKeyInfo.model_validate, admin=True, replayable=True
)


def _as_dict(model: type[pydantic.BaseModel]) -> Callable[[Any], dict[str, Any]]:
    # The admin operations answer plain dicts; the model still checks the answer's shape.
    def parse(data: Any) -> dict[str, Any]:
        return model.model_validate(data).model_dump()

    return parse


def _tenant_list(data: Any) -> list[dict[str, Any]]:
    return [TenantInfo.model_validate(item).model_dump() for item in data]


def parse_event(data: str) -> dict[str, Any]:
    """One event of the event stream (the JSON ``data`` of an SSE message) as a dict."""
    return EventItem.model_validate_json(data).model_dump()


# Not replayable: a repeat of an applied run would act again (or hit the running job's 409).
CONSOLIDATE = Endpoint(
    "POST",
    "/admin/consolidate",
    _as_dict(ConsolidateResponse),
    ConsolidateRequest,
    admin=True,
)
RUN_FORGETTING = Endpoint(
    "POST", "/admin/forget", _as_dict(ForgettingResponse), ForgettingRequest, admin=True
)
# Purging twice purges the same memories once.
PURGE = Endpoint(
    "POST", "/admin/purge", _as_dict(PurgeResponse), PurgeRequest, admin=True, replayable=True
)
LIST_TENANTS = Endpoint("GET", "/admin/tenants", _tenant_list, admin=True, replayable=True)
GET_EVENTS = Endpoint("GET", "/admin/events", _as_dict(EventPage), admin=True, replayable=True)
STREAM_EVENTS = Endpoint("GET", "/admin/events/stream", parse_event, admin=True, replayable=True)
COMPONENTS = Endpoint(
    "GET", "/admin/components", _as_dict(ComponentHealth), admin=True, replayable=True
)
RESTORE = Endpoint(
    "POST", "/memory/restore", RestoreResponse.model_validate, RestoreRequest, keyed=True
)


def time_param(value: datetime | None) -> str | None:
    """A datetime as a query parameter (ISO 8601; naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call, ready to be sent once or, on retryable failures, several times.

    Attributes:
        endpoint: The route.
        url: Absolute URL.
        headers: Every header to send; identical on each attempt.
        params: Query parameters.
        content: The JSON body, encoded.
        idempotency_key: The key of a write (also in ``headers``), ``None`` otherwise.
    """

    endpoint: Endpoint[T]
    url: str
    headers: dict[str, str]
    params: dict[str, str | list[str]]
    content: bytes | None
    idempotency_key: str | None

    @property
    def replayable(self) -> bool:
        """Whether repeating a call that may have reached the server is harmless."""
        return self.endpoint.replayable or self.idempotency_key is not None


# ---------------------------------------------------------------------------------------------
# The core
# ---------------------------------------------------------------------------------------------


class ClientCore:
    """Everything a client does that is not I/O, for one :class:`CMLConfig`.

    Args:
        config: The resolved client settings.
        random_source: Source of the retry jitter (a seeded one makes delays reproducible).
    """

    def __init__(self, config: CMLConfig, *, random_source: random.Random | None = None) -> None:
        self.config = config
        self._random = random_source or random.Random()
        base = config.base_url.rstrip("/")
        # Accept a base URL given with or without the API prefix.
        self.api_url = base if base.endswith(API_PREFIX) else base + API_PREFIX

    def snapshot(self) -> ClientCore:
        """A core fixed to the current settings, unaffected by later :meth:`set_tenant` calls.

        For a sequence of calls that must all act on one tenant (the pages of an iteration).
        """
        return ClientCore(self.config, random_source=self._random)

    def set_tenant(self, tenant_id: str) -> None:
        """Act on ``tenant_id`` from the next call built on.

        The config is replaced, never changed in place, and a :class:`Call` copies its headers
        when it is built: a call already built (being sent or retried on another thread or
        task) keeps the tenant it was built with.

        Raises:
            ValidationError: ``tenant_id`` is not a valid tenant id (nothing changes).
        """
        if not isinstance(tenant_id, str):
            _invalid("tenant_id", "must be a string")
        check_tenant_id(tenant_id)
        self.config = self.config.replace(tenant_id=tenant_id)

    # -- building ------------------------------------------------------------------------------

    def build(
        self,
        endpoint: Endpoint[T],
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str | list[str] | None] | None = None,
        path_args: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Call[T]:
        """Prepare one call.

        Args:
            endpoint: The route.
            body: Fields of the request model; ``None`` values are left out so that the model's
                defaults apply.
            params: Query parameters (a list repeats the parameter); ``None`` values are left
                out.
            path_args: Values of the path's placeholders (URL-quoted here).
            idempotency_key: The caller's key for a write; one is generated when omitted.

        Returns:
            The call.

        Raises:
            ValidationError: The body does not satisfy the request model (nothing is sent).
        """
        content: bytes | None = None
        if endpoint.body is not None:
            model = validate(endpoint.body, body or {})
            data = model.model_dump(mode="json", exclude_unset=True)
            content = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        _check_sendable(params, path_args, idempotency_key)
        key: str | None = None
        if endpoint.keyed:
            key = idempotency_key or str(uuid.uuid4())
        path = endpoint.path.format_map(
            {name: quote(value, safe="") for name, value in (path_args or {}).items()}
        )
        return Call(
            endpoint=endpoint,
            url=self.api_url + path,
            headers=self.headers(endpoint, has_body=content is not None, idempotency_key=key),
            params={k: v for k, v in (params or {}).items() if v is not None},
            content=content,
            idempotency_key=key,
        )

    def headers(
        self, endpoint: Endpoint[Any], *, has_body: bool, idempotency_key: str | None
    ) -> dict[str, str]:
        """Headers of a call: key, tenant, SDK version, and the write's idempotency key."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        # Without the header the server acts on the key's own tenant, which is what a key
        # issued for one tenant needs; sending a default here would make such keys fail.
        if self.config.tenant_id is not None:
            headers["X-Tenant-ID"] = self.config.tenant_id
        key = self.config.api_key
        if endpoint.admin and self.config.admin_api_key:
            key = self.config.admin_api_key
        if key:
            headers["X-API-Key"] = key
        if has_body:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    # -- reading -------------------------------------------------------------------------------

    def parse(self, call: Call[T], response: httpx.Response) -> T:
        """The result of a 2xx answer.

        Raises:
            APIError: The body is not what a py-cml server sends (``code`` ``invalid_response``).
        """
        request_id = response.headers.get("x-request-id")
        hint = f"Check that base_url ({self.config.base_url}) is the address of a py-cml server."
        try:
            data = json.loads(response.content)
        except ValueError:
            raise APIError(
                f"The answer to {call.endpoint.method} {call.endpoint.path} is not JSON",
                status_code=response.status_code,
                code="invalid_response",
                request_id=request_id,
                hint=hint,
            ) from None
        try:
            return call.endpoint.parse(data)
        except pydantic.ValidationError as exc:
            raise APIError(
                f"The answer to {call.endpoint.method} {call.endpoint.path} does not match the "
                f"API: {_summary(exc)}",
                status_code=response.status_code,
                code="invalid_response",
                request_id=request_id,
                hint=hint,
            ) from exc

    def error(self, call: Call[Any], response: httpx.Response, *, retries: int) -> APIError:
        """The exception for an error answer (see :func:`error_from_response`)."""
        return error_from_response(
            response.status_code,
            response.headers,
            response.content,
            admin=call.endpoint.admin,
            retries=retries,
            secrets=(self.config.api_key, self.config.admin_api_key),
        )

    def connection_error(self, exc: httpx.TransportError, *, retries: int) -> APIConnectionError:
        """The exception for an attempt that got no answer."""
        tried = f" (after {retries} retries)" if retries else ""
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"No answer from {self.config.base_url} within {self.config.timeout} s{tried}",
                hint="Pass a larger timeout= or set CML_TIMEOUT.",
            )
        reason = scrub(str(exc) or type(exc).__name__, self._secrets)
        return APIConnectionError(
            f"Could not reach {self.config.base_url}{tried}: {reason}",
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


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def validate(model: type[pydantic.BaseModel], fields: Mapping[str, Any]) -> pydantic.BaseModel:
    """Build a request model, raising :class:`ValidationError` with per-field details.

    Args:
        model: The request model.
        fields: Its fields; ``None`` values are left out so that the model's defaults apply.

    Returns:
        The validated model.

    Raises:
        ValidationError: With ``status_code`` ``None``: the request was not sent.
    """
    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except pydantic.ValidationError as exc:
        details = field_errors(exc)
        raise ValidationError(
            _invalid_message(details),
            status_code=None,
            code="validation_error",
            details=details,
            hint="Nothing was sent; fix the arguments named (the server would refuse them too).",
        ) from exc


def check_namespace(namespace: str | None) -> None:
    """Refuse a malformed namespace query parameter before sending it."""
    if namespace is not None and not is_valid_namespace(namespace):
        _invalid(
            "namespace",
            "must be 1-64 characters of letters, digits, '_', '.', '-' per segment, starting "
            "with a letter or digit, with up to four segments separated by '/'",
        )


def check_tenant_id(tenant_id: str | None) -> None:
    """Refuse a malformed tenant id before sending it."""
    if tenant_id is not None and not is_valid_tenant_id(tenant_id):
        _invalid(
            "tenant_id", "must be 1-64 letters, digits, '_', '.' or '-', starting alphanumeric"
        )


_KEY_PREFIX = "cml_"
_KEY_MIN_LENGTH = 36
"""A py-cml key secret is ``cml_`` and 43 more characters; ids never look like that."""


def check_id(name: str, value: str) -> None:
    """Refuse an empty id, or a key's secret, before building a URL from it."""
    if not value.strip():
        _invalid(name, "must not be empty")
    if value.startswith(_KEY_PREFIX) and len(value) >= _KEY_MIN_LENGTH:
        # A URL ends up in access logs and proxies: a secret pasted for an id must not go out.
        _invalid(name, "is an API key's secret; pass the key's id (ApiKeyInfo.id) instead")


# The server's rule for Idempotency-Key (an HTTP header value); see cml.server.deps.
_IDEMPOTENCY_KEY_RE = re.compile(r"[\x20-\x7e]{1,255}")


def _check_sendable(
    params: Mapping[str, str | list[str] | None] | None,
    path_args: Mapping[str, str] | None,
    idempotency_key: str | None,
) -> None:
    """Refuse what HTTP cannot carry, before httpx fails on it with an error of its own."""
    for name, value in [*(params or {}).items(), *(path_args or {}).items()]:
        for item in value if isinstance(value, list) else [value]:
            if item is not None and not _is_utf8(item):
                _invalid(name, "must be valid Unicode (no lone surrogates)")
    if idempotency_key is not None and not _IDEMPOTENCY_KEY_RE.fullmatch(idempotency_key):
        _invalid("idempotency_key", "must be 1-255 printable ASCII characters")


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _invalid(field: str, message: str) -> None:
    details = [ErrorDetail(field=field, message=message)]
    raise ValidationError(
        _invalid_message(details), status_code=None, code="validation_error", details=details
    )


def field_errors(exc: pydantic.ValidationError) -> list[ErrorDetail]:
    """Per-field problems of a pydantic error, named and worded as the server reports them."""
    details = []
    for error in exc.errors(include_url=False):
        message = error["msg"]
        # Pydantic prefixes messages of custom validators; the prefix tells the caller nothing.
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        field = ".".join(str(part) for part in error["loc"]) or "body"
        details.append(ErrorDetail(field=field, message=message))
    return details


def _invalid_message(details: list[ErrorDetail]) -> str:
    # The same wording as the server's 422, so a message reads alike wherever it was caught.
    first = details[0]
    message = f"Invalid request: {first.field}: {first.message}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problem{'s' if len(details) > 2 else ''})"
    return message


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
