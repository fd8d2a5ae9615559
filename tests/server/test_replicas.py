"""Two real ``cml serve`` processes on one PostgreSQL database, as replicas behind a balancer."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def replicas(
    launcher: Any, postgres: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Any]]:
    # Started once for the module (starting servers is the slow part); each test uses its own
    # tenant, named in X-Tenant-ID, so the tests do not see each other's memories.
    data_dir = tmp_path_factory.mktemp("replicas")
    env: dict[str, str] = launcher.env(
        data_dir, CML_DATABASE_URL=postgres.new_database(), CML_AUTH_ENABLED="false"
    )
    with launcher.serve(env, data_dir) as first, launcher.serve(env, data_dir) as second:
        yield [first, second]


def test_a_server_refuses_a_database_without_the_schema(
    launcher: Any, postgres: Any, tmp_path: Path
) -> None:
    env = launcher.env(tmp_path, CML_DATABASE_URL=postgres.empty_database())
    result = subprocess.run(
        [sys.executable, "-m", "cml", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "cml db upgrade" in result.stderr + result.stdout


def tenant(name: str, **headers: str) -> dict[str, str]:
    """Headers acting on tenant ``name`` (authentication is off on these replicas)."""
    return {"X-Tenant-ID": name, **headers}


def _stats(server: Any, name: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/memory/stats", headers=tenant(name), timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_concurrent_writes_through_two_replicas_are_each_stored_once(replicas: list[Any]) -> None:
    writers_per_replica, writes_each = 3, 8
    errors: list[str] = []
    start = threading.Barrier(2 * writers_per_replica)

    def write(server: Any, writer: int) -> None:
        with httpx.Client(base_url=server.url, headers=tenant("writers"), timeout=30) as client:
            start.wait()
            for i in range(writes_each):
                content = f"replica {server.port} writer {writer} note {i}: the kettle is blue"
                response = client.post(
                    "/memory/write", json={"content": content, "memory_type": "episodic_event"}
                )
                if response.status_code != 200 or response.json().get("deduplicated"):
                    errors.append(f"{response.status_code} {response.text}")

    threads = [
        threading.Thread(target=write, args=(server, n))
        for server in replicas
        for n in range(writers_per_replica)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    expected = 2 * writers_per_replica * writes_each
    # Both replicas see every memory, exactly once.
    assert [_stats(s, "writers")["total_memories"] for s in replicas] == [expected, expected]
    read = httpx.post(
        f"{replicas[1].url}/memory/read",
        json={"query": "writer 0 note 3 kettle", "max_results": 100, "format": "list"},
        headers=tenant("writers"),
        timeout=10,
    )
    texts = [m["text"] for m in read.json()["memories"]]
    assert len(texts) == len(set(texts))


def test_one_idempotency_key_sent_to_both_replicas_stores_once(replicas: list[Any]) -> None:
    body = {"content": "The quarterly review moved to Thursday"}
    headers = tenant("retries", **{"Idempotency-Key": "retry-across-replicas"})
    answers: list[httpx.Response] = []
    start = threading.Barrier(4)

    def send(server: Any) -> None:
        start.wait()
        answers.append(httpx.post(f"{server.url}/memory/write", json=body, headers=headers))

    threads = [threading.Thread(target=send, args=(s,)) for s in replicas * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.json()["memory_id"] for a in answers}) == 1
    assert _stats(replicas[0], "retries")["total_memories"] == 1
