"""Refuse query parameters a route does not declare, instead of ignoring them.

An ignored parameter is a silent wrong answer: ``GET /admin/memories?tenant=acme`` (for
``tenant_id``) would list the admin key's own tenant. Every API route therefore answers 422
``validation_error`` naming the unknown parameter and the ones the route takes. The allowed names
come from the route's own signature (including query models and nested dependencies), so the
check and the OpenAPI document cannot disagree.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from cml.server.errors import HTTPProblem

__all__ = ["declared_query_names", "refuse_unknown_query"]


def _query_names(dependant: Dependant) -> set[str]:
    """The wire names of the query parameters of ``dependant`` and of its sub-dependencies."""
    names: set[str] = set()
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.update(field.alias or name for name, field in annotation.model_fields.items())
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def declared_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` accepts, by their wire names (aliases).

    Args:
        route: A FastAPI route.

    Returns:
        Every declared query parameter, with the fields of a query model spelled out. Only
        requests that carry a query string pay for the walk (a few fields).
    """
    return frozenset(_query_names(route.dependant))


async def refuse_unknown_query(request: Request) -> None:
    """A router dependency: 422 when the query string holds a parameter the route lacks.

    Raises:
        HTTPProblem: 422 ``validation_error`` naming the first unknown parameter.
    """
    if not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = declared_query_names(route)
    unknown = sorted(set(request.query_params.keys()) - allowed)
    if not unknown:
        return
    takes = ", ".join(sorted(allowed)) if allowed else "no query parameters"
    raise HTTPProblem(
        422,
        "validation_error",
        f"Unknown query parameter {unknown[0]!r}: {request.method} {route.path} takes {takes}.",
        field=unknown[0],
        hint="Remove the parameter or correct its spelling.",
    )
