"""``GET /metrics``: the Prometheus series move with real traffic, and access is guarded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from cml.engine import open_engine
from cml.models import WriteRequest
from cml.server.app import create_app
from cml.server.scheduler import Scheduler

from .server_helpers import ADMIN_KEY, DEV_KEY, auth, make_settings

Scrape = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Scrape:
    """Every sample of a scrape, keyed by name and labels."""
    found: Scrape = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Scrape, name: str, **labels: str) -> float:
    """One sample's value (0 when the series does not exist yet)."""
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient, **headers: str) -> Scrape:
    response = await client.get("http://test/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_requests_stages_and_memories_move_with_traffic(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    write = await client.post(
        "/memory/write", json={"content": "Ann drinks green tea"}, headers=auth(DEV_KEY)
    )
    assert write.status_code == 200
    read = await client.post("/memory/read", json={"query": "tea"}, headers=auth(DEV_KEY))
    assert read.status_code == 200
    missing = await client.delete("/admin/keys/nope", headers=auth(ADMIN_KEY))
    assert missing.status_code == 404
    after = await scrape(client)

    requests = "cml_http_requests_total"
    route = {"route": "/api/v1/memory/write", "method": "POST", "status": "200"}
    assert value(after, requests, **route) == value(before, requests, **route) + 1
    # The template, not the raw path: ids never become series.
    keyed = {"route": "/api/v1/admin/keys/{key_id}", "method": "DELETE", "status": "404"}
    assert value(after, requests, **keyed) == 1
    assert not any("nope" in str(labels) for _, labels in after)
    latency = "cml_http_request_duration_seconds_count"
    assert value(after, latency, **route) == value(before, latency, **route) + 1
    assert value(after, "cml_http_request_duration_seconds_sum", **route) > 0

    stages = "cml_stage_duration_seconds_count"
    for stage in ("auth", "embedding", "lexical_search", "vector_search", "fusion", "transaction"):
        assert value(after, stages, stage=stage) > value(before, stages, stage=stage), stage
    active = [v for (name, labels), v in after.items() if ("status", "active") in labels]
    assert sum(active) == 1  # the written memory, under whatever type it was classified


async def test_memory_counts_per_tenant_only_when_enabled(tmp_path: Path) -> None:
    for per_tenant in (False, True):
        settings = make_settings(tmp_path / str(per_tenant), metrics_per_tenant=per_tenant)
        with open_engine(settings.to_engine_config()) as engine:
            app = create_app(settings, engine=engine)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                for tenant in ("acme", "globex"):
                    response = await c.post(
                        "/api/v1/memory/write",
                        json={"content": f"{tenant} ships on Fridays"},
                        headers=auth(ADMIN_KEY, **{"X-Tenant-ID": tenant}),
                    )
                    assert response.status_code == 200
                found = await scrape(c)
        memories = [labels for name, labels in found if name == "cml_memories"]
        tenants = {dict(labels).get("tenant") for labels in memories}
        assert tenants == ({"acme", "globex"} if per_tenant else {None})
        total = sum(v for (name, _), v in found.items() if name == "cml_memories")
        assert total == 2


async def test_rate_limit_refusals_are_counted(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit_per_second=0.01, rate_limit_burst=1)
    with open_engine(settings.to_engine_config()) as engine:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            statuses = [
                (await c.get("/api/v1/memory/stats", headers=auth(DEV_KEY))).status_code
                for _ in range(3)
            ]
            found = await scrape(c)
    assert statuses == [200, 429, 429]
    assert value(found, "cml_rate_limited_total") == 2


async def test_background_job_runs_are_counted(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with open_engine(settings.to_engine_config()) as engine:
        app = create_app(settings, engine=engine)
        engine.memories.write("acme", WriteRequest(content="Ann met Bob in Paris"))
        scheduler = Scheduler(engine, consolidation_interval=60, forgetting_interval=60)
        scheduler.run_job("consolidate")
        scheduler.run_job("forget")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            found = await scrape(c)
    assert value(found, "cml_job_runs_total", job="consolidate", outcome="ok") == 1
    assert value(found, "cml_job_runs_total", job="forget", outcome="ok") == 1
    assert value(found, "cml_job_duration_seconds_count", job="forget") == 1


@pytest.mark.parametrize("client_host", ["10.1.2.3", "192.0.2.7"])
async def test_open_only_on_loopback_without_a_token(app: FastAPI, client_host: str) -> None:
    transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        response = await c.get("/metrics")
    assert response.status_code == 403
    assert "CML_METRICS_TOKEN" in response.text


async def test_token_is_required_when_set(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, metrics_token="scrape-secret")
    with open_engine(settings.to_engine_config()) as engine:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            assert (await c.get("/metrics")).status_code == 401
            wrong = await c.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            # An API key is not the metrics token.
            assert (await c.get("/metrics", headers=auth(ADMIN_KEY))).status_code == 401
            found = await scrape(c, Authorization="Bearer scrape-secret")
    assert (
        value(found, "cml_http_requests_total", route="/metrics", method="GET", status="401") == 3
    )


async def test_metrics_can_be_turned_off(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, metrics_enabled=False)
    with open_engine(settings.to_engine_config()) as engine:
        transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            assert (await c.get("/metrics")).status_code == 404


async def test_grafana_dashboard_queries_series_the_server_exports(
    client: httpx.AsyncClient,
) -> None:
    dashboard = json.loads(
        (Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text()
    )
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bcml_\w+", target["expr"])
    }
    response = await client.get("http://test/metrics")
    exported = {
        family.name + suffix
        for family in text_string_to_metric_families(response.text)
        for suffix in ("", "_total", "_bucket", "_count", "_sum")
    }
    assert queried
    assert queried <= exported
