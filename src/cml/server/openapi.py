"""The error responses of the OpenAPI document: every operation lists the refusals it can answer.

FastAPI documents an operation's success and its own validation error shape. Every py-cml
refusal is the error envelope (``models.ErrorResponse``) instead, and which statuses an operation
can answer follows from what the document already says about it, so they are derived here once
rather than copied onto each route:

==============================================  ===============================================
the operation ...                               may answer
==============================================  ===============================================
(every operation: they all need the engine)     503 (not running, database unavailable)
needs an API key (``security``)                 401, 403, 422 (``X-Tenant-ID``), 429
takes a request body                            400 (malformed JSON), 413, 415, 422
takes query, path or header parameters          422
takes an ``Idempotency-Key`` header             409 (the key was used with another body)
==============================================  ===============================================

A route adds what only it can answer with ``responses={404: {"description": "..."}}``; that
entry gets the envelope schema too.

A query, path or header parameter cannot be ``null`` on the wire (an optional parameter is one
that may be left out), so the ``null`` branch FastAPI writes for ``str | None = None`` is dropped
from parameters: a generated client would otherwise send ``?namespace=`` or ``null`` for it.

Example:
    ``install_error_docs(app)`` in the app factory.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from cml.models import ErrorResponse

__all__ = ["ERROR_DESCRIPTIONS", "error_statuses", "install_error_docs"]

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The body is not valid JSON.",
    401: "No API key, or an unknown or revoked one.",
    403: "The key lacks the scope this route needs, or may not act on the tenant it names.",
    404: "Not found.",
    409: "The Idempotency-Key was used before with a different body.",
    413: "The request body is larger than the server's limit (CML_MAX_REQUEST_BYTES).",
    415: "The body is not sent as JSON (Content-Type: application/json).",
    422: "A field, parameter or header is invalid; error.details names each one.",
    429: "Too many requests with this key; Retry-After says when to try again.",
    503: "The memory engine or its database is not available; retry later.",
    507: "The database's disk is full: nothing was stored; free space, then retry.",
}
"""What each derived error status means (a route may describe its own more precisely)."""

_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_REF_PREFIX = "#/components/schemas/"


def error_statuses(operation: dict[str, Any]) -> set[int]:
    """The error statuses an OpenAPI ``operation`` can answer (see the module doc)."""
    statuses = {503}
    if operation.get("security"):
        statuses |= {401, 403, 422, 429}
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    parameters: list[dict[str, Any]] = operation.get("parameters", [])
    if parameters:
        statuses.add(422)
    if any(
        p.get("in") == "header" and str(p.get("name", "")).lower() == "idempotency-key"
        for p in parameters
    ):
        # Mutating routes take an Idempotency-Key; they may also find the disk full.
        statuses |= {409, 507}
    return statuses


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` of a parameter without the ``null`` it cannot take on the wire."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    kept = [branch for branch in branches if branch != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}


def _document(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if "schema" in parameter:
            parameter["schema"] = _without_null(parameter["schema"])
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in error_statuses(operation):
        # A route's own description of a status (e.g. what its 409 means) is kept.
        responses.setdefault(str(status), {"description": ERROR_DESCRIPTIONS[status]})
    envelope = {"application/json": {"schema": {"$ref": _REF_PREFIX + ErrorResponse.__name__}}}
    for key, response in responses.items():
        if key.isdigit() and int(key) >= 400:
            response["content"] = envelope
    # FastAPI's default 422 entry describes its own error shape; ours is the envelope.
    if responses.get("422", {}).get("description") == "Validation Error":
        responses["422"]["description"] = ERROR_DESCRIPTIONS[422]


def _envelope_schemas() -> dict[str, Any]:
    schema = ErrorResponse.model_json_schema(ref_template=_REF_PREFIX + "{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    definitions[ErrorResponse.__name__] = schema
    return definitions


def install_error_docs(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document list every operation's error statuses with the envelope."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI caches the document it generates; completing it again is cheap and idempotent.
        spec = generate()
        for path_item in spec.get("paths", {}).values():
            for method, operation in path_item.items():
                if method in _HTTP_METHODS:
                    _document(operation)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(_envelope_schemas())
        # FastAPI's validation error shapes are no longer referenced by any operation.
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
