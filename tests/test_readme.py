"""The README is the front door: its configuration reference and its snippets must stay true."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cml.server.settings import ServerSettings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_server_setting_is_documented() -> None:
    documented = set(re.findall(r"`(CML_[A-Z_]+)`", README))
    missing = {f"CML_{name.upper()}" for name in ServerSettings.model_fields} - documented
    assert not missing, f"README lacks {sorted(missing)}"


def test_every_sdk_variable_is_documented() -> None:
    for name in ("API_KEY", "ADMIN_API_KEY", "BASE_URL", "TENANT_ID", "TIMEOUT", "MAX_RETRIES"):
        assert f"`CML_{name}`" in README


def _python_blocks(section: str = "## Quick start") -> list[str]:
    # Only the blocks of one section: other sections (e.g. Integrations) test their own snippets.
    start = README.index(section + "\n")
    end = README.find("\n## ", start + len(section))
    text = README[start : end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def _run(code: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_quickstart_snippets_run_unchanged_and_print_what_they_wrote(
    tmp_path: Path, launcher: Any
) -> None:
    blocks = _python_blocks()
    assert len(blocks) == 3, "the quickstart has a sync, an async and an embedded snippet"
    sync, asynchronous, embedded = blocks
    data_dir = tmp_path / "data"
    # The README's server as `make serve` runs it: dev keys, the local MiniLM embedder (what
    # ranks the snippets' answers first), port 8000 -> a free port here.
    env = launcher.env(
        data_dir,
        CML_API_KEY="dev-key",
        CML_ADMIN_API_KEY="dev-admin-key",
        CML_EMBEDDING_PROVIDER="local",
    )
    with launcher.serve(env, data_dir) as server:
        url = f"http://127.0.0.1:{server.port}"
        client_env = launcher.env(data_dir, CML_EMBEDDING_PROVIDER="local")

        out = _run(sync.replace("http://127.0.0.1:8000", url), tmp_path, client_env)
        assert "The user prefers window seats on long flights" in out

        out = _run(asynchronous.replace("http://127.0.0.1:8000", url), tmp_path, client_env)
        assert out.strip().splitlines()[0] == "The user is allergic to peanuts"

    out = _run(embedded, tmp_path, client_env)
    assert out.splitlines()[0] == "Alice's daughter Maya started piano lessons in March"
    assert "Maya started piano lessons" in out.split("\n", 1)[1]
    assert (tmp_path / "my-memories.db").exists()
