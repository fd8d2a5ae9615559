"""The error envelope: the body of every non-2xx answer, ``{"error": {...}}``."""

from __future__ import annotations

from pydantic import Field

from cml.models._fields import ResponseModel

__all__ = ["ErrorBody", "ErrorDetail", "ErrorResponse"]


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
