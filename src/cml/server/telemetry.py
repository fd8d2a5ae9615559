"""OpenTelemetry traces, when the standard ``OTEL_*`` environment variables ask for them.

Needs the ``otel`` extra (``pip install 'py-cml[otel]'``). Tracing is on when any of
``OTEL_SERVICE_NAME``, ``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``
or ``OTEL_TRACES_EXPORTER`` is set (and ``OTEL_SDK_DISABLED`` is not ``true``). Each request is
then a trace (the FastAPI instrumentation) whose children are the engine's spans
(:mod:`cml.engine.probes`): ``cml.auth``, ``cml.embedding``, ``cml.lexical_search``,
``cml.vector_search``, ``cml.fusion``, ``cml.transaction``; background jobs and webhook
deliveries are traces of their own (``cml.job``, ``cml.webhook_delivery``).

Spans carry names only: ``cml.tenant``, ``http.route`` (the template), ``cml.job``. Never a
memory's content, a query, or a key: a key pasted into a URL is masked in the request span.

When the process already has an SDK tracer provider (``opentelemetry-instrument``, or the
application set one), it is used as it is; otherwise one is built from the environment: the
exporter ``OTEL_TRACES_EXPORTER`` names (``otlp`` over HTTP by default, ``console`` or
``none``), the resource from ``OTEL_SERVICE_NAME``/``OTEL_RESOURCE_ATTRIBUTES`` (service name
``py-cml`` by default).
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from cml.engine.probes import attach, detach
from cml.server.logging_json import current_request
from cml.server.metrics import METRICS_PATH, route_template
from cml.server.redaction import redact_keys

__all__ = [
    "TraceProbe",
    "fastapi_options",
    "install_tracing",
    "tracing_requested",
    "uninstall_tracing",
]

logger = logging.getLogger(__name__)

_SWITCHES = (
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_TRACES_EXPORTER",
)
_URL_ATTRIBUTES = ("http.target", "http.url", "url.full", "url.query", "url.path")


def tracing_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the ``OTEL_*`` environment asks for traces."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(env.get(name, "").strip() for name in _SWITCHES)


class TraceProbe:
    """Turns the engine's spans into OpenTelemetry spans (the :class:`~cml.engine.probes.Probe`).

    Args:
        tracer: The tracer to start spans with.
    """

    def __init__(self, tracer: Any) -> None:
        self._tracer = tracer

    @contextmanager
    def span(self, name: str, attributes: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """An OpenTelemetry span ``cml.<name>`` around the step, a child of the current one."""
        from opentelemetry import trace

        parent = trace.get_current_span()
        names = {f"cml.{key}": value for key, value in attributes.items()}
        scope = current_request.get()
        if scope is not None:
            names["http.route"] = route_template(scope)
        outcome: dict[str, Any] = {}
        with self._tracer.start_as_current_span(f"cml.{name}", attributes=names) as span:
            yield outcome
            if "outcome" in outcome:
                span.set_attribute("cml.outcome", str(outcome["outcome"]))
            if "error" in outcome:
                span.set_status(trace.Status(trace.StatusCode.ERROR, outcome["error"]))
            state = scope.get("state") if scope is not None else None
            tenant = state.get("tenant_id") if isinstance(state, dict) else None
            if isinstance(tenant, str):
                # Known once authentication has run: the request's span gets it too.
                span.set_attribute("cml.tenant", tenant)
                if parent.is_recording():
                    parent.set_attribute("cml.tenant", tenant)


def fastapi_options() -> dict[str, Any]:
    """Arguments of ``FastAPI(...)`` that keep its own telemetry off, where it has any.

    FastAPI 0.165 and later trace, measure and log requests by themselves once a tracer
    provider is configured; py-cml's traces come from the OpenTelemetry FastAPI instrumentation
    instead (one request span, not two) and its metrics from ``/metrics``, and FastAPI's logs
    of failed validation would carry request bodies, which may hold memory content.
    """
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def _provider_from_environment() -> Any:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    defaults = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: "py-cml"}
    provider = TracerProvider(resource=Resource.create(defaults))
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter != "none":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def _mask_url(span: Any, scope: dict[str, Any]) -> None:
    """Server request hook: mask keys a caller put into the URL."""
    if span is None or not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    for name in _URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str):
            span.set_attribute(name, redact_keys(value))


def install_tracing(app: FastAPI) -> TraceProbe | None:
    """Trace ``app``'s requests and the engine's spans when the environment asks for it.

    Returns:
        The probe feeding engine spans to the tracer (also ``app.state.tracing``), or ``None``
        when tracing is off or the ``otel`` extra is missing (then a warning says so).
    """
    app.state.tracing = None
    if not tracing_requested():
        return None
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    except ImportError:
        logger.warning(
            "OTEL_* is set but OpenTelemetry is not installed: install 'py-cml[otel]' for traces"
        )
        return None
    provider = _provider_from_environment()
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=METRICS_PATH.lstrip("/"),
        server_request_hook=_mask_url,
    )
    probe = TraceProbe(provider.get_tracer("cml"))
    app.state.tracing = probe
    attach(probe)  # held weakly: it lives as long as the app
    return probe


def uninstall_tracing(app: FastAPI) -> None:
    """Stop tracing ``app`` (at shutdown): the instrumentation would keep it alive otherwise."""
    probe: TraceProbe | None = getattr(app.state, "tracing", None)
    if probe is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    detach(probe)
    FastAPIInstrumentor.uninstrument_app(app)
    app.state.tracing = None
