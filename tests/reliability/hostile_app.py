"""The real app for the hostile-input tests: hash embedder, a temp SQLite file, two keys.

Rate limiting is off (the fuzzers send far more than one key's budget, and 429 is not what they
are looking for) and event streams end after a fraction of a second, so that a fuzzed
``GET /admin/events/stream`` answers instead of following the log for minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cml.engine import Engine, open_engine
from cml.models import CreateKeyRequest
from cml.server.app import create_app
from cml.server.settings import ServerSettings

ADMIN_KEY = "hostile-admin-bootstrap-key"
TENANT = "acme"


@dataclass
class World:
    """An open engine, the app serving it, and a read+write key of tenant :data:`TENANT`."""

    engine: Engine
    app: FastAPI
    tenant_key: str
    settings: ServerSettings

    def headers_for(self, path: str) -> dict[str, str]:
        """The key a caller of ``path`` would use: the admin key on admin routes."""
        key = ADMIN_KEY if "/admin/" in path else self.tenant_key
        return {"X-API-Key": key}


def hostile_settings(data_dir: Path, **overrides: Any) -> ServerSettings:
    """Settings of the hostile-input tests (see the module doc)."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "embedding_provider": "hash",
        "admin_api_key": ADMIN_KEY,
        "rate_limit_per_second": 0,
        "events_heartbeat_seconds": 0.05,
        "events_stream_idle_seconds": 0.05,
        **overrides,
    }
    return ServerSettings(**values)


@contextmanager
def open_world(data_dir: Path, **overrides: Any) -> Iterator[World]:
    """Open an engine on ``data_dir``, build the app, create the tenant key; close at the end."""
    settings = hostile_settings(data_dir, **overrides)
    engine = open_engine(settings.to_engine_config())
    try:
        key = engine.keys.create(CreateKeyRequest(tenant_id=TENANT, name="hostile")).key
        yield World(engine, create_app(settings, engine=engine), key, settings)
    finally:
        engine.close()
