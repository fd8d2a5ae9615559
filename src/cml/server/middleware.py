"""Pure ASGI middleware.

Request ids and tenants on responses, a request body size limit, and the last-resort 500.

Both classes wrap ``receive``/``send`` directly instead of using ``BaseHTTPMiddleware``: they
run on every request, and this keeps them to a few attribute lookups with no extra task.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cml.server.errors import error_body_bytes

__all__ = ["BodySizeLimitMiddleware", "RequestIdMiddleware"]

logger = logging.getLogger("cml.server")

_REQUEST_ID_HEADER = b"x-request-id"
_TENANT_HEADER = b"x-cml-tenant"
# A client-supplied id is echoed only when it is short and plain, so it is safe in logs.
_SAFE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _request_id(scope: Scope) -> str | None:
    state = scope.get("state")
    value = state.get("request_id") if isinstance(state, dict) else None
    return value if isinstance(value, str) else None


async def _send_error(
    send: Send, status: int, code: str, message: str, request_id: str | None
) -> None:
    body = error_body_bytes(code, message, request_id=request_id)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestIdMiddleware:
    """Give every request an id, echo it as ``X-Request-ID``, and turn crashes into a clean 500.

    The id is the client's ``X-Request-ID`` when that is safe to echo, otherwise a new UUID. It is
    stored in ``scope["state"]["request_id"]`` (``request.state.request_id``) for the error
    envelope. An unhandled exception is logged with its traceback and answered with
    ``500 internal_error`` carrying only the request id.

    Once authentication has resolved the tenant a request acts on
    (``request.state.tenant_id``), the response names it in ``X-CML-Tenant``, errors included:
    that is how a client that sent no ``X-Tenant-ID`` learns its key's own tenant.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection; anything but HTTP passes through untouched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = _header(scope, _REQUEST_ID_HEADER)
        if supplied is not None and _SAFE_REQUEST_ID.fullmatch(supplied):
            request_id = supplied.decode("ascii")
        else:
            request_id = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        id_header = (_REQUEST_ID_HEADER, request_id.encode("ascii"))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                ours = (_REQUEST_ID_HEADER, _TENANT_HEADER)
                headers = [(k, v) for k, v in message.get("headers", ()) if k not in ours]
                headers.append(id_header)
                tenant = state.get("tenant_id")
                if isinstance(tenant, str):
                    # Tenant ids are checked names (letters, digits, '_', '.', '-'): ASCII.
                    headers.append((_TENANT_HEADER, tenant.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception(
                "unhandled error in %s %s [request_id=%s]",
                scope.get("method"),
                scope.get("path"),
                request_id,
            )
            if started:
                raise
            await _send_error(
                send_with_id,
                500,
                "internal_error",
                f"Internal server error; quote request id {request_id} when reporting it.",
                request_id,
            )


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with ``413 payload_too_large``.

    A declared ``Content-Length`` over the limit is refused before anything is read; a body
    streamed without one (or longer than declared) is cut off once it passes the limit, and
    whatever the app was about to answer is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"The request body is larger than the limit of {self.max_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection; anything but HTTP passes through untouched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, 413, "payload_too_large", self._message(), _request_id(scope))
            return

        received = 0
        too_large = False
        replaced = False
        app_started = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Reading stops here: to the app the client has gone away, so it answers
                    # with some error, which send_checked swaps for the 413.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def send_checked(message: Message) -> None:
            nonlocal replaced, app_started
            if not too_large or app_started:
                # A response already under way is left alone; it cannot be taken back.
                app_started = app_started or message["type"] == "http.response.start"
                await send(message)
                return
            if message["type"] == "http.response.start" and not replaced:
                replaced = True
                await _send_error(
                    send, 413, "payload_too_large", self._message(), _request_id(scope)
                )

        try:
            await self.app(scope, limited_receive, send_checked)
        except Exception:
            if not too_large or app_started:
                raise
            if not replaced:
                replaced = True
                await _send_error(
                    send, 413, "payload_too_large", self._message(), _request_id(scope)
                )
