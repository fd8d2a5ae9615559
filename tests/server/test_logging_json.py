"""``CML_LOG_FORMAT=json``: a real ``cml serve`` writes one JSON object per line, keys never."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from .server_helpers import ADMIN_KEY, DEV_KEY, auth


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_json_lines_carry_request_context_and_no_key(tmp_path: Path, launcher: Any) -> None:
    data_dir = tmp_path / "data"
    env = launcher.env(
        data_dir,
        CML_LOG_FORMAT="json",
        CML_LOG_LEVEL="info",
        CML_ADMIN_API_KEY=ADMIN_KEY,
        CML_API_KEY=DEV_KEY,
    )
    made = subprocess.run(
        [sys.executable, "-m", "cml", "keys", "create", "--tenant", "acme"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    acme_key = made.stdout.strip()
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cml", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "cml serve did not start"
                time.sleep(0.1)
            with httpx.Client(base_url=base, timeout=10) as client:
                written = client.post(
                    "/memory/write",
                    json={"content": "Ann prefers window seats"},
                    headers=auth(acme_key, **{"X-Request-ID": "req-write-1"}),
                )
                assert written.status_code == 200
                memory_id = written.json()["memory_id"]
                # A key pasted into the URL and as a tenant must not reach a log line either.
                # (api_key is no query parameter of the route: refused, 422, by name only.)
                assert client.get(f"/memory/stats?api_key={acme_key}").status_code == 422
                assert client.get("/memory/stats").status_code == 401
                refused = client.get(
                    "/memory/stats", headers=auth(acme_key, **{"X-Tenant-ID": acme_key})
                )
                assert refused.status_code in (403, 422)
                assert (
                    client.delete(f"/admin/keys/{memory_id}", headers=auth(ADMIN_KEY)).status_code
                    == 404
                )
        finally:
            process.terminate()
            process.wait(timeout=20)
    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines, "no log lines"
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
    for secret in (acme_key, ADMIN_KEY, DEV_KEY):
        assert secret not in text

    access = [line for line in lines if line["logger"] == "cml.access"]
    write = next(line for line in access if line.get("request_id") == "req-write-1")
    assert write["route"] == "/api/v1/memory/write"
    assert write["method"] == "POST"
    assert write["status"] == 200
    assert write["tenant"] == "acme"
    assert write["key_id"]
    assert write["key_id"] not in acme_key
    assert write["duration_ms"] > 0
    keyed = next(line for line in access if line["status"] == 404)
    # Templates, not paths: the id in the URL is not in the line.
    assert keyed["route"] == "/api/v1/admin/keys/{key_id}"
    assert memory_id not in json.dumps(keyed)
    assert any(line["status"] == 401 for line in access)
    # uvicorn's own lines are JSON too, and its plain access log is off.
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    assert not any(line["logger"] == "uvicorn.access" for line in lines)
