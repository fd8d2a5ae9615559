"""``cml doctor``: is this machine ready to run py-cml, and is its store intact?

It checks, in order: the install (which extras are present), the embedding model's files, the
database (SQLite's quick_check, or a PostgreSQL connection; ``--full`` checks every index too),
the API keys a server would accept, and whether the port ``cml serve`` would listen on is free.
Each check prints ``ok``, ``warn`` or ``FAIL`` with what to do; the command exits 1 when one
fails. It only reads, so it is safe while ``cml serve`` runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import socket
import sqlite3
import sys
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from cml._version import __version__
from cml.cli._client import JsonOption
from cml.cli._common import DataDirOption, err, fail, settings_from
from cml.cli._output import print_json, print_table, table
from cml.cli.backup import DbOption

if TYPE_CHECKING:
    from cml.server.settings import ServerSettings

__all__ = ["doctor_command"]

Status = Literal["ok", "warn", "fail"]

#: The modules that tell whether an extra is installed.
EXTRAS = {
    "cli": ("typer", "rich"),
    "server": ("fastapi", "uvicorn", "numpy", "onnxruntime", "tokenizers", "pydantic_settings"),
    "postgres": ("psycopg", "psycopg_pool", "alembic"),
    "integrations": ("openai", "mcp"),
    "torch": ("torch", "sentence_transformers"),
}


@dataclass(frozen=True)
class Check:
    """The outcome of one check: its name, ``ok``/``warn``/``fail`` and what was found."""

    name: str
    status: Status
    detail: str


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def check_install() -> Check:
    """Python, py-cml and which extras are installed."""
    present = [name for name, modules in EXTRAS.items() if all(map(_installed, modules))]
    python = ".".join(map(str, sys.version_info[:3]))
    detail = f"py-cml {__version__}, Python {python}; extras: {', '.join(present) or 'none'}"
    if "server" not in present:
        return Check("install", "warn", f"{detail}. To serve: pip install 'py-cml[server]'")
    return Check("install", "ok", detail)


def check_model(settings: ServerSettings) -> Check:
    """The files of the local embedding model (not needed by the other providers)."""
    if settings.embedding_provider != "local":
        return Check("model", "ok", f"not used (embedding provider {settings.embedding_provider})")
    if settings.embedding_runtime != "onnx-int8":
        return Check("model", "ok", f"runtime {settings.embedding_runtime}: see `cml serve`")
    from cml.embeddings.convert import PACKAGED_DIR, UPSTREAM_TOKENIZER_SHA256, packaged_graph

    graph = packaged_graph()
    tokenizer = PACKAGED_DIR / "tokenizer.json"
    if graph is None or not tokenizer.is_file():
        return Check(
            "model", "fail", f"the shipped model is missing from {PACKAGED_DIR}: reinstall"
        )
    digest = hashlib.sha256(tokenizer.read_bytes()).hexdigest()
    if digest != UPSTREAM_TOKENIZER_SHA256:
        return Check("model", "fail", f"{tokenizer} differs from the upstream file: reinstall")
    size = graph.stat().st_size / 1e6
    return Check("model", "ok", f"{graph.name} ({size:.0f} MB) and tokenizer.json in place")


def check_database(settings: ServerSettings, db: Path | None, *, full: bool = False) -> Check:
    """A SQLite file's integrity (quick, or ``full``), or PostgreSQL's answer (and checks)."""
    url = settings.resolved_database_url if db is None else f"sqlite:///{db}"
    if url.lower().startswith(("postgresql", "postgres")):
        return _check_postgres(url, full=full)
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file():
        if db is not None:
            return Check("database", "fail", f"{path} does not exist; pass --db or --data-dir")
        return Check("database", "ok", f"{path} does not exist yet; `cml serve` creates it")
    from cml.storage.sqlite import integrity
    from cml.storage.sqlite.errors import RECOVERY_HINT

    if full:
        findings = integrity.full_check(str(path))
        found, done = list(findings.problems), "integrity_check and the full-text indexes' checks"
    else:
        with closing(sqlite3.connect(path)) as conn:
            found, done = integrity.problems(conn), "quick_check (--full: indexes too)"
    if found:
        listing = "\n".join(f"  {problem}" for problem in found)
        return Check("database", "fail", f"{path} is damaged:\n{listing}\n{RECOVERY_HINT}")
    return Check("database", "ok", f"{path}: {done} found no problem")


def _check_postgres(url: str, *, full: bool) -> Check:
    from cml.errors import EngineError
    from cml.storage import open_store

    try:
        store = open_store(url)
    except (EngineError, ImportError) as exc:
        return Check("database", "fail", str(exc))
    try:
        if not full:
            return Check("database", "ok", "PostgreSQL answers at the schema's revision")
        findings = store.check_integrity()
    except EngineError as exc:
        return Check("database", "fail", str(exc))
    finally:
        store.close()
    unchecked = "".join(f"\n  not checked: {what}" for what in findings.not_checked)
    if findings.problems:
        listing = "\n".join(f"  {problem}" for problem in findings.problems)
        return Check("database", "fail", f"PostgreSQL is damaged:\n{listing}{unchecked}")
    status: Status = "warn" if findings.not_checked else "ok"
    return Check("database", status, f"PostgreSQL: {'; '.join(findings.checks)}{unchecked}")


def check_keys(settings: ServerSettings, db: Path | None) -> Check:
    """Which keys a server on this store would accept (names and ids, never secrets)."""
    if not settings.auth_enabled:
        return Check("keys", "warn", "auth is off (CML_AUTH_ENABLED=false): every request passes")
    bootstrap = [
        name
        for name, value in (
            ("CML_API_KEY", settings.api_key),
            ("CML_ADMIN_API_KEY", settings.admin_api_key),
        )
        if value is not None
    ]
    stored = 0
    url = settings.resolved_database_url if db is None else f"sqlite:///{db}"
    if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).is_file():
        from cml.engine.keys import KeyManager
        from cml.storage import open_store

        store = open_store(url)
        try:
            stored = sum(1 for key in KeyManager(store).list() if key.revoked_at is None)
        finally:
            store.close()
    found = f"{stored} stored key(s)" + (f"; {', '.join(bootstrap)} set" if bootstrap else "")
    if not stored and not bootstrap:
        return Check("keys", "warn", f"{found}: create one with `cml keys create --tenant T`")
    return Check("keys", "ok", found)


def check_port(host: str, port: int) -> Check:
    """Whether ``cml serve`` could listen on ``host:port``, and who holds it if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            busy = exc
        else:
            return Check("port", "ok", f"{host}:{port} is free")
    import httpx

    shown = f"[{host}]" if ":" in host else host
    try:
        answer = httpx.get(f"http://{shown}:{port}/api/v1/health", timeout=2).json()
        if isinstance(answer, dict) and "version" in answer:
            version = answer["version"]
            return Check("port", "warn", f"{host}:{port}: py-cml {version} is serving there")
    except (httpx.HTTPError, ValueError):
        pass
    return Check("port", "warn", f"{host}:{port} is taken ({busy}); pass --port or set CML_PORT")


def doctor_command(
    db: DbOption = None,
    data_dir: DataDirOption = None,
    host: Annotated[
        str | None,
        typer.Option(help="Interface `cml serve` would use (CML_HOST).", show_default=False),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port `cml serve` would use (CML_PORT).", show_default=False)
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Full integrity check: every index against its table (SQLite), amcheck and "
            "checksum failures (PostgreSQL). Slower: seconds per GB.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the install, the model files, the store's integrity, the keys and the port.

    Exits 1 when a check fails. Safe while `cml serve` runs: every check only reads.
    """
    checks = [check_install()]
    if not all(map(_installed, EXTRAS["server"])):
        fail(f"{checks[0].detail}; the other checks need the server extra.")
    settings = settings_from(data_dir=data_dir, host=host, port=port)
    checks.append(check_model(settings))
    checks.append(check_database(settings, db, full=full))
    intact = checks[-1].status == "ok"
    checks.append(check_keys(settings, db) if intact else Check("keys", "warn", "not checked"))
    checks.append(check_port(settings.host, settings.port))
    if as_json:
        print_json([asdict(check) for check in checks])
    else:
        report = table("check", "status", "detail", no_wrap=("check", "status"))
        marks = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]"}
        for check in checks:
            first = check.detail.split("\n", 1)[0]
            report.add_row(check.name, marks[check.status], escape(first))
        print_table(report)
    failed = [check for check in checks if check.status == "fail"]
    for check in failed:
        err.print(f"[bold red]{check.name}:[/] {escape(check.detail)}", soft_wrap=True)
    if failed:
        raise typer.Exit(1)
