"""The middleware that watches every request: metrics, the access log and the log context.

It runs inside :class:`~cml.server.middleware.RequestIdMiddleware` (so the request id exists)
and times the request from its first byte in to its last byte out. The route is the template
the router matched (``/api/v1/admin/keys/{key_id}``), never the raw path.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cml.server.logging_json import ACCESS_LOGGER, current_request
from cml.server.metrics import Metrics, route_template

__all__ = ["ObserveMiddleware"]

access_log = logging.getLogger(ACCESS_LOGGER)


class ObserveMiddleware:
    """Count and time each HTTP request, and write its access log line when asked to.

    Args:
        app: The app to wrap.
        metrics: Where to count requests (``None``: metrics are off).
        access_log: Write one ``cml.access`` line per request (the JSON log format).
    """

    def __init__(self, app: ASGIApp, metrics: Metrics | None, *, access_log: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection; anything but HTTP passes through untouched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        token = current_request.set(scope)
        started = time.perf_counter()
        status = 500

        async def send_watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_watched)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            if self.metrics is not None:
                self.metrics.observe_request(route, method, status, seconds)
            if self.access_log:
                access_log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                    },
                )
            current_request.reset(token)
