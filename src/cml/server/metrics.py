"""Prometheus metrics: what ``GET /metrics`` shows, in the Prometheus text format.

Each app has its own registry (:class:`Metrics`), fed from three places:

* every HTTP request (:mod:`cml.server.observe`): count and latency by route template (never
  the raw path, so ids do not multiply the series), method and status; a 429 is also a
  rate-limit refusal;
* the engine's spans (:mod:`cml.engine.probes`): authentication, embedding, lexical and vector
  search, fusion and store transactions as stage latencies; background jobs as runs by outcome
  and durations; webhook deliveries by outcome;
* the store, read when scraped: memories by type and status, summed over tenants unless
  ``CML_METRICS_PER_TENANT`` asks for a label per tenant.

``/metrics`` answers loopback clients when no ``CML_METRICS_TOKEN`` is set; with one, it wants
``Authorization: Bearer <token>`` from everyone.

Example:
    ``curl -s http://127.0.0.1:8000/metrics | grep cml_http_requests_total``
"""

from __future__ import annotations

import hmac
import ipaddress
from collections import Counter as Tally
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from cml.engine import Engine
from cml.engine.probes import attach
from cml.models.routes import API_PREFIX
from cml.server.errors import HTTPProblem
from cml.server.settings import ServerSettings

__all__ = ["METRICS_PATH", "Metrics", "install_metrics"]

METRICS_PATH = "/metrics"

# Requests take milliseconds to seconds (a first model load, a big batch); stages are finer.
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
_JOB_BUCKETS = (0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800)
_STAGES = frozenset(
    {"auth", "embedding", "lexical_search", "vector_search", "fusion", "transaction"}
)


class _MemoryCounts(Collector):
    """``cml_memories``: memories by type and status, read from the store at scrape time."""

    def __init__(self, app: FastAPI, per_tenant: bool) -> None:
        self._app = app
        self._per_tenant = per_tenant

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["tenant", "type", "status"] if self._per_tenant else ["type", "status"]
        family = GaugeMetricFamily(
            "cml_memories", "Stored memories by type and status.", labels=labels
        )
        engine: Engine | None = self._app.state.engine
        if engine is not None:
            totals: Tally[tuple[str, ...]] = Tally()
            for tenant in engine.store.list_tenants():
                counts = engine.store.count_by_type_and_status(tenant.tenant_id)
                for (memory_type, status), count in counts.items():
                    key: tuple[str, ...] = (memory_type, status)
                    totals[(tenant.tenant_id, *key) if self._per_tenant else key] += count
            for key, count in sorted(totals.items()):
                family.add_metric(list(key), count)
        yield family


class Metrics:
    """The metrics of one app, and the probe that feeds them from the engine's spans.

    Args:
        app: The app whose engine the memory counts are read from.
        per_tenant: Label memory counts by tenant.
    """

    def __init__(self, app: FastAPI, *, per_tenant: bool = False) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "cml_http_requests", "HTTP requests.", ["route", "method", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "cml_http_request_duration_seconds",
            "HTTP request latency.",
            ["route", "method", "status"],
            buckets=_REQUEST_BUCKETS,
            registry=r,
        )
        self.stage_seconds = Histogram(
            "cml_stage_duration_seconds",
            "Latency of the engine's stages: auth, embedding, lexical_search, vector_search, "
            "fusion, transaction.",
            ["stage"],
            buckets=_STAGE_BUCKETS,
            registry=r,
        )
        self.job_runs = Counter(
            "cml_job_runs",
            "Background job runs per tenant, by outcome (ok, skipped, failed).",
            ["job", "outcome"],
            registry=r,
        )
        self.job_seconds = Histogram(
            "cml_job_duration_seconds",
            "Duration of background job runs.",
            ["job"],
            buckets=_JOB_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "cml_rate_limited", "Requests refused by the per-key rate limit (429).", registry=r
        )
        self.webhook_deliveries = Counter(
            "cml_webhook_deliveries",
            "Webhook delivery attempts by outcome (delivered, retry, failed).",
            ["outcome"],
            registry=r,
        )
        r.register(_MemoryCounts(app, per_tenant))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one HTTP request."""
        labels = (route, method, str(status))
        self.requests.labels(*labels).inc()
        self.request_seconds.labels(*labels).observe(seconds)
        if status == 429:
            self.rate_limited.inc()

    @contextmanager
    def span(self, name: str, attributes: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Record one engine span when it ends (the :class:`~cml.engine.probes.Probe` role)."""
        outcome: dict[str, Any] = {}
        yield outcome
        seconds = float(outcome.get("seconds", 0.0))
        if name in _STAGES:
            self.stage_seconds.labels(name).observe(seconds)
        elif name == "job":
            job = attributes.get("job", "unknown")
            error = outcome.get("error")
            result = "ok" if error is None else "failed"
            if error == "JobRunningError":  # another replica (or the API) runs it
                result = "skipped"
            self.job_runs.labels(job, result).inc()
            if result != "skipped":
                self.job_seconds.labels(job).observe(seconds)
        elif name == "webhook_delivery":
            self.webhook_deliveries.labels(str(outcome.get("outcome", "failed"))).inc()

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _check_access(request: Request, settings: ServerSettings) -> None:
    token = settings.metrics_token
    if token is None:
        if _is_loopback(request.client.host if request.client else None):
            return
        raise HTTPProblem(
            403,
            "forbidden",
            "/metrics answers loopback clients only while no metrics token is set.",
            hint="Set CML_METRICS_TOKEN and scrape with `Authorization: Bearer <token>`.",
        )
    presented = request.headers.get("authorization", "")
    scheme, _, value = presented.partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), expected):
        raise HTTPProblem(
            401,
            "unauthorized",
            "/metrics needs the metrics token.",
            hint="Send `Authorization: Bearer <CML_METRICS_TOKEN>`.",
        )


def install_metrics(app: FastAPI, settings: ServerSettings) -> Metrics | None:
    """Create the app's metrics, attach them to the engine's spans and serve ``/metrics``.

    Returns:
        The metrics (also ``app.state.metrics``), or ``None`` when metrics are off.
    """
    if not settings.metrics_enabled:
        app.state.metrics = None
        return None
    metrics = Metrics(app, per_tenant=settings.metrics_per_tenant)
    app.state.metrics = metrics
    attach(metrics)  # held weakly: it lives as long as the app

    async def scrape(request: Request) -> Response:
        _check_access(request, settings)
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(METRICS_PATH, scrape, methods=["GET"], include_in_schema=False)
    return metrics


def route_template(scope: Mapping[str, Any]) -> str:
    """The template of the route that served ``scope`` (``unmatched`` when none did)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "unmatched"
    # A route of an included router carries its path without the API prefix.
    raw = str(scope.get("path", ""))
    if raw.startswith(API_PREFIX + "/") and not path.startswith(API_PREFIX + "/"):
        return API_PREFIX + path
    return path
