"""``GET /health`` (liveness, each part's state) and ``GET /ready`` (can it serve a write)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cml._version import __version__
from cml.engine import Engine
from cml.models import HealthResponse, routes
from cml.server.errors import HTTPProblem
from cml.server.readiness import Readiness
from cml.server.routes import endpoint

__all__ = ["router"]

router = APIRouter(tags=["health"])


def _report(request: Request) -> HealthResponse:
    readiness: Readiness = request.app.state.readiness
    embedder: str = readiness.embedder
    if readiness.error is not None:
        embedder = f"failed: {readiness.error}"
    engine: Engine | None = request.app.state.engine
    if engine is None:
        return HealthResponse(
            status="starting", version=__version__, embedder=embedder, ready=False
        )
    report = engine.health()
    backend = report.get("backend")
    database = report.get("database")
    return HealthResponse(
        status=str(report.get("status", "ok")),
        version=__version__,
        backend=str(backend) if backend is not None else None,
        database=str(database) if database is not None else None,
        embedder=embedder,
        ready=readiness.embedder == "ready" and database == "ok",
        integrity_check=report.get("integrity_check"),
    )


@endpoint(router, routes.HEALTH)
def health(request: Request) -> HealthResponse:
    """Liveness: version and the state of each part.

    Answers 200 while the process runs, even while the model loads or the database is down
    (``status`` says ``degraded`` then); needs no API key.
    """
    return _report(request)


@endpoint(router, routes.READY, responses={503: {"description": "Not ready yet (or failed)."}})
def ready(request: Request) -> HealthResponse:
    """Readiness: 200 once a write can be served, else 503.

    Needs no API key. Use it as a load balancer's or orchestrator's readiness probe: it waits
    for the embedding model to load and for the database to answer.
    """
    report = _report(request)
    if not report.ready:
        message = (
            f"The server is not ready: embedder {report.embedder}, "
            f"database {report.database or 'not open'}."
        )
        if (report.database or "").startswith("damaged"):
            # Waiting will not help: no Retry-After, and the hint says how to recover.
            raise HTTPProblem(503, "not_ready", message, hint=report.database)
        raise HTTPProblem(
            503,
            "not_ready",
            message,
            hint="Retry in a few seconds; GET /api/v1/health shows each part's state.",
            headers={"Retry-After": "1"},
        )
    return report
