"""API keys: stored hashed, compared in constant time, dead the moment they are revoked, never
written to a log, an event or an error; and a server that phones nobody.

Existing tests this builds on (not repeated here): ``tests/engine/test_keys.py`` (secret shape,
``key_hash`` is the SHA-256, revocation in the engine, no secret in key events),
``tests/server/test_auth.py`` (401 for unknown keys without echo, revocation on one app).
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import inspect
import ipaddress
import logging
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import cml
from cml._asgi import StreamingASGITransport
from cml.config import CMLConfig
from cml.engine import Engine, open_engine
from cml.engine import keys as engine_keys
from cml.models import CreateKeyRequest, EventItem, Scope, WriteRequest
from cml.server import auth
from cml.server.app import create_app
from cml.server.settings import ServerSettings

ADMIN = "secrets-test-admin-bootstrap-0123"
DEV = "secrets-test-dev-bootstrap-4567"
UNKNOWN_KEY = "cml_" + "aB3-" * 10 + "xYz"
"""Shaped like a real key (``cml_`` and 43 base64url characters), but issued by nobody."""
NO_WAIT: dict[str, Any] = {"backoff_initial": 0.0, "backoff_max": 0.0, "retry_after_max": 0.0}


def settings_for(url: str, **overrides: Any) -> ServerSettings:
    values: dict[str, Any] = {
        "database_url": url,
        "embedding_provider": "hash",
        "admin_api_key": ADMIN,
        "api_key": DEV,
        "rate_limit_per_second": 0,
        **overrides,
    }
    return ServerSettings(**values)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"


@contextmanager
def engine_on(url: str) -> Iterator[Engine]:
    engine = open_engine(settings_for(url).to_engine_config())
    try:
        yield engine
    finally:
        engine.close()


def api(engine: Engine, url: str, **settings: Any) -> httpx.AsyncClient:
    app = create_app(settings_for(url, **settings), engine=engine)
    return httpx.AsyncClient(
        transport=StreamingASGITransport(app), base_url="http://test/api/v1", timeout=30
    )


def everything_stored(url: str) -> str:
    """Every row of every table of the database, as text (and, for SQLite, the raw files)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
        return raw.decode("latin-1")
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
        return "\n".join(
            repr(conn.execute(f'SELECT * FROM "{table}"').fetchall()) for table in tables
        )


# --- stored hashed ------------------------------------------------------------------------------


async def test_only_a_hash_of_each_key_is_stored(database_url: str) -> None:
    with engine_on(database_url) as engine:
        async with api(engine, database_url) as http:
            created = await http.post(
                "/admin/keys",
                json={"tenant_id": "acme", "name": "reporting"},
                headers={"X-API-Key": ADMIN},
            )
            assert created.status_code == 201
            secret = created.json()["key"]
            used = await http.get("/memory/stats", headers={"X-API-Key": secret})
            assert used.status_code == 200
            listed = await http.get("/admin/keys", headers={"X-API-Key": ADMIN})
            assert secret not in listed.text  # shown once, at creation, never again
        (record,) = engine.store.list_keys("acme")
    stored = everything_stored(database_url)
    assert secret not in stored
    assert secret[len(engine_keys.KEY_PREFIX) :] not in stored  # nor its random part
    assert record.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert record.key_hash in stored
    # Bootstrap keys live in the server's settings only.
    assert ADMIN not in stored
    assert DEV not in stored


# --- compared in constant time -------------------------------------------------------------


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Lengths of the two sides of every ``hmac.compare_digest`` call (the real one still runs)."""
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_every_key_check_is_a_constant_time_compare_of_equal_lengths(
    compared: list[tuple[int, int]], tmp_path: Path, backend: str
) -> None:
    url = f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"
    with engine_on(url) as engine:
        stored = engine.keys.create(CreateKeyRequest(tenant_id="acme")).key
        async with api(engine, url) as http:
            # The last character changed, to one it is not (a fixed "A" is the key itself
            # whenever the key happens to end in "A").
            wrong = stored[:-1] + ("B" if stored.endswith("A") else "A")
            presented = [ADMIN, DEV, stored, "x", ADMIN[:-1], ADMIN + "x", wrong]
            statuses = [
                (await http.get("/memory/stats", headers={"X-API-Key": key})).status_code
                for key in presented
            ]
    assert statuses == [200, 200, 200, 401, 401, 401, 401]
    assert compared, "no compare_digest call: keys are compared some other way"
    # Equal lengths whatever was presented: the time taken says nothing about the secret.
    assert all(a == b for a, b in compared)
    assert {a for a, _ in compared} <= {32, 64}  # SHA-256 digests, raw or hex


def _compares_in(function: Any) -> tuple[int, list[str]]:
    """compare_digest calls, and ``==``/``!=`` comparisons, in a function's source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    digests = sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "compare_digest"
    )
    equalities = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(o, ast.Eq | ast.NotEq) for o in node.ops)
    ]
    return digests, equalities


def test_the_key_checks_in_the_source_use_compare_digest_only() -> None:
    # A supplement to the behaviour above: the two places a presented key meets a secret.
    for function in (auth._matches, engine_keys.KeyManager.authenticate):
        digests, equalities = _compares_in(function)
        assert digests == 1, function.__qualname__
        assert equalities == [], f"{function.__qualname__} compares with ==: {equalities}"


# --- revoked keys stop at once -------------------------------------------------------------


async def test_a_revoked_key_fails_at_once_on_every_replica(database_url: str) -> None:
    # Two servers (two engines, two apps) on one database, as replicas behind a load balancer.
    with engine_on(database_url) as first, engine_on(database_url) as second:
        created = first.keys.create(CreateKeyRequest(tenant_id="acme"))
        spare = first.keys.create(CreateKeyRequest(tenant_id="acme"))
        async with api(first, database_url) as one, api(second, database_url) as two:
            for replica in (one, two):
                ok = await replica.get("/memory/stats", headers={"X-API-Key": created.key})
                assert ok.status_code == 200
            revoked = await one.delete(f"/admin/keys/{created.id}", headers={"X-API-Key": ADMIN})
            assert revoked.status_code == 200
            for replica in (two, one):
                refused = await replica.get("/memory/stats", headers={"X-API-Key": created.key})
                assert refused.status_code == 401
                assert refused.json()["error"]["code"] == "invalid_api_key"
                assert created.key not in refused.text
                still = await replica.get("/memory/stats", headers={"X-API-Key": spare.key})
                assert still.status_code == 200


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the requests that reach the app."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)


async def test_the_sdk_raises_at_once_for_a_revoked_key_and_does_not_retry(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"
    with engine_on(url) as engine:
        app = create_app(settings_for(url), engine=engine)
        admin = cml.AsyncCognitiveMemoryLayer(
            config=CMLConfig(api_key=ADMIN, base_url="http://test", **NO_WAIT),
            transport=httpx.ASGITransport(app=app),
        )
        created = await admin.create_api_key("acme")
        counting = CountingTransport(httpx.ASGITransport(app=app))
        user = cml.AsyncCognitiveMemoryLayer(
            config=CMLConfig(api_key=created.key, base_url="http://test", max_retries=3, **NO_WAIT),
            transport=counting,
        )
        async with admin, user:
            await user.write("The quarterly numbers are due on Friday")
            # The secret pasted where the id belongs never leaves: it would sit in URLs and logs.
            with pytest.raises(cml.ValidationError) as pasted:
                await admin.revoke_api_key(created.key)
            assert pasted.value.status_code is None  # refused by the SDK, before sending
            assert created.key not in str(pasted.value)
            await admin.revoke_api_key(created.id)
            before = counting.requests
            with pytest.raises(cml.AuthenticationError) as caught:
                await user.read("quarterly numbers")
        assert counting.requests == before + 1  # a 401 is final: no retry
        assert caught.value.status_code == 401
        assert created.key not in str(caught.value)
        assert created.key not in repr(caught.value)


async def test_a_revoked_key_ends_its_open_event_stream(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"
    with engine_on(url) as engine:
        watcher = engine.keys.create(CreateKeyRequest(tenant_id="acme", scopes=[Scope.ADMIN]))
        # Streams would idle out only after a minute: an end sooner is the revocation's doing.
        async with api(
            engine, url, events_heartbeat_seconds=0.2, events_stream_idle_seconds=60
        ) as http:
            headers = {"X-API-Key": watcher.key}
            async with http.stream("GET", "/admin/events/stream", headers=headers) as stream:
                assert stream.status_code == 200
                lines = stream.aiter_lines()
                assert (await lines.__anext__()).startswith("retry:")
                engine.keys.revoke(watcher.id)
                with anyio.fail_after(20):
                    rest = [line async for line in lines]
            assert all(not line.startswith("data:") for line in rest)
            again = await http.get("/admin/events/stream", headers=headers)
            assert again.status_code == 401


async def test_the_sdk_event_stream_stops_with_an_error_once_its_key_is_revoked(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"
    with engine_on(url) as engine:
        watcher = engine.keys.create(CreateKeyRequest(tenant_id="acme", scopes=[Scope.ADMIN]))
        app = create_app(
            settings_for(url, events_heartbeat_seconds=0.2, events_stream_idle_seconds=60),
            engine=engine,
        )
        config = CMLConfig(api_key=watcher.key, base_url="http://test", max_retries=2, **NO_WAIT)
        client = cml.AsyncCognitiveMemoryLayer(config=config, transport=StreamingASGITransport(app))
        received: list[EventItem] = []
        failures: list[cml.CMLError] = []
        stopped = anyio.Event()

        async def follow() -> None:
            try:
                async for event in client.stream_events():
                    received.append(event)
            except cml.CMLError as exc:
                failures.append(exc)
            finally:
                stopped.set()

        async with client, anyio.create_task_group() as tasks:
            tasks.start_soon(follow)
            with anyio.fail_after(20):
                while not received:  # the stream is live once it delivers a new event
                    await anyio.to_thread.run_sync(
                        engine.memories.write, "acme", WriteRequest(content="A new event")
                    )
                    await anyio.sleep(0.3)
                engine.keys.revoke(watcher.id)
                await stopped.wait()
    assert isinstance(failures[0], cml.AuthenticationError)
    assert watcher.key not in str(failures[0])


# --- never in logs, events or errors -------------------------------------------------------


def admin_as(tenant: str, admin: str) -> dict[str, str]:
    return {"X-API-Key": admin, "X-Tenant-ID": tenant}


def misplaced(key: str, admin: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Requests that carry ``key`` where no key belongs (each as method, path, httpx kwargs).

    Bootstrap keys (free-form strings from the server's settings, for development) only go
    where a key could be mistaken for a header or URL value: the write gate recognises keys by
    their shape (``cml_...``), so a bootstrap key inside content would be stored as text.
    """
    in_urls_and_headers: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/memory/update", {"json": {"memory_id": key, "text": "x"}}),
        ("GET", "/memory/stats", {"headers": {"X-Tenant-ID": key}}),
        # With an admin key, an accepted tenant name would be created, listed and evented.
        ("POST", "/memory/write", {"json": {"content": "hi"}, "headers": admin_as(key, admin)}),
        ("GET", "/memory/stats", {"params": {"api_key": key}}),
        ("GET", f"/memory/{key}", {}),
        ("DELETE", f"/admin/keys/{key}", {"headers": {"X-API-Key": admin}}),
    ]
    if not key.startswith("cml_"):
        return in_urls_and_headers
    return [
        *in_urls_and_headers,
        ("POST", "/memory/write", {"json": {"content": f"My API key is {key}"}}),
        ("POST", "/memory/write", {"json": {"content": "ok", "metadata": {"key": key}}}),
        ("POST", "/memory/write", {"json": {"content": "ok", "context_tags": [key]}}),
        ("POST", "/memory/write", {"json": {"content": "ok", "session_id": key}}),
        ("POST", "/memory/write", {"json": {"content": "ok", "namespace": key}}),
        ("POST", "/memory/batch_write", {"json": {"items": [{"content": f"key {key}"}]}}),
        ("POST", "/memory/read", {"json": {"query": f"where is {key}", "format": "list"}}),
        ("POST", "/memory/turn", {"json": {"user_message": f"use {key}", "session_id": "s"}}),
        ("POST", "/memory/forget", {"json": {"memory_ids": [key]}}),
    ]


async def test_keys_never_reach_logs_events_or_error_bodies(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"
    with engine_on(url) as engine:
        async with api(engine, url) as http:
            admin = {"X-API-Key": ADMIN}
            made = await http.post("/admin/keys", json={"tenant_id": "acme"}, headers=admin)
            valid = made.json()["key"]
            gone = (
                await http.post("/admin/keys", json={"tenant_id": "acme"}, headers=admin)
            ).json()
            await http.delete(f"/admin/keys/{gone['id']}", headers=admin)
            invalid = UNKNOWN_KEY
            keys = [valid, gone["key"], invalid, ADMIN, DEV]
            answers: list[httpx.Response] = []
            for key in keys:
                for header in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
                    answers.append(await http.get("/memory/stats", headers=header))
                    answers.append(
                        await http.post("/memory/write", json={"content": "hi"}, headers=header)
                    )
                for method, path, kwargs in misplaced(key, ADMIN):
                    headers = {"X-API-Key": valid, **kwargs.pop("headers", {})}
                    answers.append(await http.request(method, path, headers=headers, **kwargs))
            tenants = (await http.get("/admin/tenants", headers=admin)).json()
            events = [
                (
                    await http.get(
                        "/admin/events",
                        params={"tenant_id": t["tenant_id"], "per_page": 500},
                        headers=admin,
                    )
                ).text
                for t in tenants
            ]
    errors = [a.text for a in answers if a.status_code >= 400]
    assert len(errors) > 4 * len(keys)  # the misplaced keys were refused, not stored
    # A read repeats its query to the caller; any other answer is checked too.
    others = [a.text for a in answers if a.status_code < 400 and "/memory/read" not in str(a.url)]
    # The app's records (in-process there is no access log: the real server's test below reads
    # that); this test's own httpx client logs the URLs it was told to send, keys included.
    server_log = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    )
    for key in keys:
        assert key not in server_log
        for text in errors + others + events:
            assert key not in text, text
    assert {t["tenant_id"] for t in tenants} == {"acme", "default"}


@contextmanager
def serve_logged(env: dict[str, str], log: Path) -> Iterator[str]:
    """``cml serve`` with its output (stdout and stderr) in ``log``; yields its API URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "cml", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/api/v1"
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "cml serve did not start"
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_keys_never_reach_the_log_of_a_real_server(launcher: Any, tmp_path: Path) -> None:
    env = launcher.env(
        tmp_path / "data", CML_LOG_LEVEL="debug", CML_ADMIN_API_KEY=ADMIN, CML_API_KEY=DEV
    )
    log = tmp_path / "serve.log"
    with serve_logged(env, log) as url, httpx.Client(base_url=url, timeout=30) as http:
        admin = {"X-API-Key": ADMIN}
        valid = http.post("/admin/keys", json={"tenant_id": "acme"}, headers=admin).json()["key"]
        gone = http.post("/admin/keys", json={"tenant_id": "acme"}, headers=admin).json()
        http.delete(f"/admin/keys/{gone['id']}", headers=admin)
        keys = [valid, gone["key"], UNKNOWN_KEY, ADMIN, DEV]
        for key in keys:
            assert http.get("/memory/stats", headers={"X-API-Key": key}).status_code in (200, 401)
            for method, path, kwargs in misplaced(key, ADMIN):
                headers = {"X-API-Key": valid, **kwargs.pop("headers", {})}
                http.request(method, path, headers=headers, **kwargs)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert '"GET /api/v1/memory/stats' in output  # the access log was captured...
    assert "[REDACTED_KEY]" in output  # ...and masked the keys sent in URLs
    for key in keys:
        assert key not in output


# --- nothing leaves the machine ------------------------------------------------------------------


class Trap:
    """A TCP listener on loopback that records every connection made to it (the proxy)."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.seen: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.seen.append(conn.recv(4096))
                except OSError:
                    self.seen.append(b"")

    def close(self) -> None:
        self._server.close()


def _sockets(table: str) -> dict[str, tuple[str, int, str]]:
    """inode -> (remote address, remote port, state) for one of /proc/net/{tcp,tcp6,udp,udp6}."""
    found: dict[str, tuple[str, int, str]] = {}
    with open(f"/proc/net/{table}", encoding="ascii") as rows:
        next(rows)
        for row in rows:
            fields = row.split()
            address, port = fields[2].split(":")
            raw = bytes.fromhex(address)
            # /proc prints addresses as 32-bit words in host (little-endian) order.
            ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            ip = str(ipaddress.ip_address(ordered))
            found[fields[9]] = (ip, int(port, 16), fields[3])
    return found


def _inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def pid_listening_on(port: int) -> int:
    """The process holding the listening TCP socket on ``port``."""
    listening = {
        inode
        for table in ("tcp", "tcp6")
        for inode, (_, _, state) in _sockets(table).items()
        if state == "0A"
    }
    wanted = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/net/{table}", encoding="ascii") as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                if int(fields[1].split(":")[1], 16) == port and fields[9] in listening:
                    wanted.add(fields[9])
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if _inodes(int(proc.name)) & wanted:
                    return int(proc.name)
            except OSError:
                continue
    raise AssertionError(f"no process listens on port {port}")


def remote_peers(pid: int) -> set[tuple[str, int]]:
    """Addresses the process's sockets are connected to (listening sockets have none)."""
    mine = _inodes(pid)
    peers = set()
    for table in ("tcp", "tcp6", "udp", "udp6"):
        for inode, (ip, port, _) in _sockets(table).items():
            if inode in mine and port != 0:
                peers.add((ip, port))
    return peers


def _local(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def trapped_env(base: dict[str, str], trap: Trap) -> dict[str, str]:
    proxy = f"http://127.0.0.1:{trap.port}"
    env = {k: v for k, v in base.items() if k.lower() not in ("no_proxy",)}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = proxy
    return env


def test_the_trap_catches_a_process_that_calls_out(tmp_path: Path) -> None:
    # The check below can fail: a process with this environment that does call out is caught.
    trap = Trap()
    try:
        code = textwrap.dedent(
            """
            import contextlib, httpx
            with contextlib.suppress(Exception):
                httpx.get("http://example.com/", timeout=5)
            """
        )
        subprocess.run(
            [sys.executable, "-c", code],
            env=trapped_env(dict(os.environ), trap),
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 5
        while not trap.seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        trap.close()
    assert trap.seen
    assert b"example.com" in trap.seen[0]


def test_a_server_on_its_defaults_opens_no_outbound_connection(
    launcher: Any, tmp_path: Path
) -> None:
    trap = Trap()
    data = tmp_path / "data"
    env = trapped_env(launcher.env(data, CML_ADMIN_API_KEY=ADMIN), trap)
    try:
        with (
            launcher.serve(env, data) as server,
            httpx.Client(base_url=server.url, headers={"X-API-Key": ADMIN}, timeout=30) as http,
        ):
            pid = pid_listening_on(server.port)
            peers: set[tuple[str, int]] = set()
            steps = [
                ("POST", "/memory/write", {"content": "Ann lives in Porto", "session_id": "s"}),
                ("POST", "/memory/batch_write", {"items": [{"content": "Ann likes trams"}]}),
                ("POST", "/memory/read", {"query": "Where does Ann live?"}),
                ("POST", "/memory/turn", {"user_message": "Where is Ann?", "session_id": "s"}),
                ("POST", "/admin/consolidate", {}),
                ("POST", "/admin/forget", {"dry_run": True}),
                ("GET", "/admin/components", None),
                ("GET", "/memory/stats", None),
            ]
            for method, path, body in steps:
                response = http.request(method, path, json=body)
                assert response.status_code == 200, (path, response.text)
                peers |= remote_peers(pid)
    finally:
        trap.close()
    assert trap.seen == []
    outside = {peer for peer in peers if not _local(peer[0])}
    assert outside == set(), f"cml serve talked to {outside}"


def test_the_cli_shows_a_secret_once_and_never_repeats_one(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cml.cli import app as cli

    runner = CliRunner()
    where = ["--data-dir", str(tmp_path)]
    env = {"CML_EMBEDDING_PROVIDER": "hash"}
    created = runner.invoke(cli, ["keys", "create", "--tenant", "acme", *where], env=env)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[0]
    assert secret.startswith("cml_")
    listed = runner.invoke(cli, ["keys", "list", "--json", *where], env=env)
    assert listed.exit_code == 0
    assert secret not in listed.output
    # The secret pasted where the id belongs: refused, and not repeated back.
    pasted = runner.invoke(cli, ["keys", "revoke", secret, *where], env=env)
    assert pasted.exit_code != 0
    assert "secret, not its id" in pasted.output
    assert secret not in pasted.output


def test_configuration_reprs_hide_database_passwords_and_api_keys(tmp_path: Path) -> None:
    url = "postgresql://cml:hunter2-db-password@db.internal/cml"
    settings = ServerSettings(
        data_dir=tmp_path,
        database_url=url,
        embedding_api_key="sk-embedding-secret",
        llm_api_key="sk-llm-secret",
    )
    config = settings.to_engine_config()

    for shown in (repr(settings), str(settings), repr(config)):
        for secret in ("hunter2-db-password", "sk-embedding-secret", "sk-llm-secret"):
            assert secret not in shown
    # The values themselves are intact where they are used.
    assert settings.resolved_database_url == url
    assert (config.database_url, config.llm_api_key) == (url, "sk-llm-secret")
