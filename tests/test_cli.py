"""The ``cml`` command: version, keys create/list/revoke on the configured store, serve errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cml._version import __version__
from cml.cli import app
from cml.engine import EngineConfig, open_engine


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CML_"):
            monkeypatch.delenv(name)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def runner(data_dir: Path) -> CliRunner:
    return CliRunner(env={"CML_DATA_DIR": str(data_dir), "CML_EMBEDDING_PROVIDER": "hash"})


KeyCheck = Callable[[str], tuple[str, list[str]] | None]


@pytest.fixture
def check_key(data_dir: Path) -> KeyCheck:
    """Authenticate a secret against the store the CLI wrote to, as a server would."""
    config = EngineConfig(database_url=f"sqlite:///{data_dir}/cml.db", embedding_provider="hash")

    def check(secret: str) -> tuple[str, list[str]] | None:
        with open_engine(config) as engine:
            info = engine.keys.authenticate(secret)
        return None if info is None else (info.tenant_id, [str(s) for s in info.scopes])

    return check


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"py-cml {__version__}"


def test_keys_create_prints_only_the_secret_on_stdout(
    runner: CliRunner, check_key: KeyCheck
) -> None:
    result = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--name", "ci"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert "\n" not in secret
    assert "cannot be shown again" in result.stderr
    assert check_key(secret) == ("acme", ["read", "write"])


def test_keys_create_json_with_scopes_and_extra_tenants(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "keys",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "read, admin",
            "--extra-tenant",
            "acme-eu",
            "--extra-tenant",
            "acme-us",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["scopes"] == ["read", "admin"]
    assert created["extra_tenants"] == ["acme-eu", "acme-us"]
    assert created["key"]


@pytest.mark.parametrize(
    ("options", "kind", "all_tenants"),
    [
        ([], "a key for tenant 'acme'", False),
        (["--scopes", "admin"], "a tenant admin key bound to 'acme'", False),
        (["--scopes", "admin", "--extra-tenant", "acme-eu"], "bound to 'acme' + 'acme-eu'", False),
        (["--global"], "a global operator key (administers every tenant", True),
        (["--scopes", "operator"], "a global operator key", True),
    ],
)
def test_keys_create_says_which_kind_of_key_it_made(
    runner: CliRunner, check_key: KeyCheck, options: list[str], kind: str, all_tenants: bool
) -> None:
    result = runner.invoke(app, ["keys", "create", "--tenant", "acme", *options])
    assert result.exit_code == 0, result.output
    assert kind in " ".join(result.stderr.split())
    as_json = runner.invoke(app, ["keys", "create", "--tenant", "acme", *options, "--json"])
    assert json.loads(as_json.stdout)["all_tenants"] is all_tenants
    checked = check_key(result.stdout.strip())
    assert checked is not None
    assert ("operator" in checked[1]) is all_tenants


def test_keys_list_shows_keys_without_secrets(runner: CliRunner) -> None:
    secrets = [
        runner.invoke(app, ["keys", "create", "--tenant", tenant]).stdout.strip()
        for tenant in ("acme", "globex")
    ]
    everything = runner.invoke(app, ["keys", "list", "--json"])
    assert everything.exit_code == 0
    listed = json.loads(everything.stdout)
    assert sorted(k["tenant_id"] for k in listed) == ["acme", "globex"]
    assert not any(secret in everything.stdout for secret in secrets)

    acme = json.loads(runner.invoke(app, ["keys", "list", "--tenant", "acme", "--json"]).stdout)
    assert [k["tenant_id"] for k in acme] == ["acme"]

    table = runner.invoke(app, ["keys", "list"], env={"COLUMNS": "80"})
    assert table.exit_code == 0
    assert acme[0]["id"] in table.stdout
    assert "acme" in table.stdout
    assert "globex" in table.stdout
    assert "read,write" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_keys_list_when_there_are_none(runner: CliRunner) -> None:
    result = runner.invoke(app, ["keys", "list"])
    assert result.exit_code == 0
    assert "No API keys" in result.stderr


def test_keys_revoke_stops_the_key(runner: CliRunner, check_key: KeyCheck) -> None:
    created = json.loads(runner.invoke(app, ["keys", "create", "-t", "acme", "--json"]).stdout)
    result = runner.invoke(app, ["keys", "revoke", created["id"]])
    assert result.exit_code == 0, result.output
    assert created["id"] in result.stdout
    assert check_key(created["key"]) is None
    listed = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)
    assert listed[0]["revoked_at"] is not None


def test_revoking_an_unknown_key_fails_cleanly(runner: CliRunner) -> None:
    result = runner.invoke(app, ["keys", "revoke", "no-such-key"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    assert "Traceback" not in result.output


def test_a_bad_tenant_fails_cleanly(runner: CliRunner) -> None:
    result = runner.invoke(app, ["keys", "create", "--tenant", "not a tenant"])
    assert result.exit_code == 2
    assert "tenant_id" in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_scope_fails_cleanly(runner: CliRunner) -> None:
    result = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--scopes", "root"])
    assert result.exit_code == 2
    assert "unknown scope 'root'" in result.output


def test_data_dir_option_overrides_the_environment(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "other"
    result = runner.invoke(app, ["keys", "create", "-t", "acme", "--data-dir", str(other)])
    assert result.exit_code == 0
    assert (other / "cml.db").exists()
    assert json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout) == []


def test_invalid_environment_settings_fail_cleanly(tmp_path: Path) -> None:
    runner = CliRunner(env={"CML_DATA_DIR": str(tmp_path), "CML_PORT": "not-a-port"})
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "invalid settings" in result.stderr
    assert "port" in result.stderr


def test_serve_reports_an_unusable_database_cleanly(runner: CliRunner) -> None:
    result = runner.invoke(app, ["serve", "--database-url", "mysql://nowhere/db"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    assert "Traceback" not in result.output


def test_python_dash_m_cml_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cml", "version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"py-cml {__version__}"
