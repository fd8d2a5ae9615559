"""``cml serve`` prints one banner: URL, data directory, backend, docs, readiness and keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

import cml

from .server_helpers import ADMIN_KEY


def test_serve_prints_one_banner_naming_keys_never_secrets(tmp_path: Path, launcher: Any) -> None:
    data_dir = tmp_path / "data"
    env = launcher.env(data_dir, CML_ADMIN_API_KEY=ADMIN_KEY)
    made = subprocess.run(
        [sys.executable, "-m", "cml", "keys", "create", "--tenant", "acme", "--name", "acme app"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    secret = made.stdout.strip()
    with launcher.serve(env, data_dir) as server:
        base_url = f"http://127.0.0.1:{server.port}"
        with cml.CognitiveMemoryLayer(base_url=base_url, api_key=secret) as client:
            assert client.ready().ready is True
        assert httpx.get(f"{server.url}/ready", timeout=10).status_code == 200
        server.process.terminate()
        server.process.wait(timeout=10)
        output = server.process.stdout.read().decode()
    base = f"http://127.0.0.1:{server.port}"
    assert output.count("py-cml ") == 1
    assert f"serving {base}/api/v1" in output
    assert f"data directory  {data_dir}" in output
    assert "backend         sqlite" in output
    assert f"API docs        {base}/api/v1/docs" in output
    assert "CML_ADMIN_API_KEY (admin" in output
    assert "'acme app' id " in output
    assert "tenant acme" in output
    assert secret not in output
    assert ADMIN_KEY not in output
