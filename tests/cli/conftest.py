"""Two targets for every operator command: a real ``cml serve`` process and a local store.

A command runs in-process through Typer's runner with the connection options of its target;
the server target shares one server per module and gives each test a tenant of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cml import CognitiveMemoryLayer, EmbeddedCognitiveMemoryLayer
from cml.cli import app

ADMIN_KEY = "cli-admin-secret-key"
PLAIN_KEY = "cli-plain-secret-key"


@dataclass
class Target:
    """Where the commands go: ``args`` are the connection options every command takes."""

    kind: str
    tenant: str
    args: list[str]
    url: str | None = None
    db: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def client(self) -> CognitiveMemoryLayer:
        """An SDK client on the same store and tenant, to set up and check what a command did."""
        if self.db is not None:
            return EmbeddedCognitiveMemoryLayer(
                self.db, tenant_id=self.tenant, embedding_provider="hash"
            )
        return CognitiveMemoryLayer(
            api_key=ADMIN_KEY, base_url=self.url, tenant_id=self.tenant, max_retries=0
        )

    def run(self, *argv: str, own_options: bool = False, **kwargs: Any) -> Result:
        """Run ``cml *argv`` at 80 columns, with this target's options unless ``own_options``."""
        runner = CliRunner(env={**self.env, "COLUMNS": "80"})
        return runner.invoke(app, [*argv, *([] if own_options else self.args)], **kwargs)


@pytest.fixture(autouse=True)
def _no_developer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CML_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CML_EMBEDDING_PROVIDER", "hash")


@pytest.fixture(scope="module")
def cli_server(launcher: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real ``cml serve`` for the module, with an admin key and a plain key."""
    data_dir = tmp_path_factory.mktemp("cli-server")
    env = launcher.env(data_dir, CML_ADMIN_API_KEY=ADMIN_KEY, CML_API_KEY=PLAIN_KEY)
    with launcher.serve(env, data_dir) as server:
        yield server


@pytest.fixture(params=["server", "embedded"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """A fresh tenant on a real server, or a fresh local store."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    if request.param == "server":
        server = request.getfixturevalue("cli_server")
        url = f"http://127.0.0.1:{server.port}"
        args = ["--url", url, "--api-key", ADMIN_KEY, "--tenant", tenant]
        return Target("server", tenant, args, url=url)
    db = tmp_path / "store.db"
    env = {"CML_EMBEDDING_PROVIDER": "hash"}
    return Target("embedded", tenant, ["--db", str(db), "--tenant", tenant], db=db, env=env)
