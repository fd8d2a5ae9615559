"""Route modules of the ``/api/v1`` API, one router each.

Every route is registered from the contract's route table (:mod:`cml.models.routes`), so its
method and path are written once for the server and the SDK; the scope it needs is declared by
the handler's principal (``ReadPrincipal``, ``WritePrincipal``, ``AdminPrincipal``), and a test
checks that it is the table's. The API docs take each operation's summary from the first line of
its handler's docstring and its example from :mod:`cml.server.routes._examples`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from cml.models import CURSOR_PATTERN, NAME_PATTERN
from cml.models.routes import Route
from cml.server.routes._examples import openapi_extra

__all__ = ["CursorQuery", "TenantQuery", "endpoint"]

CursorQuery = Annotated[
    str | None,
    Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page; omit to start."),
]
"""The ``cursor`` query parameter of the admin listings."""

TenantQuery = Annotated[str | None, Query(pattern=NAME_PATTERN)]
"""The ``tenant_id`` query parameter of the admin routes: the tenant acted on, if not the key's."""

Handler = TypeVar("Handler", bound=Callable[..., Any])


def endpoint(router: APIRouter, route: Route[Any], **options: Any) -> Callable[[Handler], Handler]:
    """Register the decorated handler on ``router`` as ``route`` of the route table.

    Args:
        router: The router of the handler's module (mounted under ``API_PREFIX``).
        route: The table's entry: its method and path are used.
        **options: Further options of ``APIRouter.api_route`` (``status_code``,
            ``dependencies``, ``responses``, ...).

    Returns:
        The decorator.

    Example:
        ```python
        @endpoint(router, routes.STATS)
        def stats(principal: ReadPrincipal, engine: EngineDep) -> StatsResponse: ...
        ```
    """

    def register(handler: Handler) -> Handler:
        first_line = (inspect.getdoc(handler) or "").split("\n\n", 1)[0]
        options.setdefault("summary", " ".join(first_line.split()).rstrip("."))
        example = openapi_extra(route, options.get("status_code") or 200)
        if example is not None:
            options.setdefault("openapi_extra", example)
        registered: Handler = router.api_route(route.path, methods=[route.method], **options)(
            handler
        )
        return registered

    return register
