"""Structured logs: ``CML_LOG_FORMAT=json`` writes one JSON object per line.

Every line has ``time`` (ISO 8601, UTC), ``level``, ``logger`` and ``message``; a line written
while a request is served also has its ``request_id``, and once authentication has run its
``tenant`` and ``key_id`` (the key's id, never the key). The access log (logger ``cml.access``,
one line per request, written by :mod:`cml.server.observe`) adds ``method``, ``route`` (the
template), ``status`` and ``duration_ms``. Keys that a caller pasted into a URL or a field are
masked as in every other log (:class:`~cml.server.redaction.KeyRedactingFilter`).

Example:
    ``CML_LOG_FORMAT=json cml serve 2>&1 | jq 'select(.status >= 500)'``
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from cml.server.redaction import KeyRedactingFilter

__all__ = ["ACCESS_LOGGER", "JsonFormatter", "current_request", "json_log_config"]

ACCESS_LOGGER = "cml.access"

current_request: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "cml_current_request", default=None
)
"""The ASGI scope of the request being served; its ``state`` holds ``request_id``,
``tenant_id`` and ``key_id`` once they are known."""

_FROM_STATE = (("request_id", "request_id"), ("tenant_id", "tenant"), ("key_id", "key_id"))
_EXTRA = ("method", "route", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON with the request's context."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object on one line."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        scope = current_request.get()
        state = scope.get("state") if scope is not None else None
        if isinstance(state, dict):
            for attribute, name in _FROM_STATE:
                value = state.get(attribute)
                if value is not None:
                    line[name] = value
        for name in _EXTRA:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_log_config(level: str, known: Iterable[str] = ()) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for JSON lines on stderr, uvicorn's loggers included.

    uvicorn's own access log is turned off: ``cml.access`` writes one line per request instead,
    with the route template, tenant and duration that uvicorn does not know.

    Args:
        level: The log level (``info``, ``warning``, ...).
        known: Secrets to mask besides key-shaped strings (the bootstrap keys).
    """
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["redact_keys"],
        "stream": "ext://sys.stderr",
    }
    named = {"level": level.upper(), "handlers": ["default"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"redact_keys": {"()": KeyRedactingFilter, "known": list(known)}},
        "handlers": {"default": handler},
        "root": {"level": level.upper(), "handlers": ["default"]},
        "loggers": {
            "uvicorn": named,
            "uvicorn.error": named,
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            ACCESS_LOGGER: named,
        },
    }
