"""Keeping API keys out of error bodies and server logs.

The server never puts a presented key into a message on purpose, but messages do quote what the
caller sent (a tenant name, a memory id, a URL in an access log line), and callers paste keys in
the wrong place: a key as ``X-Tenant-ID``, as a memory id, as ``?api_key=`` in a URL. So every
error body and every log record is passed through :func:`redact_keys`, which masks anything
shaped like a py-cml key (:data:`cml.engine.keys.KEY_PATTERN`) and the server's bootstrap keys.

Example:
    >>> redact_keys("tenant 'cml_" + "x" * 43 + "' is not granted")
    "tenant '[REDACTED_KEY]' is not granted"
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr

from cml.engine.keys import KEY_PATTERN

__all__ = [
    "MASK",
    "KeyRedactingFilter",
    "bootstrap_secrets",
    "redact_keys",
    "uvicorn_log_config",
]

MASK = "[REDACTED_KEY]"
"""What a key is replaced with."""

_MIN_KNOWN = 8
"""Shorter bootstrap keys are not masked: replacing every "dev" in every message would do harm
and protect nothing (such a key is guessable anyway)."""


def bootstrap_secrets(*configured: SecretStr | None) -> tuple[str, ...]:
    """The values of configured bootstrap keys worth masking."""
    values = (s.get_secret_value() for s in configured if s is not None)
    return tuple(v for v in values if len(v) >= _MIN_KNOWN)


def redact_keys(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with key-shaped strings and the ``known`` secrets replaced by :data:`MASK`."""
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    if "cml_" in text:  # the cheap test first: almost no text holds a key
        text = KEY_PATTERN.sub(MASK, text)
    return text


class KeyRedactingFilter(logging.Filter):
    """A logging filter that masks keys in a record's message and arguments.

    Arguments are masked one by one rather than merged into the message, so formatters that
    read them (uvicorn's access log formats ``(client, method, path, version, status)``) still
    work.

    Args:
        known: Further secrets to mask (the bootstrap keys).
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        super().__init__()
        self._known = tuple(known)

    def _clean(self, value: object) -> object:
        return redact_keys(value, self._known) if isinstance(value, str) else value

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; never drops it."""
        record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._clean(v) for k, v in record.args.items()}
        return True


def uvicorn_log_config(known: Iterable[str] = ()) -> dict[str, Any]:
    """The uvicorn logging configuration with :class:`KeyRedactingFilter` on every handler.

    Pass it as ``uvicorn.run(..., log_config=...)``: the access log quotes each request's path
    and query string, the one place where a key sent as ``?api_key=...`` would otherwise land.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_keys": {"()": KeyRedactingFilter, "known": list(known)}}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "redact_keys"]
    return config
