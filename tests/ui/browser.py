"""What the dashboard tests share: the page driver and the watch on requests and errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

ADMIN_KEY = "ui-admin-bootstrap-secret"


@dataclass
class Watch:
    """Fails the test on a request leaving the server, a script error or a CSP violation."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        """Let requests to the server through; abort and record any other."""
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme == "data" or f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def page_error(self, error: Any) -> None:
        """Record an uncaught script error."""
        self.errors.append(f"page error: {error}")

    def console(self, message: Any) -> None:
        """Record a CSP violation reported on the console."""
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"console: {message.text}")

    def check(self) -> None:
        """Fail if anything was recorded."""
        assert self.foreign == [], f"requests left the server: {self.foreign}"
        assert self.errors == [], self.errors


@contextmanager
def watched_page(chromium: Any, origin: str) -> Iterator[Any]:
    """A page in a fresh browser context, watched: requests leaving ``origin``, script errors
    and CSP violations fail the test when the block ends."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    watch = Watch(origin)
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("pageerror", watch.page_error)
    page.on("console", watch.console)
    try:
        yield page
        watch.check()
    finally:
        context.close()


@dataclass
class Dashboard:
    """A page of the dashboard on a running server, with the API at hand for setting up."""

    page: Any
    origin: str
    server: Any

    def key(self, tenant: str) -> str:
        """The API key of ``tenant`` (``acme`` or ``globex``) made for the module."""
        return str(self.server.env[f"KEY_{tenant.upper()}"])

    def api(self, key: str, **headers: str) -> httpx.Client:
        """An HTTP client of the API acting with ``key``."""
        return httpx.Client(
            base_url=self.server.url, timeout=10, headers={"X-API-Key": key, **headers}
        )

    def write(self, key: str, content: str, **fields: Any) -> str:
        """Store a memory through the API; its id."""
        with self.api(key) as client:
            answer = client.post("/memory/write", json={"content": content, **fields})
            answer.raise_for_status()
            return str(answer.json()["memory_id"])

    def sign_in(self, key: str) -> None:
        """Open the dashboard and sign in with ``key``; returns once the overview shows."""
        self.page.goto(f"{self.origin}/ui")
        self.page.get_by_test_id("api-key").fill(key)
        self.page.get_by_test_id("sign-in").click()
        self.page.get_by_test_id("stats").wait_for()

    def open(self, section: str) -> None:
        """Go to a section through the navigation bar."""
        self.page.get_by_test_id(f"nav-{section}").click()

    def pick_tenant(self, tenant: str) -> None:
        """Act on another tenant (admin keys)."""
        self.page.get_by_test_id("tenant").select_option(tenant)

    def confirm(self) -> None:
        """Accept the confirmation dialog."""
        self.page.get_by_test_id("confirm-ok").click()


@contextmanager
def running_server(
    tmp_path_factory: pytest.TempPathFactory, launcher: Any, **settings: str
) -> Iterator[Any]:
    """A real ``cml serve`` with an admin key and keys of tenants ``acme`` and ``globex``."""
    data_dir = tmp_path_factory.mktemp("ui") / "data"
    env = launcher.env(
        data_dir,
        CML_ADMIN_API_KEY=ADMIN_KEY,
        CML_RATE_LIMIT_PER_SECOND="0",
        # Event streams end after 2 s without events, so the tests see the dashboard resume.
        CML_EVENTS_STREAM_IDLE_SECONDS="2",
        **settings,
    )
    with launcher.serve(env, data_dir) as running:
        with httpx.Client(base_url=running.url, timeout=10) as client:
            for tenant in ("acme", "globex"):
                made = client.post(
                    "/admin/keys",
                    json={"tenant_id": tenant, "name": f"{tenant} app"},
                    headers={"X-API-Key": ADMIN_KEY},
                )
                made.raise_for_status()
                running.env[f"KEY_{tenant.upper()}"] = made.json()["key"]
        yield running
