"""End to end: a real ``cml serve`` process (uvicorn) on a loopback port."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .server_helpers import ADMIN_KEY, assert_error, auth


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, launcher: Any) -> Iterator[Any]:
    # One process for the module: starting uvicorn is the slow part of these tests.
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    env = launcher.env(data_dir, CML_ADMIN_API_KEY=ADMIN_KEY)
    # A key made by the CLI before the server starts must work once it is up.
    made = subprocess.run(
        [sys.executable, "-m", "cml", "keys", "create", "--tenant", "acme"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    env["TEST_ACME_KEY"] = made.stdout.strip()
    with launcher.serve(env, data_dir) as server:
        yield server


def test_a_real_server_stores_and_recalls(server: Any) -> None:
    key = server.env["TEST_ACME_KEY"]
    with httpx.Client(base_url=server.url, timeout=10) as client:
        health = client.get("/health")
        assert health.json()["status"] == "ok"
        write = client.post(
            "/memory/write", json={"content": "Ivan's flight lands at 9pm"}, headers=auth(key)
        )
        assert write.status_code == 200
        read = client.post(
            "/memory/read",
            json={"query": "when does Ivan land", "format": "list"},
            headers=auth(key),
        )
        assert [m["text"] for m in read.json()["memories"]] == ["Ivan's flight lands at 9pm"]
        assert read.headers["x-request-id"]


def test_a_real_server_enforces_auth_and_the_envelope(server: Any) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert_error(client.get("/memory/stats"), 401, "authentication_required")
        created = client.post("/admin/keys", json={"tenant_id": "globex"}, headers=auth(ADMIN_KEY))
        assert created.status_code == 201
        other = created.json()["key"]
        forged = client.get("/memory/stats", headers=auth(other, **{"X-Tenant-ID": "acme"}))
        assert_error(forged, 403, "forbidden")
        bad = client.post(
            "/memory/write",
            content=b"{not json",
            headers=auth(other, **{"Content-Type": "application/json"}),
        )
        assert_error(bad, 400, "bad_request")
