"""A clean stop leaves one complete ``cml.db``; ``cml backup``/``cml restore`` round-trip a store.

Issue 18 item 6: after SIGTERM all data sat in ``cml.db-wal`` and a copy of ``cml.db`` alone was
an empty store. These tests write through a real ``cml serve``, stop it with a signal, and check
what an operator copying files or running the backup commands would get.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

API_KEY = "backup-writer-key"
FACTS = [
    f"Fact {n}: the {word} shipment leaves dock {n}"
    for n, word in enumerate(
        ["copper", "timber", "granite", "saffron", "cobalt", "linen", "walnut", "amber"]
    )
]
QUERIES = ["copper shipment", "which dock does the saffron shipment leave", "linen"]


def _write(url: str) -> None:
    with httpx.Client(base_url=url, timeout=30, headers={"X-API-Key": API_KEY}) as client:
        for fact in FACTS:
            response = client.post("/memory/write", json={"content": fact})
            assert response.status_code == 200, response.text


def _answers(url: str) -> list[list[str]]:
    with httpx.Client(base_url=url, timeout=30, headers={"X-API-Key": API_KEY}) as client:
        answers = []
        for query in QUERIES:
            response = client.post("/memory/read", json={"query": query, "format": "list"})
            assert response.status_code == 200, response.text
            answers.append([m["text"] for m in response.json()["memories"]])
        return answers


def _stop(server: Any, sig: signal.Signals) -> int:
    server.process.send_signal(sig)
    return int(server.process.wait(timeout=30))


def _cml(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cml", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_serve_with_exit_0_and_cml_db_alone_holds_everything(
    tmp_path: Path, launcher: Any, sig: signal.Signals
) -> None:
    data_dir = tmp_path / "data"
    env = launcher.env(data_dir, CML_API_KEY=API_KEY, CML_RATE_LIMIT_PER_SECOND="0")
    with launcher.serve(env, data_dir) as server:
        _write(server.url)
        before = _answers(server.url)
        assert _stop(server, sig) == 0
    assert before[0]
    assert before[0][0].startswith("Fact 0")
    wal = data_dir / "cml.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0

    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    shutil.copy2(data_dir / "cml.db", copy_dir / "cml.db")  # the usual manual backup
    with launcher.serve(launcher.env(copy_dir, CML_API_KEY=API_KEY), copy_dir) as copy:
        assert _answers(copy.url) == before


def test_backup_then_restore_gives_identical_answers(tmp_path: Path, launcher: Any) -> None:
    data_dir = tmp_path / "data"
    env = launcher.env(data_dir, CML_API_KEY=API_KEY, CML_RATE_LIMIT_PER_SECOND="0")
    backup = tmp_path / "saved" / "cml-backup.db"
    with launcher.serve(env, data_dir) as server:
        _write(server.url)
        before = _answers(server.url)
        # Taken while the server runs and its writes may still sit in the write-ahead log.
        made = _cml(env, "backup", "--db", str(data_dir / "cml.db"), "--out", str(backup))
        assert made.returncode == 0, made.stderr
        assert "Backed up" in made.stdout
        # The live store is refused without --force, and the message says what to do.
        refused = _cml(env, "restore", str(backup), "--db", str(data_dir / "cml.db"))
        assert refused.returncode == 2
        assert "--force" in refused.stderr
        assert "Stop" in refused.stderr
        assert _stop(server, signal.SIGTERM) == 0
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    restored_dir = tmp_path / "restored"
    restored_env = launcher.env(restored_dir, CML_API_KEY=API_KEY)
    done = _cml(restored_env, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    # A second restore onto the now non-empty store needs --force.
    again = _cml(restored_env, "restore", str(backup))
    assert again.returncode == 2
    assert "already holds a store" in again.stderr
    assert _cml(restored_env, "restore", str(backup), "--force").returncode == 0
    with launcher.serve(restored_env, restored_dir) as restored:
        assert _answers(restored.url) == before


def test_backup_refuses_a_damaged_source_and_names_the_recovery(tmp_path: Path) -> None:
    source = tmp_path / "cml.db"
    source.write_bytes(b"this is not a database" * 100)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    made = _cml(env, "backup", "--db", str(source), "--out", str(tmp_path / "out.db"))
    assert made.returncode == 1
    assert ".recover" in made.stderr
    assert not (tmp_path / "out.db").exists()


def test_postgres_stores_get_pg_dump_guidance(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env["CML_DATABASE_URL"] = "postgresql://cml@localhost/cml"
    made = _cml(env, "backup", "--out", str(tmp_path / "out.db"))
    assert made.returncode == 2
    assert "pg_dump" in made.stdout
    assert "pg_restore" in made.stdout
