"""Checks of a call's arguments before anything is sent, worded as the server words them.

A request that the server would refuse is refused here with the same :class:`ValidationError`
(``status_code`` ``None``: nothing was sent), so a message reads alike wherever it was caught.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import pydantic

from cml.exceptions import ValidationError
from cml.models import ErrorDetail, is_valid_namespace, is_valid_tenant_id

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

__all__ = [
    "NAMESPACE_RULE",
    "check_id",
    "check_namespace",
    "check_namespace_name",
    "check_sendable",
    "check_tenant_id",
    "field_errors",
    "invalid",
    "validate",
]

NAMESPACE_RULE = (
    "a namespace is 1-4 segments separated by '/', each 1-64 letters, digits, '_', '.' or '-' "
    "starting with a letter or digit"
)

_NOTHING_SENT = "Nothing was sent; fix the arguments named (the server would refuse them too)."
_KEY_PREFIX = "cml_"
_KEY_MIN_LENGTH = 36
"""A py-cml key secret is ``cml_`` and 43 more characters; ids never look like that."""
# The server's rule for Idempotency-Key (an HTTP header value); see cml.server.deps.
_IDEMPOTENCY_KEY_RE = re.compile(r"[\x20-\x7e]{1,255}")


def invalid(details: Sequence[ErrorDetail], hint: str | None = _NOTHING_SENT) -> ValidationError:
    """The error refusing a call for ``details`` (at least one), before it is sent.

    Args:
        details: Every problem found, each naming its field.
        hint: How to fix them.

    Returns:
        The exception to raise.
    """
    first = details[0]
    message = f"Invalid request: {first.field}: {first.message}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problem{'s' if len(details) > 2 else ''})"
    return ValidationError(
        message, status_code=None, code="validation_error", details=list(details), hint=hint
    )


def _refuse(field: str, message: str) -> None:
    raise invalid([ErrorDetail(field=field, message=message)], hint=None)


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


def validate(model: type[ModelT], fields: Mapping[str, Any]) -> ModelT:
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
        raise invalid(field_errors(exc)) from exc


def check_namespace(namespace: str | None) -> None:
    """Refuse a malformed namespace query parameter before sending it."""
    if namespace is not None and not is_valid_namespace(namespace):
        _refuse(
            "namespace",
            "must be 1-64 characters of letters, digits, '_', '.', '-' per segment, starting "
            "with a letter or digit, with up to four segments separated by '/'",
        )


def check_namespace_name(namespace: object) -> str:
    """``namespace`` if it is a valid namespace name (for ``with_namespace``).

    Raises:
        ValidationError: Empty, not a string, or malformed; the message states the rule.
    """
    if not isinstance(namespace, str) or not is_valid_namespace(namespace):
        shown = repr(namespace) if isinstance(namespace, str) else type(namespace).__name__
        detail = ErrorDetail(field="namespace", message=f"{shown} is not valid: {NAMESPACE_RULE}")
        raise invalid([detail], hint="Nothing was sent; pick a name that follows the rule.")
    return namespace


def check_tenant_id(tenant_id: str | None) -> None:
    """Refuse a malformed tenant id before sending it."""
    if tenant_id is not None and not is_valid_tenant_id(tenant_id):
        _refuse("tenant_id", "must be 1-64 letters, digits, '_', '.' or '-', starting alphanumeric")


def check_id(name: str, value: str) -> None:
    """Refuse an empty id, or a key's secret, before building a URL from it."""
    if not value.strip():
        _refuse(name, "must not be empty")
    if value.startswith(_KEY_PREFIX) and len(value) >= _KEY_MIN_LENGTH:
        # A URL ends up in access logs and proxies: a secret pasted for an id must not go out.
        _refuse(name, "is an API key's secret; pass the key's id (ApiKeyInfo.id) instead")


def check_sendable(
    params: Mapping[str, str | list[str] | None] | None,
    path_args: Mapping[str, str] | None,
    idempotency_key: str | None,
) -> None:
    """Refuse what HTTP cannot carry, before httpx fails on it with an error of its own."""
    for name, value in [*(params or {}).items(), *(path_args or {}).items()]:
        for item in value if isinstance(value, list) else [value]:
            if item is not None and not _is_utf8(item):
                _refuse(name, "must be valid Unicode (no lone surrogates)")
    if idempotency_key is not None and not _IDEMPOTENCY_KEY_RE.fullmatch(idempotency_key):
        _refuse("idempotency_key", "must be 1-255 printable ASCII characters")


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
