"""``cml doctor``: install, model files, database, keys and port, as a table or JSON."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cml import EmbeddedCognitiveMemoryLayer
from cml.cli import app

from .conftest import ADMIN_KEY


def _doctor(*argv: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    result = CliRunner(env={"COLUMNS": "80", **(env or {})}).invoke(app, ["doctor", *argv])
    checks = {}
    if "--json" in argv:
        checks = {check["name"]: check for check in json.loads(result.stdout)}
    return result.exit_code, checks, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_healthy_store_passes_every_check(tmp_path: Path) -> None:
    db = tmp_path / "cml.db"
    with EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        memory.write("The user likes tea")
    code, checks, _ = _doctor("--db", str(db), "--port", str(_free_port()), "--json")
    assert code == 0
    assert list(checks) == ["install", "model", "database", "keys", "port"]
    assert "server" in checks["install"]["detail"]
    assert checks["model"]["status"] == "ok"
    assert checks["database"]["status"] == "ok"
    assert checks["keys"]["status"] == "warn"  # no key yet: it says how to make one
    assert "cml keys create" in checks["keys"]["detail"]
    assert checks["port"]["status"] == "ok"

    assert "quick_check" in checks["database"]["detail"]

    code, _, output = _doctor("--db", str(db), "--port", str(_free_port()), "--full")
    assert code == 0
    assert "integrity_check and the full-text indexes' checks found no problem" in " ".join(
        output.split()
    )
    assert max(len(line) for line in output.splitlines()) <= 80


def test_bootstrap_keys_count_and_a_missing_store_fails(tmp_path: Path) -> None:
    env = {"CML_ADMIN_API_KEY": ADMIN_KEY}
    code, checks, output = _doctor("--db", str(tmp_path / "none.db"), "--json", env=env)
    assert code == 1
    assert checks["database"]["status"] == "fail"
    assert "does not exist" in output

    code, checks, _ = _doctor("--data-dir", str(tmp_path / "new"), "--json", env=env)
    assert checks["database"]["status"] == "ok"  # `cml serve` will create it
    assert checks["keys"] == {
        "name": "keys",
        "status": "ok",
        "detail": "0 stored key(s); CML_ADMIN_API_KEY set",
    }


def test_the_port_check_names_who_holds_the_port(launcher: Any, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        code, checks, _ = _doctor("--data-dir", str(tmp_path), "--port", str(taken), "--json")
    assert code == 0  # a taken port is a warning: the store may still be checked
    assert checks["port"]["status"] == "warn"
    assert "--port" in checks["port"]["detail"]

    with launcher.serve(launcher.env(tmp_path / "s"), tmp_path / "s") as server:
        args = ("--data-dir", str(tmp_path), "--port", str(server.port), "--json")
        _, checks, _ = _doctor(*args)
    assert "py-cml" in checks["port"]["detail"]
    assert "serving there" in checks["port"]["detail"]
