"""Route modules of the ``/api/v1`` API, one router each.

Every route is registered from the contract's route table (:mod:`cml.models.routes`), so its
method and path are written once for the server and the SDK; the scope it needs is declared by
the handler's principal (``ReadPrincipal``, ``WritePrincipal``, ``AdminPrincipal``), and a test
checks that it is the table's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

from cml.models.routes import Route

__all__ = ["endpoint"]

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
    return router.api_route(route.path, methods=[route.method], **options)
