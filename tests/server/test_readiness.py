"""Ready means ready: the model loads at startup; /ready answers 503 until a write can be served."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

import cml
from cml.engine import open_engine
from cml.server.app import create_app

from .server_helpers import DEV_KEY, assert_error, auth, make_settings


async def test_ready_waits_for_the_model_then_a_write_is_served(tmp_path: Path) -> None:
    # The real default embedder (the shipped int8 MiniLM on ONNX Runtime), not yet loaded.
    settings = make_settings(tmp_path / "data", embedding_provider="local")
    with open_engine(settings.to_engine_config()) as engine:
        app = create_app(settings, engine=engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
            # Before startup: alive, but not ready, and it says which part is missing.
            health = (await client.get("/health")).json()
            assert (health["embedder"], health["ready"]) == ("loading", False)
            not_ready = await client.get("/ready")
            assert_error(not_ready, 503, "not_ready")
            assert not_ready.headers["retry-after"] == "1"

            async with app.router.lifespan_context(app):
                answer = await client.get("/ready")
                for _ in range(600):  # the model loads in a worker thread; up to a minute
                    if answer.status_code == 200:
                        break
                    assert_error(answer, 503, "not_ready")
                    await asyncio.sleep(0.1)
                    answer = await client.get("/ready")
                assert answer.status_code == 200, answer.text
                body = answer.json()
                assert body["embedder"] == "ready"
                assert body["database"] == "ok"
                assert body["ready"] is True
                assert (await client.get("/health")).json()["embedder"] == "ready"
                write = await client.post(
                    "/memory/write", json={"content": "Ada's badge is 4471"}, headers=auth(DEV_KEY)
                )
                assert write.status_code == 200, write.text


async def test_an_embedder_without_a_load_step_is_ready_at_startup(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")  # the hash embedder
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as client:
            answer = await client.get("/ready")
            for _ in range(50):
                if answer.status_code == 200:
                    break
                await asyncio.sleep(0.05)
                answer = await client.get("/ready")
            assert answer.status_code == 200
            assert answer.json()["backend"] == "sqlite"


def test_the_embedded_client_is_ready_once_open(tmp_path: Path) -> None:
    # In-process there is no lifespan: opening the client loads the model.
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "m.db", embedding_provider="local") as memory:
        report = memory.ready()
        assert (report.embedder, report.database, report.ready) == ("ready", "ok", True)
