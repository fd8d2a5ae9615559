"""``GET /health``: public liveness check with the version and storage backend."""

from __future__ import annotations

from fastapi import APIRouter

from cml._version import __version__
from cml.models import HealthResponse, routes
from cml.server.deps import EngineDep
from cml.server.routes import endpoint

__all__ = ["router"]

router = APIRouter(tags=["health"])


@endpoint(router, routes.HEALTH)
def health(engine: EngineDep) -> HealthResponse:
    """Report whether the server and its store are up; needs no API key."""
    report = engine.health()
    backend = report.get("backend")
    database = report.get("database")
    return HealthResponse(
        status=str(report.get("status", "ok")),
        version=__version__,
        backend=str(backend) if backend is not None else None,
        database=str(database) if database is not None else None,
    )
