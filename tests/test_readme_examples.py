"""Every example of the README runs as written: its Python blocks and its `cml` commands.

The Quick start, the batch/namespace section and the Integrations section have tests of their own
(test_readme.py, test_readme_batch.py, integrations/test_readme_snippets.py) that check what
their snippets print; every other Python block is run here against a real ``cml serve`` with the
development keys, the admin block included. Every ``cml`` command line of a shell block must
parse (its command and options exist); the key, operator and export/import blocks are run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from cml import CognitiveMemoryLayer, EmbeddedCognitiveMemoryLayer
from cml.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
TESTED_ELSEWHERE = {
    "## Quick start",
    "## Batch operations, tenant switching and namespaces",
    "## Integrations",
}
README_URL = "http://127.0.0.1:8000"


def _blocks(language: str) -> Iterator[tuple[str, str]]:
    """(section heading, code) of every fenced block in ``language``."""
    section = ""
    for part in re.split(r"(?m)^(## .*)$", README):
        if part.startswith("## "):
            section = part.strip()
            continue
        for code in re.findall(rf"```{language}\n(.*?)```", part, flags=re.DOTALL):
            yield section, code


def _cml_lines(code: str) -> Iterator[list[str]]:
    """The ``cml`` invocations of a shell block, as argument lists after ``cml``."""
    for line in code.splitlines():
        words = shlex.split(line, comments=True)
        while words and re.match(r"^[A-Z_]+=", words[0]):  # VAR=value before the command
            words.pop(0)
        if words and words[0] in ("cml", ".venv/bin/cml"):
            yield words[1:]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(PYTHONPATH=os.pathsep.join(sys.path), CML_EMBEDDING_PROVIDER="hash", **extra)
    return env


def _cml(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "cml", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (args, done.stderr)
    return done


@pytest.fixture
def dev_server(launcher: Any, tmp_path: Path) -> Iterator[str]:
    """A real server as `make serve` runs it (development keys), on a free port: its URL."""
    data_dir = tmp_path / "server-data"
    env = launcher.env(data_dir, CML_API_KEY="dev-key", CML_ADMIN_API_KEY="dev-admin-key")
    with launcher.serve(env, data_dir) as server:
        yield f"http://127.0.0.1:{server.port}"


def test_every_cml_command_of_the_readme_parses() -> None:
    root = typer.main.get_command(app)
    lines = [args for _, code in _blocks("bash") for args in _cml_lines(code)]
    assert len(lines) >= 15
    for args in lines:
        command, rest, path = root, list(args), ["cml"]
        while hasattr(command, "commands") and rest:
            name = rest.pop(0)
            assert name in command.commands, f"`{' '.join(args)}`: no command {name!r}"
            command, path = command.commands[name], [*path, name]
        command.make_context(" ".join(path), rest)  # raises on an unknown option or argument


@pytest.mark.slow
def test_the_other_python_blocks_run_against_a_server(dev_server: str, tmp_path: Path) -> None:
    blocks = [
        (section, code) for section, code in _blocks("python") if section not in TESTED_ELSEWHERE
    ]
    assert "## Admin operations" in [section for section, _ in blocks]
    for section, code in blocks:
        done = subprocess.run(
            [sys.executable, "-c", code.replace(README_URL, dev_server)],
            cwd=tmp_path,
            env=_env(CML_BASE_URL=dev_server),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (section, done.stderr)
        if section == "## Admin operations":
            lines = done.stdout.splitlines()
            assert lines[0].split() == ["0", "0", "0"]  # one episode: nothing to consolidate
            assert "'KEEP': 1" in lines[1]
            assert lines[2].split()[:3] == ["default", "1", "0"]
            assert float(lines[-1]) >= 0  # the database's probe latency


@pytest.mark.slow
def test_the_operator_block_runs_against_a_server(dev_server: str, tmp_path: Path) -> None:
    (code,) = [code for section, code in _blocks("bash") if section == "## Operator command line"]
    export, *commands = code.splitlines()
    assignments = dict(word.split("=", 1) for word in shlex.split(export)[1:])
    assert assignments.pop("CML_BASE_URL") == README_URL
    env = _env(CML_BASE_URL=dev_server, **assignments)
    with CognitiveMemoryLayer(base_url=dev_server, api_key="dev-key") as memory:
        memory_id = memory.write(
            "The user prefers window seats on long flights",
            session_id="onboarding",
            memory_type="preference",
            metadata={"source": "chat"},
        ).memory_id
    outputs: dict[str, str] = {}
    for line in commands:
        args = next(_cml_lines(line), [])
        if not args:
            continue
        args = [str(memory_id) if arg == "MEMORY_ID" else arg for arg in args]
        run = _follow if "--follow" in args else _output
        outputs[" ".join(args[:2])] = run(args, tmp_path, env)
    assert "window seats" in outputs["memories search"]
    assert str(memory_id) in outputs["memories list"]
    assert "window seats" in outputs["memories show"]
    assert "1 (current)" in outputs["memories history"]
    assert str(memory_id) in outputs["memories forget"]
    assert "Restored 1 of 1" in outputs["memories restore"]
    assert json.loads(outputs["stats --json"])["active_memories"] == 1
    assert "default" in outputs["admin tenants"]
    assert "memory.write" in outputs["admin events"]


def _output(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    return _cml(args, cwd, env).stdout


def _follow(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a ``--follow`` command until its first line, then stop it as Ctrl-C would."""
    with subprocess.Popen(
        [sys.executable, "-m", "cml", *args, "--since", "2000-01-01"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as follower:
        assert follower.stdout is not None
        first = follower.stdout.readline()
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=30) == 0
    assert "memory.write" in first
    return first


def test_the_keys_block_runs(tmp_path: Path) -> None:
    (code,) = [code for _, code in _blocks("bash") if "cml keys create" in code]
    env = _env(CML_DATA_DIR=str(tmp_path / "data"))
    create, tenant_admin, operator, listing, revoke = _cml_lines(code)
    secret = _cml(create, tmp_path, env).stdout.strip()
    assert secret.startswith("cml_")
    assert "tenant admin key bound to 'acme'" in _cml(tenant_admin, tmp_path, env).stderr
    assert "global operator key" in _cml(operator, tmp_path, env).stderr
    assert "acme backend" in _cml(listing, tmp_path, env).stdout
    key_id = json.loads(_cml([*listing, "--json"], tmp_path, env).stdout)[0]["id"]
    revoked = _cml([key_id if arg == "KEY_ID" else arg for arg in revoke], tmp_path, env)
    assert key_id in revoked.stdout


def test_the_export_import_block_runs(tmp_path: Path, postgres_url: str) -> None:
    (code,) = [code for _, code in _blocks("bash") if "cml import" in code]
    export, import_ = _cml_lines(code)
    store = tmp_path / "cml-data" / "cml.db"
    with EmbeddedCognitiveMemoryLayer(store, embedding_provider="hash") as memory:
        memory.write("Ana moved to Lisbon in 2021")
    _cml(export, tmp_path, _env())
    assert (tmp_path / "memories.jsonl").read_text().count("\n") == 1
    done = _cml(import_, tmp_path, _env(CML_DATABASE_URL=postgres_url))
    assert "Imported 1 memories" in done.stderr
