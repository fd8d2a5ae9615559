"""Real ``cml serve`` processes: a restart loses no delivery, two replicas send each once."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from .receiver import Receiver, free_port


def _env(launcher: Any, data_dir: Path, **extra: str) -> dict[str, str]:
    env: dict[str, str] = launcher.env(
        data_dir,
        CML_AUTH_ENABLED="false",
        CML_WEBHOOKS_ALLOW_PRIVATE="true",
        CML_WEBHOOKS_POLL_SECONDS="0.2",
        **extra,
    )
    return env


ACME = {"X-Tenant-ID": "acme"}


def _deliveries(server: Any, webhook_id: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.url}/admin/webhooks/{webhook_id}/deliveries", headers=ACME, timeout=10
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _subscribe(server: Any, url: str) -> str:
    created = httpx.post(
        f"{server.url}/admin/webhooks",
        json={"url": url, "event_types": ["memory.write", "memory.batch_write"]},
        headers=ACME,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    webhook_id: str = created.json()["id"]
    return webhook_id


def _write(server: Any, content: str) -> None:
    response = httpx.post(
        f"{server.url}/memory/write", json={"content": content}, headers=ACME, timeout=30
    )
    assert response.status_code == 200, response.text


def test_a_server_killed_mid_retry_delivers_once_after_restart(
    launcher: Any, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    env = _env(launcher, data_dir, CML_WEBHOOKS_BACKOFF_SECONDS="1")
    receiver = Receiver(free_port())  # not listening yet: the receiver is down
    with launcher.serve(env, data_dir) as server:
        webhook_id = _subscribe(server, receiver.url)
        _write(server, "Kira adopted a greyhound")
        deadline = time.monotonic() + 30
        while True:
            (delivery,) = _deliveries(server, webhook_id)
            if delivery["attempts"] >= 1:
                break
            assert time.monotonic() < deadline, delivery
            time.sleep(0.1)
        assert delivery["status"] == "pending"
        assert delivery["last_error"]
        server.process.kill()  # no shutdown at all, mid-way through the retries
        server.process.wait()
    receiver.start()
    try:
        with launcher.serve(env, data_dir) as restarted:
            (got,) = receiver.wait_for(1, "memory.write")
            time.sleep(2)  # several polls later: still one
            assert len(receiver.events()) == 1
            (delivery,) = _deliveries(restarted, webhook_id)
            assert delivery["status"] == "delivered"
            assert delivery["attempts"] >= 2
            assert got.event["id"] == delivery["event_id"]
    finally:
        receiver.stop()


def test_two_servers_on_one_postgres_deliver_each_event_once(
    launcher: Any, postgres: Any, tmp_path: Path
) -> None:
    env = _env(launcher, tmp_path, CML_DATABASE_URL=postgres.new_database())
    receiver = Receiver().start()
    try:
        with launcher.serve(env, tmp_path) as first, launcher.serve(env, tmp_path) as second:
            webhook_id = _subscribe(first, receiver.url)
            writes = 16
            for number in range(writes):
                _write((first, second)[number % 2], f"Note number {number} about the garden")
            batch = httpx.post(
                f"{second.url}/memory/batch_write",
                json={"items": [{"content": f"Batch item {i} on lighthouses"} for i in range(3)]},
                headers=ACME,
                timeout=30,
            )
            assert batch.status_code == 200, batch.text
            received = receiver.wait_for(writes + 1, timeout=60)
            time.sleep(2)  # several polls of both senders later
            received = receiver.events()
            ids = Counter(r.event["id"] for r in received)
            assert len(ids) == writes + 1
            assert set(ids.values()) == {1}, ids
            log = _deliveries(second, webhook_id)
            assert len(log) == writes + 1
            assert all(d["status"] == "delivered" and d["attempts"] == 1 for d in log)
    finally:
        receiver.stop()
