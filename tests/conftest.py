"""Suite-wide settings and the one fixture that starts a real ``cml serve`` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import pg_helpers as pg

# Nothing in the suite may reach a model hub; the local model ships as a package.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass
class ServerProcess:
    """A running ``cml serve``: its base URL (``.../api/v1``), port, data dir and environment."""

    url: str
    port: int
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    """The server process (fault tests kill it)."""


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a test server: no CML_* from the developer, hash embeddings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(CML_DATA_DIR=str(data_dir), CML_EMBEDDING_PROVIDER="hash", CML_LOG_LEVEL="warning")
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serve(env: dict[str, str], data_dir: Path) -> Iterator[ServerProcess]:
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
        yield ServerProcess(url=url, port=port, data_dir=data_dir, env=env, process=process)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[Any]) -> None:
    """Stop a server process gracefully (killed after 10 s) and close its output pipe."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout:
        process.stdout.close()


class ServerLauncher:
    """Starts real servers: ``with launcher.serve(launcher.env(data_dir), data_dir) as server``.

    ``serve`` runs ``python -m cml serve`` on a free loopback port, waits for ``/health`` and
    stops the process afterwards.
    """

    env = staticmethod(server_env)
    serve = staticmethod(_serve)
    stop = staticmethod(_stop)


@pytest.fixture(scope="session")
def launcher() -> ServerLauncher:
    """The :class:`ServerLauncher` of the suite."""
    return ServerLauncher()


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg.PostgresServer]:
    """A real PostgreSQL with pgvector for this session (skips when none can be started)."""
    for server in pg.start():
        if isinstance(server, str):
            pytest.skip(server)
        yield server


@pytest.fixture
def postgres_url(postgres: pg.PostgresServer) -> str:
    """The URL of a fresh database at the current schema revision."""
    return postgres.new_database()
