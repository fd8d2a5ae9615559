"""End to end: a real ``cml serve`` process (uvicorn) on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from server_helpers import ADMIN_KEY, assert_error, auth


@dataclass
class Server:
    url: str
    data_dir: Path
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(
        CML_DATA_DIR=str(data_dir),
        CML_EMBEDDING_PROVIDER="hash",
        CML_ADMIN_API_KEY=ADMIN_KEY,
        CML_LOG_LEVEL="warning",
    )
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # One process for the module: starting uvicorn is the slow part of these tests.
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    env = _env(data_dir)
    # A key made by the CLI before the server starts must work once it is up.
    made = subprocess.run(
        [sys.executable, "-m", "cml", "keys", "create", "--tenant", "acme"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    env["TEST_ACME_KEY"] = made.stdout.strip()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cml", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"cml serve exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("cml serve did not answer /health within 30 s")
            time.sleep(0.1)
        yield Server(url=url, data_dir=data_dir, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def test_a_real_server_stores_and_recalls(server: Server) -> None:
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


def test_a_real_server_enforces_auth_and_the_envelope(server: Server) -> None:
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
