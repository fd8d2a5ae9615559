"""Helpers shared by the server tests (a module of its own so tests can import it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from cml.server.settings import ServerSettings

ADMIN_KEY = "admin-bootstrap-secret"
DEV_KEY = "dev-bootstrap-secret"


def make_settings(data_dir: Path, **overrides: object) -> ServerSettings:
    """Test settings: hash embedder, bootstrap keys, the given data dir."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "embedding_provider": "hash",
        "admin_api_key": ADMIN_KEY,
        "api_key": DEV_KEY,
    }
    values.update(overrides)
    return ServerSettings(**values)  # type: ignore[arg-type]


def auth(key: str, **headers: str) -> dict[str, str]:
    """Request headers carrying ``key`` (plus any others)."""
    return {"X-API-Key": key, **headers}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check ``response`` is the error envelope with this status and code; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], list)
    assert error["request_id"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    assert isinstance(error, dict)
    return error
