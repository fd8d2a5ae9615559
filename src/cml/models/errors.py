"""The error envelope: the body of every non-2xx answer, ``{"error": {...}}``."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from cml.models._fields import ResponseModel

__all__ = ["HTTP_CODES", "ErrorBody", "ErrorDetail", "ErrorResponse"]

HTTP_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
    507: "storage_full",
}
"""The ``error.code`` that stands for an HTTP status when nothing more specific is known."""


class ErrorDetail(ResponseModel):
    """One problem with a request field; ``field`` is a dotted path such as ``items.3.content``."""

    field: str
    message: str


class ErrorBody(ResponseModel):
    """The error object of every non-2xx response."""

    code: str
    """Stable machine-readable code, e.g. ``validation_error``, ``not_found``."""
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)
    request_id: str | None = None
    hint: str | None = None


class ErrorResponse(ResponseModel):
    """The envelope of every non-2xx response: ``{"error": {...}}``."""

    error: ErrorBody
