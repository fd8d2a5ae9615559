"""``cml serve`` refuses a data directory or database it cannot use: one clear line, no traceback.

Each case runs the real CLI as a subprocess on a prepared data directory and expects a non-zero
exit with a single ``Error:`` line that names the path and says what to change. The processes
start together (a module fixture), since Python's start-up is most of their cost.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class Case:
    """A broken setup: how to make it, and what the error line must say."""

    prepare: Callable[[Path], Path]
    """Builds the fault under a temp dir and returns the data directory to serve."""
    says: tuple[str, ...]
    """Words the error line must contain (the path is checked separately)."""
    names: str = "data_dir"
    """What the error line must name: ``data_dir`` or ``database`` (the file inside it)."""
    file_size_limit: int | None = None
    """``RLIMIT_FSIZE`` of the process: a disk with no room left for the database file."""


def _file_as_data_dir(tmp: Path) -> Path:
    target = tmp / "data"
    target.write_text("a file where the data directory should be")
    return target


def _data_dir_under_a_file(tmp: Path) -> Path:
    (tmp / "blocker").write_text("not a directory")
    return tmp / "blocker" / "data"


def _read_only_data_dir(tmp: Path) -> Path:
    target = tmp / "data"
    target.mkdir()
    target.chmod(0o555)
    return target


def _database_is_a_directory(tmp: Path) -> Path:
    (tmp / "data" / "cml.db").mkdir(parents=True)
    return tmp / "data"


def _database_is_not_sqlite(tmp: Path) -> Path:
    (tmp / "data").mkdir()
    (tmp / "data" / "cml.db").write_bytes(b"name,email\n" * 400)
    return tmp / "data"


def _database_is_corrupt(tmp: Path) -> Path:
    import sqlite3
    from contextlib import closing

    (tmp / "data").mkdir()
    db = tmp / "data" / "cml.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.commit()
    with db.open("r+b") as raw:  # overwrite the schema page after the 100-byte file header
        raw.seek(100)
        raw.write(b"\x55" * 3996)
    return tmp / "data"


def _empty_data_dir(tmp: Path) -> Path:
    return tmp / "data"


CASES: dict[str, Case] = {
    "data dir is a file": Case(_file_as_data_dir, ("is a file", "CML_DATA_DIR")),
    "data dir under a file": Case(
        _data_dir_under_a_file, ("Cannot create the data directory", "CML_DATA_DIR")
    ),
    "read-only data dir": Case(_read_only_data_dir, ("not writable", "CML_DATA_DIR")),
    "database is a directory": Case(
        _database_is_a_directory, ("cannot be read and written", "CML_DATA_DIR"), "database"
    ),
    "database is not SQLite": Case(
        _database_is_not_sqlite, ("is not a SQLite database", "move it away"), "database"
    ),
    "database is corrupt": Case(
        _database_is_corrupt, ("is damaged", "restore the last backup", ".recover"), "database"
    ),
    "disk is full": Case(
        _empty_data_dir, ("Cannot write the database file", "Free disk space"), "database", 8192
    ),
}

SKIPS = {"read-only data dir": "root may write anywhere"} if os.geteuid() == 0 else {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _limit(size: int) -> Callable[[], None]:
    def apply() -> None:
        # Writes past this size fail as on a full disk (Python ignores SIGXFSZ).
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return apply


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    data_dir: Path


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, launcher: Any) -> dict[str, Outcome]:
    started: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    for name, case in CASES.items():
        if name in SKIPS:
            continue
        data_dir = case.prepare(tmp_path_factory.mktemp("start"))
        command = [sys.executable, "-m", "cml", "serve", "--port", str(_free_port())]
        command += ["--host", "127.0.0.1"]
        started[name] = (
            subprocess.Popen(
                command,
                env=launcher.env(data_dir),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=_limit(case.file_size_limit) if case.file_size_limit else None,
            ),
            data_dir,
        )
    done: dict[str, Outcome] = {}
    for name, (process, data_dir) in started.items():
        try:
            stdout, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()  # it started serving: the fault went unnoticed
            stdout, stderr = process.communicate()
        done[name] = Outcome(process.returncode, stdout, stderr, data_dir)
    return done


@pytest.mark.parametrize("name", list(CASES))
def test_serve_refuses_with_one_clear_line(name: str, outcomes: dict[str, Outcome]) -> None:
    if name in SKIPS:
        pytest.skip(SKIPS[name])
    case, outcome = CASES[name], outcomes[name]
    assert outcome.code == 1, f"exit {outcome.code}: {outcome.stdout}{outcome.stderr}"
    assert "Traceback" not in outcome.stdout + outcome.stderr
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    (line,) = lines
    assert line.startswith("Error: ")
    named = outcome.data_dir.resolve()
    if case.names == "database":
        named = named / "cml.db"
    assert str(named) in line
    for words in case.says:
        assert words in line


def test_serve_names_an_unreachable_postgres_without_its_password(launcher: Any) -> None:
    url = "postgresql://cml:s3cret-pw@127.0.0.1:1/cml?connect_timeout=2"
    env = launcher.env(Path("unused"), CML_DATABASE_URL=url)
    done = subprocess.run(
        [sys.executable, "-m", "cml", "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("Error: Cannot connect to PostgreSQL at cml@127.0.0.1:1/cml")
    assert "CML_DATABASE_URL" in line
    assert "s3cret-pw" not in done.stderr + done.stdout
