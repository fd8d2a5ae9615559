"""OpenTelemetry traces: spans of a request and of the engine's stages, in the SDK's memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from cml.engine import open_engine
from cml.models import CreateKeyRequest, WriteRequest
from cml.server.app import create_app
from cml.server.scheduler import Scheduler
from cml.server.telemetry import tracing_requested, uninstall_tracing

from .server_helpers import make_settings

SECRET_CONTENT = "Ann's locker code is under the blue mat"


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """The process's tracer provider, exporting into memory (set once per process)."""
    memory = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return memory


@pytest.fixture
def spans(
    exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InMemorySpanExporter]:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "cml-test")
    exporter.clear()
    yield exporter
    exporter.clear()


def _attributes(span: ReadableSpan) -> dict[str, object]:
    return dict(span.attributes or {})


async def test_a_request_is_a_trace_of_the_engines_stages(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    settings = make_settings(tmp_path)
    with open_engine(settings.to_engine_config()) as engine:
        acme = engine.keys.create(CreateKeyRequest(tenant_id="acme")).key
        app = create_app(settings, engine=engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
            written = await c.post(
                "/memory/write", json={"content": SECRET_CONTENT}, headers={"X-API-Key": acme}
            )
            assert written.status_code == 200
            spans.clear()
            read = await c.post(
                "/memory/read",
                json={"query": "where is the locker code"},
                headers={"X-API-Key": acme},
            )
            assert read.status_code == 200
        uninstall_tracing(app)  # what the lifespan does at shutdown
    finished = spans.get_finished_spans()
    by_name = {span.name: span for span in finished}
    for stage in (
        "cml.auth",
        "cml.embedding",
        "cml.lexical_search",
        "cml.vector_search",
        "cml.fusion",
    ):
        assert stage in by_name, sorted(by_name)
    roots = [span for span in finished if span.parent is None]
    assert len(roots) == 1
    root = roots[0]
    assert _attributes(root)["http.route"] == "/api/v1/memory/read"
    assert _attributes(root)["cml.tenant"] == "acme"
    # Every stage belongs to the request's trace.
    assert {span.context.trace_id for span in finished} == {root.context.trace_id}
    search = by_name["cml.vector_search"]
    assert _attributes(search)["cml.tenant"] == "acme"
    assert _attributes(search)["http.route"] == "/api/v1/memory/read"
    # No content, query or key anywhere in the trace.
    everything = repr([(span.name, _attributes(span), span.events) for span in finished])
    assert acme not in everything
    assert "locker" not in everything
    assert SECRET_CONTENT not in everything


async def test_writes_and_background_jobs_have_spans(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    settings = make_settings(tmp_path, auth_enabled=False)
    with open_engine(settings.to_engine_config()) as engine:
        app = create_app(settings, engine=engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
            written = await c.post(
                "/memory/write",
                json={"content": "Bob likes chess"},
                headers={"X-Tenant-ID": "acme"},
            )
            assert written.status_code == 200
        names = [span.name for span in spans.get_finished_spans()]
        assert "cml.transaction" in names
        assert "cml.embedding" in names
        spans.clear()
        engine.memories.write("globex", WriteRequest(content="Carol plays go"))
        Scheduler(engine, consolidation_interval=60, forgetting_interval=None).run_job(
            "consolidate"
        )
        uninstall_tracing(app)
    jobs = [span for span in spans.get_finished_spans() if span.name == "cml.job"]
    assert {_attributes(span)["cml.tenant"] for span in jobs} == {"acme", "globex"}
    assert all(_attributes(span)["cml.job"] == "consolidate" for span in jobs)


def test_tracing_follows_the_otel_environment() -> None:
    assert not tracing_requested({})
    assert tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert not tracing_requested({"OTEL_SERVICE_NAME": "cml", "OTEL_SDK_DISABLED": "true"})


async def test_no_spans_without_otel_variables(
    tmp_path: Path, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(name, raising=False)
    exporter.clear()
    settings = make_settings(tmp_path, auth_enabled=False)
    with open_engine(settings.to_engine_config()) as engine:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
            assert (
                await c.get("/memory/stats", headers={"X-Tenant-ID": "acme"})
            ).status_code == 200
    assert [s.name for s in exporter.get_finished_spans()] == []
