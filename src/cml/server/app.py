"""The app factory: ``create_app(settings)`` builds the FastAPI app serving ``/api/v1``.

Nothing is created at import time. The engine is either given (the embedded client owns it and
closes it) or opened in the lifespan from the settings and closed at shutdown.

Example:
    ``uvicorn.run(create_app(ServerSettings(data_dir="./data")))``
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from cml._version import __version__
from cml.engine import Engine, open_engine
from cml.models.routes import API_PREFIX
from cml.server.blocking import caller_thread_routes
from cml.server.docs import mount_docs
from cml.server.errors import install_error_handlers
from cml.server.metrics import install_metrics
from cml.server.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from cml.server.observe import ObserveMiddleware
from cml.server.openapi import install_error_docs
from cml.server.query import refuse_unknown_query
from cml.server.ratelimit import RateLimiter
from cml.server.readiness import Readiness
from cml.server.routes import (
    admin,
    admin_memories,
    health,
    memories,
    memory,
    webhooks,
    whoami,
)
from cml.server.scheduler import Scheduler
from cml.server.settings import ServerSettings
from cml.server.telemetry import fastapi_options, install_tracing, uninstall_tracing
from cml.server.ui import mount_ui
from cml.server.webhooks import WebhookSender
from cml.server.work import BatchSlots

__all__ = ["create_app"]


def _open(settings: ServerSettings) -> Engine:
    return open_engine(settings.to_engine_config())


@asynccontextmanager
async def _background_jobs(
    app: FastAPI, engine: Engine, settings: ServerSettings
) -> AsyncIterator[None]:
    """Load the embedding model and run the scheduler of background jobs while the app serves.

    The model loads in a worker thread while the app already answers: ``/health`` says
    ``loading`` and ``/ready`` answers 503 until it is loaded.
    """
    readiness: Readiness = app.state.readiness
    loading = asyncio.create_task(readiness.load(engine))
    scheduler = Scheduler(
        engine,
        consolidation_interval=settings.consolidation_interval_seconds,
        forgetting_interval=settings.forgetting_interval_seconds,
        forgetting_apply=settings.forgetting_background_apply,
        integrity_interval=settings.integrity_check_interval_seconds,
    )
    app.state.scheduler = scheduler
    scheduler.start()
    sender = WebhookSender(engine, settings)
    sender.start()
    try:
        yield
    finally:
        # Waits for a run in progress (and for the model load) so that the engine is not
        # closed under it.
        await run_in_threadpool(scheduler.stop)
        await run_in_threadpool(sender.stop)
        await loading
        uninstall_tracing(app)


def create_app(settings: ServerSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the py-cml HTTP app.

    Args:
        settings: Server settings; read from ``CML_*`` environment variables when omitted.
        engine: An open engine to serve. The app then neither opens nor closes one; without it,
            the lifespan opens an engine from ``settings`` and closes it at shutdown.

    Returns:
        The FastAPI app; ``app.state.settings`` and ``app.state.engine`` hold what it serves,
        ``app.state.caller_thread_routes`` the routes an in-process caller may run on its own
        thread (:func:`cml.server.blocking.caller_thread_routes`).
    """
    resolved = settings if settings is not None else ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine is not None:
            async with _background_jobs(app, engine, resolved):
                yield
            return
        # Loading an embedding model takes seconds; keep the event loop free meanwhile.
        opened = await run_in_threadpool(_open, resolved)
        app.state.engine = opened
        try:
            async with _background_jobs(app, opened, resolved):
                yield
        finally:
            app.state.engine = None
            await run_in_threadpool(opened.close)

    app = FastAPI(
        title="py-cml",
        version=__version__,
        description="Long-term memory for LLM applications and agents.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by mount_docs, with assets from the package
        redoc_url=None,
        **fastapi_options(),
    )
    app.state.settings = resolved
    app.state.engine = engine
    app.state.scheduler = None
    app.state.readiness = Readiness()
    # Per-key token buckets, applied in authentication (so /health is never limited).
    app.state.rate_limiter = (
        RateLimiter(resolved.rate_limit_per_second, resolved.rate_limit_burst)
        if resolved.rate_limit_per_second > 0
        else None
    )
    limit = resolved.max_concurrent_batches_per_key
    app.state.batch_slots = BatchSlots(limit) if limit > 0 else None

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_unknown_query)])
    routers = [
        health.router,
        whoami.router,
        memory.router,
        memories.router,
        admin.router,
        admin_memories.router,
        webhooks.router,
    ]
    for router in routers:
        api.include_router(router)
    app.include_router(api)
    # The embedded sync client runs these on its caller's thread (cml.server.blocking).
    app.state.caller_thread_routes = caller_thread_routes(API_PREFIX, routers)
    mount_ui(app)
    mount_docs(app)
    metrics = install_metrics(app, resolved)
    install_tracing(app)

    install_error_handlers(app)
    install_error_docs(app)
    # Added last = outermost: the request id exists before the size check answers 413, and
    # the observer between them sees every answer, the 413 included.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=resolved.max_request_bytes)
    app.add_middleware(ObserveMiddleware, metrics=metrics, access_log=resolved.log_format == "json")
    app.add_middleware(RequestIdMiddleware)
    return app
