"""Every error the py-cml SDK raises.

::

    CMLError
    ├── ConfigurationError          a bad argument or CML_* environment variable (also ValueError)
    ├── APIError                    the server answered with an error (or the input was refused
    │   │                           before sending: ValidationError with status_code None)
    │   ├── AuthenticationError         401  no API key, or an unknown/revoked one
    │   ├── AuthorizationError          403  the key lacks the scope or the tenant
    │   ├── NotFoundError               404
    │   ├── ConflictError               409  an Idempotency-Key reused with another request
    │   ├── ValidationError             400, 413, 415, 422, and client-side validation
    │   ├── RateLimitError              429  (retry_after)
    │   └── ServerError                 5xx
    │       └── ServiceUnavailableError     503
    └── APIConnectionError          no answer: connection refused, reset, DNS, TLS
        └── APITimeoutError             no answer within ``timeout``

:func:`error_from_response` is the one place an HTTP error answer becomes one of these classes.
Every error carries a ``hint`` saying what to do about it. ``str(error)`` is one readable line (plus
field details for validation errors) and never contains an API key.

Example:
    ```python
    try:
        client.write("User prefers window seats")
    except cml.AuthenticationError as exc:
        print(exc.hint)  # Set CML_API_KEY or pass api_key= to the client.
    ```
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import pydantic

from cml.models import HTTP_CODES, ErrorDetail, ErrorResponse

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "AuthorizationError",
    "CMLError",
    "ConfigurationError",
    "ConflictError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "ServiceUnavailableError",
    "ValidationError",
    "error_from_response",
]


class CMLError(Exception):
    """Base of every py-cml SDK error.

    Args:
        message: What went wrong.
        hint: What to do about it, when the SDK knows.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} Hint: {self.hint}"
        return self.message


class ConfigurationError(CMLError, ValueError):
    """A client argument or ``CML_*`` environment variable has a value that cannot be used."""


class APIError(CMLError):
    """The server answered with an error status (the base of every status-specific class).

    Args:
        message: The server's message (``error.message`` of the envelope).
        status_code: The HTTP status, or ``None`` for a request refused before it was sent.
        code: The stable machine-readable code, e.g. ``not_found`` or ``validation_error``.
        request_id: The server's ``X-Request-ID``; quote it when reporting a problem.
        hint: What to do about it.
        details: Per-field problems of a validation error.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None,
        code: str,
        request_id: str | None = None,
        hint: str | None = None,
        details: list[ErrorDetail] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.details: list[ErrorDetail] = list(details or [])

    def __str__(self) -> str:
        head = f"{self.status_code} {self.code}" if self.status_code is not None else self.code
        parts = [f"[{head}] {self.message}"]
        if self.request_id:
            parts.append(f"(request_id: {self.request_id})")
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        # Field problems the message does not already state, one per line.
        extra = [d for d in self.details if d.message not in self.message]
        lines = [f"\n  - {d.field}: {d.message}" for d in extra]
        return " ".join(parts) + "".join(lines)


class AuthenticationError(APIError):
    """401: no API key was sent, or the key is unknown or revoked."""


class AuthorizationError(APIError):
    """403: the key is valid but lacks the scope (e.g. ``admin``) or the tenant for the request."""


class NotFoundError(APIError):
    """404: the memory or key does not exist, or belongs to another tenant."""


class ConflictError(APIError):
    """409: an ``Idempotency-Key`` was reused with a different request."""


class ValidationError(APIError):
    """The request was refused as invalid (400, 413, 415, 422).

    Raised before sending, with ``status_code`` ``None``, when the SDK's own copy of the wire
    contract already rejects the input; the field messages are the ones the server would give.
    """


class RateLimitError(APIError):
    """429: too many requests. ``retry_after`` is the server's advised wait in seconds, if any.

    The other arguments are those of :class:`APIError`.

    Args:
        message: The server's message.
        retry_after: Seconds to wait before retrying, from the ``Retry-After`` header.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the server failed. The SDK has already retried where that was safe."""


class ServiceUnavailableError(ServerError):
    """503: the server or one of its backing services (database, embedder) is unavailable."""


class APIConnectionError(CMLError):
    """No response: the connection was refused or broken, or the name did not resolve."""


class APITimeoutError(APIConnectionError):
    """No response within the client's ``timeout``."""


# ---------------------------------------------------------------------------------------------
# Error answers -> exceptions: the one place statuses become classes
# ---------------------------------------------------------------------------------------------

_CLASSES: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: AuthorizationError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}

# A bare 409 (no envelope) is most likely an Idempotency-Key reused for another request.
_CODES = {**HTTP_CODES, 409: "idempotency_conflict"}

_HINTS = {
    400: "The server could not read the request; check that any proxy forwards JSON unchanged.",
    422: "Fix the fields named in the details and send again.",
    404: "Check the id; memories and keys are visible only to the tenant that owns them.",
    409: "An Idempotency-Key belongs to one request: use a new key for a different request.",
    413: "Shorten the content or metadata, or split the data over several writes.",
    415: "Send the body as JSON (Content-Type: application/json).",
    429: "Too many requests: wait and retry, or allow more retries with max_retries=.",
    503: "The server or its database/embedder is unavailable; check client.health().",
}

_SERVER_HINT = "The server failed; quote the request_id when reporting it."


def error_class(status_code: int) -> type[APIError]:
    """The exception class for an HTTP error status."""
    if status_code in _CLASSES:
        return _CLASSES[status_code]
    return ServerError if status_code >= 500 else APIError


def _auth_hint(status_code: int, code: str, admin: bool) -> str | None:
    if status_code == 401:
        if admin:
            return "Admin routes need an admin key: set CML_ADMIN_API_KEY or pass admin_api_key=."
        if code == "invalid_api_key":
            return "The API key is unknown or revoked: check CML_API_KEY or the api_key= argument."
        return "Set CML_API_KEY or pass api_key= to the client."
    if status_code == 403:
        if admin:
            return (
                "This is an admin route and needs a key with the admin scope: "
                "set CML_ADMIN_API_KEY or pass admin_api_key=."
            )
        return (
            "The API key lacks the scope or the tenant for this request: check its scopes, "
            "and that tenant_id= (CML_TENANT_ID) is a tenant the key may act on (leave it "
            "unset to use the key's own tenant)."
        )
    return None


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    admin: bool = False,
    retries: int = 0,
    secrets: tuple[str | None, ...] = (),
) -> APIError:
    """Map an error answer to its exception: the one place statuses become classes.

    Args:
        status_code: The HTTP status.
        headers: The answer's headers (``X-Request-ID``, ``Retry-After``).
        content: The body: normally the ``ErrorResponse`` envelope, but any bytes are accepted
            (a proxy's HTML page, an empty body).
        admin: The request went to an admin route (changes the 401/403 hint).
        retries: Retries already made, mentioned in the message.
        secrets: Strings (API keys) that must not appear in the exception's text.

    Returns:
        The exception to raise.
    """
    request_id = headers.get("x-request-id")
    details: list[ErrorDetail] = []
    server_hint: str | None = None
    try:
        envelope = ErrorResponse.model_validate_json(content)
    except (pydantic.ValidationError, ValueError):
        code = _CODES.get(status_code, "http_error")
        text = content.decode("utf-8", errors="replace").strip()
        try:
            reason = HTTPStatus(status_code).phrase
        except ValueError:
            reason = "Error"
        message = f"HTTP {status_code} {reason}"
        if text:
            message += f": {text[:200]}{'...' if len(text) > 200 else ''}"
    else:
        body = envelope.error
        code, message, details, server_hint = body.code, body.message, body.details, body.hint
        request_id = body.request_id or request_id
    if retries:
        message += f" (after {retries} retries)"
    hint = (
        _auth_hint(status_code, code, admin)
        or server_hint
        or _HINTS.get(status_code)
        or (_SERVER_HINT if status_code >= 500 else None)
    )
    message = scrub(message, secrets)
    hint = scrub(hint, secrets) if hint else None
    details = [ErrorDetail(field=d.field, message=scrub(d.message, secrets)) for d in details]
    error = error_class(status_code)(
        message,
        status_code=status_code,
        code=code,
        request_id=request_id,
        hint=hint,
        details=details,
    )
    if isinstance(error, RateLimitError):
        error.retry_after = parse_retry_after(headers.get("retry-after"))
    return error


def scrub(text: str, secrets: tuple[str | None, ...]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (seconds or an HTTP date).

    Args:
        value: The header value.
        now: The current time (for tests); the clock when omitted.

    Returns:
        The non-negative wait, or ``None`` when the header is missing or unreadable.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)
