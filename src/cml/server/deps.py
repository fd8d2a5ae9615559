"""Dependencies shared by the routes: the settings and the engine held by the app.

Cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in its thread
pool, and each such hop costs more than the work itself (measured: ~1 ms per request in the
embedded client). Only route handlers, which call the blocking engine, go to the pool.
"""

from __future__ import annotations

import email.message
from typing import Annotated

from fastapi import Depends, Header, Request

from cml.engine import Engine
from cml.server.errors import HTTPProblem
from cml.server.settings import ServerSettings

__all__ = [
    "IDEMPOTENCY_KEY_PATTERN",
    "EngineDep",
    "IdempotencyKey",
    "SettingsDep",
    "get_engine",
    "get_settings",
    "require_json",
]

IDEMPOTENCY_KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
"""Idempotency keys: 1-255 printable ASCII characters."""


async def get_settings(request: Request) -> ServerSettings:
    """The settings the app was created with."""
    settings: ServerSettings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    """The engine serving this app; 503 while it is not open (before startup, after shutdown)."""
    engine: Engine | None = request.app.state.engine
    if engine is None:
        raise HTTPProblem(
            503,
            "unavailable",
            "The memory engine is not running.",
            hint="Wait for the server to finish starting.",
        )
    return engine


SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


async def require_json(request: Request) -> None:
    """Refuse a request body that is not sent as JSON (415), before it is validated."""
    content_type = request.headers.get("content-type")
    if content_type == "application/json":  # what the SDK sends: no parameters to parse
        await _require_utf8(request, None)
        return
    if content_type is None:
        if request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in (
            request.headers
        ):
            return  # no body at all: validation reports the missing fields
    else:
        parsed = email.message.Message()
        parsed["content-type"] = content_type
        subtype = parsed.get_content_subtype()
        if parsed.get_content_maintype() == "application" and (
            subtype == "json" or subtype.endswith("+json")
        ):
            await _require_utf8(request, parsed.get_content_charset())
            return
    raise HTTPProblem(
        415,
        "unsupported_media_type",
        f"This route takes a JSON body, not {content_type or 'a body without Content-Type'}.",
        hint="Send the body with Content-Type: application/json.",
    )


async def _require_utf8(request: Request, charset: str | None) -> None:
    # JSON on the wire is UTF-8 (RFC 8259). Python's parser would also guess UTF-16 and UTF-32
    # from the first bytes and take them; a declared other charset is 415, such a body is 400.
    if charset is not None and charset.replace("-", "").replace("_", "") != "utf8":
        raise HTTPProblem(
            415,
            "unsupported_media_type",
            f"This route takes JSON in UTF-8, not {charset}.",
            hint="Send the body encoded as UTF-8 (Content-Type: application/json).",
        )
    head = (await request.body())[:4]
    if b"\x00" in head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise HTTPProblem(
            400,
            "bad_request",
            "The request body is not UTF-8 text (it looks like UTF-16 or UTF-32).",
            hint="Encode the JSON body as UTF-8.",
        )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Makes a retried request take effect once (1-255 printable characters).",
    ),
]
"""The optional ``Idempotency-Key`` header of mutating memory routes."""
