"""One error envelope for every non-2xx response, and the mapping of errors onto it.

Every failure leaves the server as ``models.ErrorResponse``::

    {"error": {"code": "...", "message": "...", "details": [...], "request_id": "...", "hint": ...}}

Engine errors map by class:

========================  ======  =========================
engine error              status  ``error.code``
========================  ======  =========================
``RecordNotFoundError``   404     ``not_found``
``InvalidInputError``     422     ``validation_error``
``SecretRefusedError``    422     ``secret_detected``
``RequestConflictError``  409     ``idempotency_conflict``, ``job_running``
``DeadlineExceeded…``     413     ``deadline_exceeded`` (split the batch; nothing took effect)
``StoreMismatchError``    500     ``store_mismatch`` (a deployment fault, not the caller's)
``DatabaseDamagedError``  500     ``database_damaged`` (not retryable: restore or recover)
``StorageFullError``      507     ``storage_full`` (not worth retrying until disk is freed)
``DatabaseUnavailable…``  503     ``database_unavailable`` (retryable; the server reconnects)
``UnavailableError``      503     ``unavailable``
other ``EngineError``     500     its ``code``
========================  ======  =========================

Unhandled exceptions become ``500 internal_error`` in :mod:`cml.server.middleware`, which logs the
traceback and puts only the request id in the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from cml.errors import (
    DeadlineExceededError,
    EngineError,
    InvalidInputError,
    RecordNotFoundError,
    RequestConflictError,
    SecretRefusedError,
    StorageFullError,
    StoreMismatchError,
    UnavailableError,
)
from cml.models import HTTP_CODES, ErrorBody, ErrorDetail, ErrorResponse
from cml.models.routes import API_PREFIX, ROUTES
from cml.server.redaction import bootstrap_secrets, redact_keys

__all__ = [
    "HTTPProblem",
    "error_body_bytes",
    "error_response",
    "install_error_handlers",
    "request_id_of",
]

_ENGINE_STATUS: tuple[tuple[type[EngineError], int], ...] = (
    (RecordNotFoundError, 404),
    (SecretRefusedError, 422),
    (InvalidInputError, 422),
    (RequestConflictError, 409),
    (DeadlineExceededError, 413),
    (StoreMismatchError, 500),
    (StorageFullError, 507),
    (UnavailableError, 503),
)


class HTTPProblem(Exception):  # noqa: N818 (a "problem" as in RFC 9457, not a bug)
    """An error the server reports to the caller as-is (auth, content type, headers).

    Args:
        status: HTTP status code.
        code: Stable machine-readable code (``error.code``).
        message: What went wrong, in words the caller can act on.
        field: The request field or header at fault, if any.
        hint: How to fix it.
        headers: Extra response headers (e.g. ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.hint = hint
        self.headers = dict(headers or {})


def request_id_of(request: Request) -> str | None:
    """The id the request-id middleware gave this request, if it ran."""
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def _body(
    code: str,
    message: str,
    *,
    request_id: str | None,
    details: Sequence[ErrorDetail] = (),
    hint: str | None = None,
    known_secrets: Iterable[str] = (),
) -> ErrorResponse:
    # Messages quote what the caller sent, and callers paste keys in the wrong places.
    known = tuple(known_secrets)
    clean = [
        ErrorDetail(field=redact_keys(d.field, known), message=redact_keys(d.message, known))
        for d in details
    ]
    return ErrorResponse(
        error=ErrorBody(
            code=code,
            message=redact_keys(message, known),
            details=clean,
            request_id=request_id,
            hint=redact_keys(hint, known) if hint else hint,
        )
    )


def error_body_bytes(
    code: str, message: str, *, request_id: str | None, hint: str | None = None
) -> bytes:
    """The JSON envelope as bytes, for pure-ASGI code that cannot use a ``Response``."""
    return _body(code, message, request_id=request_id, hint=hint).model_dump_json().encode()


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    details: Sequence[ErrorDetail] = (),
    hint: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build the enveloped JSON response for one error (keys in it masked)."""
    settings = getattr(request.app.state, "settings", None)
    known = (
        bootstrap_secrets(settings.api_key, settings.admin_api_key) if settings is not None else ()
    )
    body = _body(
        code,
        message,
        request_id=request_id_of(request),
        details=details,
        hint=hint,
        known_secrets=known,
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers=dict(headers or {})
    )


def _field_path(loc: Sequence[int | str]) -> str:
    # The first element says where the value came from (body, query, header, path); the caller
    # only needs the name inside it, e.g. "items.3.content" or "namespace".
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in {"body", "query", "header", "path", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _clean_message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    # Pydantic prefixes messages of custom validators; the prefix tells the caller nothing.
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if error.get("type") == "missing" and tuple(error.get("loc", ())) == ("body",):
        message = "a JSON object body is required"
    return message


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if errors and errors[0].get("type") == "json_invalid":
        reason = errors[0].get("ctx", {}).get("error", "invalid JSON")
        position = errors[0].get("loc", ("body", "?"))[-1]
        return error_response(
            request,
            400,
            "bad_request",
            f"The request body is not valid JSON: {reason} (at character {position}).",
            hint="Send a JSON object with Content-Type: application/json.",
        )
    # Never echo the rejected input: it may be a secret the caller pasted by mistake.
    details = [
        ErrorDetail(field=_field_path(error.get("loc", ())), message=_clean_message(error))
        for error in errors
    ]
    if details:
        first = details[0]
        message = f"Invalid request: {first.field}: {first.message}"
        if len(details) > 1:
            message += f" (and {len(details) - 1} more problem{'s' if len(details) > 2 else ''})"
    else:
        message = "Invalid request."
    return error_response(request, 422, "validation_error", message, details=details)


async def _on_http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPProblem)
    details = [ErrorDetail(field=exc.field, message=exc.message)] if exc.field else []
    return error_response(
        request,
        exc.status,
        exc.code,
        exc.message,
        details=details,
        hint=exc.hint,
        headers=exc.headers,
    )


def engine_status(exc: EngineError) -> int:
    """The HTTP status an engine error maps to (500 for unknown kinds)."""
    for kind, status in _ENGINE_STATUS:
        if isinstance(exc, kind):
            return status
    return 500


async def _on_engine_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EngineError)
    details = [ErrorDetail(field=exc.field, message=exc.message)] if exc.field else []
    return error_response(
        request, engine_status(exc), exc.code, exc.message, details=details, hint=exc.hint
    )


def _unparsable_body(cause: BaseException | None) -> str | None:
    # FastAPI answers every body its JSON parser gives up on with one vague 400; say why instead.
    if isinstance(cause, RecursionError):
        return "The request body nests JSON arrays or objects too deeply to be read."
    if isinstance(cause, UnicodeDecodeError):
        return "The request body is not valid UTF-8 text."
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "The request body holds a number with too many digits."
    return None


# Every API path (as a pattern) with the methods the route table serves on it.
_API_METHODS: list[tuple[re.Pattern[str], str]] = [
    (compile_path(API_PREFIX + route.path)[0], route.method) for route in ROUTES
]


def _allowed_methods(path: str) -> list[str]:
    """Every method the route table serves on ``path`` (empty for a path outside the API).

    Starlette's 405 names the methods of the first route matching the path only; a path served
    by several routes (``GET`` and ``POST /admin/keys``) must list them all in ``Allow``.
    """
    return sorted({method for pattern, method in _API_METHODS if pattern.match(path)})


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = HTTP_CODES.get(status, "http_error")
    unparsable = _unparsable_body(exc.__cause__) if status == 400 else None
    if status == 404:
        message = f"No route {request.url.path}."
    elif status == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    elif unparsable is not None:
        message = unparsable
    else:
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
    headers = dict(exc.headers) if exc.headers else None
    allowed = _allowed_methods(request.scope["path"]) if status == 405 else []
    if allowed:
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
    return error_response(request, status, code, message, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the envelope."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPProblem, _on_http_problem)
    app.add_exception_handler(EngineError, _on_engine_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
