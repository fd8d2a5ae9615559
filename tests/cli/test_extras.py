"""A missing extra is one line naming it; the memory commands need only the ``cli`` extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import ADMIN_KEY

SERVER_ONLY = ("fastapi", "uvicorn", "numpy", "onnxruntime", "tokenizers", "pydantic_settings")

# Runs `cml` with some modules made impossible to import, as in an install without them.
_WITHOUT = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None
sys.argv = ["cml", *sys.argv[2:]]
from cml.cli import main
main()
"""


def _cml_without(missing: tuple[str, ...], *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(PYTHONPATH=os.pathsep.join(sys.path), CML_EMBEDDING_PROVIDER="hash")
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT, ",".join(missing), *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_typer_cml_names_the_cli_extra() -> None:
    done = _cml_without(("typer",), "--help")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Error: typer is not installed; it comes with the cli extra: pip install 'py-cml[cli]'"
    )


def test_a_local_store_without_the_server_extra_names_it(tmp_path: Path) -> None:
    done = _cml_without(SERVER_ONLY, "stats", "--db", str(tmp_path / "x.db"))
    assert done.returncode == 1
    assert done.stderr.startswith("Error:")
    assert "pip install 'py-cml[server]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_memory_commands_reach_a_server_with_only_the_cli_extra(
    launcher: Any, tmp_path: Path
) -> None:
    env = launcher.env(tmp_path, CML_ADMIN_API_KEY=ADMIN_KEY)
    with launcher.serve(env, tmp_path) as server:
        url = f"http://127.0.0.1:{server.port}"
        done = _cml_without(SERVER_ONLY, "stats", "--url", url, "--api-key", ADMIN_KEY, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total_memories"] == 0
