"""The API docs, served with their assets from the package: they work with no network.

Swagger UI (``/api/v1/docs``) and ReDoc (``/api/v1/redoc``) load their scripts, styles and icon
from ``/api/v1/docs-assets/``, files shipped in :mod:`cml.server` (``docs_static/``, with their
licences; see ``docs_static/README.md`` for the versions). ``/`` and ``/docs`` redirect to
Swagger UI. A Content-Security-Policy keeps the pages to their own origin. None of these pages is
part of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from cml.models.routes import API_PREFIX

__all__ = ["DOCS_PATH", "REDOC_PATH", "mount_docs"]

DOCS_PATH = f"{API_PREFIX}/docs"
"""Swagger UI."""
REDOC_PATH = f"{API_PREFIX}/redoc"
"""ReDoc."""
_ASSETS_PATH = f"{API_PREFIX}/docs-assets"
_OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_STATIC = Path(__file__).parent / "docs_static"
# The pages may load nothing from another origin: ReDoc's side menu, for one, shows a logo from
# its vendor's CDN, which the browser then does not even request.
_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = _CSP
    return page


def mount_docs(app: FastAPI) -> None:
    """Serve Swagger UI, ReDoc and their assets, and redirect ``/`` and ``/docs`` to the docs.

    Args:
        app: The py-cml app, created with ``docs_url=None`` and ``redoc_url=None``.
    """
    openapi_url = app.openapi_url or f"{API_PREFIX}/openapi.json"
    title = f"{app.title} API"

    def page(
        render: Callable[..., HTMLResponse], **assets: Any
    ) -> Callable[[], Awaitable[HTMLResponse]]:
        """A docs page over the app's OpenAPI document, loading only ``assets`` we serve."""

        async def show() -> HTMLResponse:
            return _offline(render(openapi_url=openapi_url, title=title, **assets))

        return show

    swagger_ui = page(
        get_swagger_ui_html,
        swagger_js_url=f"{_ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{_ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{_ASSETS_PATH}/favicon-32x32.png",
        oauth2_redirect_url=_OAUTH2_REDIRECT,
        # Swagger UI would otherwise ask a public validator about the spec.
        swagger_ui_parameters={"validatorUrl": None},
    )
    redoc = page(
        get_redoc_html,
        redoc_js_url=f"{_ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{_ASSETS_PATH}/favicon-32x32.png",
        with_google_fonts=False,
    )

    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def to_docs() -> RedirectResponse:
        return RedirectResponse(DOCS_PATH)

    app.add_api_route(DOCS_PATH, swagger_ui, include_in_schema=False)
    app.add_api_route(_OAUTH2_REDIRECT, oauth2_redirect, include_in_schema=False)
    app.add_api_route(REDOC_PATH, redoc, include_in_schema=False)
    app.add_api_route("/", to_docs, include_in_schema=False)
    app.add_api_route("/docs", to_docs, include_in_schema=False)
    app.mount(_ASSETS_PATH, StaticFiles(directory=_STATIC), name="docs-assets")
