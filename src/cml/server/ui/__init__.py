"""The operator dashboard: static files served at ``/ui`` by ``cml serve``.

The dashboard is an HTML shell, a few ES modules and one stylesheet shipped in the package
(``static/``); there is no build step and nothing is fetched from elsewhere. The scripts call the
public ``/api/v1`` routes with the API key the operator signs in with, kept in the browser's
session storage, so the dashboard can do nothing the API does not allow that key.

Every response under ``/ui`` carries a Content-Security-Policy that allows scripts, styles,
images and connections from the server's own origin only and no inline scripts, so memory
content (untrusted text the scripts only ever insert as text) cannot run even if it were
inserted as markup by mistake.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["CONTENT_SECURITY_POLICY", "UI_PATH", "mount_ui"]

UI_PATH = "/ui"
"""Where the dashboard is served."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""The policy of every ``/ui`` response: same-origin only, no inline or injected scripts."""

_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # A new release's scripts must not be mixed with an old, cached shell.
    "Cache-Control": "no-cache",
}

_STATIC = Path(__file__).parent / "static"


class _DashboardFiles(StaticFiles):
    """The packaged files, each response with the dashboard's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_HEADERS)
        return response


def mount_ui(app: FastAPI) -> None:
    """Serve the dashboard at ``/ui/`` (the router redirects ``/ui`` there).

    The files are a mount, not routes: they are no part of the API or its OpenAPI document.

    Args:
        app: The py-cml app; the dashboard's scripts call its ``/api/v1`` routes.
    """
    app.mount(UI_PATH, _DashboardFiles(directory=_STATIC, html=True), name="ui")
