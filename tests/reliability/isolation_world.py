"""Two tenants that look alike, and the tools to show that one never reaches the other.

Tenant ``acme`` (A, the attacker) and tenant ``globex`` (B, the victim) are seeded the same way:
the same namespace names (``work``, ``home``), the same session id (``s1``), the same
idempotency keys, memories in every status (active, silent, deleted, updated with a version
history). Only a marker word differs: B's memories carry :data:`MARK_B`, which appears in
nothing A owns, so any response to A that contains it (or one of B's memory ids) is a leak.

:func:`snapshot` captures B's full state straight from the store (every field of every memory
including access counts and embeddings, version histories, events, keys, idempotency records),
so a test can show that nothing A did (or an admin did to A) changed B.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from cml.engine import Engine, open_engine
from cml.models import (
    BatchWriteItem,
    BatchWriteRequest,
    CreateKeyRequest,
    ForgetRequest,
    TurnRequest,
    UpdateRequest,
    WriteRequest,
)
from cml.server.app import create_app
from cml.server.settings import ServerSettings
from cml.storage.base import MemoryFilter

A, B = "acme", "globex"
MARK_A = "wombatacme"
MARK_B = "quokkaglobex"
"""A word only tenant B's memories contain."""
ADMIN_KEY = "isolation-admin-bootstrap-key"
NAMESPACES = ("work", "home")
SESSION = "s1"
IDEMPOTENCY_KEYS = ("shared-write", "shared-batch", "shared-turn", "shared-update")
"""Idempotency keys both tenants used while being seeded."""


def settings_for(database_url: str, **overrides: Any) -> ServerSettings:
    """Server settings of the isolation tests: hash embedder, no rate limit, short streams."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "embedding_provider": "hash",
        "admin_api_key": ADMIN_KEY,
        "rate_limit_per_second": 0,
        "events_heartbeat_seconds": 0.1,
        "events_stream_idle_seconds": 0.3,
        **overrides,
    }
    return ServerSettings(**values)


def seed(engine: Engine, tenant: str, mark: str, *, consolidate: bool) -> list[str]:
    """Give ``tenant`` memories of every kind and status; returns the ids written.

    Three near-identical episodes in ``work`` make a cluster for consolidation; with
    ``consolidate`` the tenant also gets the semantic fact consolidation draws from them.
    """
    memories = engine.memories
    ids: list[str] = []

    def write(content: str, key: str | None = None, **fields: Any) -> str:
        response = memories.write(
            tenant, WriteRequest(content=content, **fields), idempotency_key=key
        )
        assert response.memory_id is not None
        ids.append(response.memory_id)
        return response.memory_id

    write(
        f"The {mark} plan is to acquire Initech in May",
        "shared-write",
        namespace="work",
        session_id=SESSION,
        metadata={"owner": f"{mark}-owner", "nested": {"code": mark}},
        context_tags=[mark],
        agent_id=f"{mark}-agent",
    )
    write(f"The {mark} budget for the offsite is nine million", session_id=SESSION)
    write(f"The {mark} family dinner is on Sunday", namespace="home")
    batch = memories.write_batch(
        tenant,
        BatchWriteRequest(
            items=[
                BatchWriteItem(content=f"The {mark} supplier ships bolts on Tuesdays"),
                BatchWriteItem(content=f"The {mark} office moves to Lisbon in June"),
                BatchWriteItem(content=f"The {mark} launch code name is Falcon", namespace="home"),
            ],
            namespace="work",
            session_id=SESSION,
        ),
        idempotency_key="shared-batch",
    )
    ids += [r.memory_id for r in batch.results if r.memory_id]
    memories.turn(
        tenant,
        TurnRequest(
            user_message=f"Remind me that the {mark} offsite is in Porto",
            assistant_response="Noted, the offsite is in Porto.",
            session_id=SESSION,
            namespace="work",
        ),
        idempotency_key="shared-turn",
    )
    gone = write(f"The {mark} old address was Baker Street", namespace="work")
    memories.forget(tenant, ForgetRequest(memory_ids=[gone]))
    wrong = write(f"The {mark} CEO is called Bob", namespace="work")
    memories.update(tenant, UpdateRequest(memory_id=wrong, feedback="incorrect"))
    revised = write(f"The {mark} headcount is forty", namespace="work")
    memories.update(
        tenant,
        UpdateRequest(memory_id=revised, text=f"The {mark} headcount is fifty"),
        idempotency_key="shared-update",
    )
    for place in ("at the office", "in the office", "at the office building"):
        write(
            f"The {mark} team met the client on Monday {place}",
            memory_type="episodic_event",
            namespace="work",
            session_id=f"visit-{place}",
        )
    # A key only this tenant used: another tenant sending it must not get this answer back.
    write(f"The {mark} parking spot is number 12", f"only-{tenant}")
    if consolidate:
        report = engine.admin.consolidate(tenant)
        assert report["facts_extracted"] == 1
        ids += report["fact_ids"]
    return ids


def all_ids(engine: Engine, tenant: str) -> set[str]:
    """Every memory id of ``tenant``, whatever its status."""
    return {
        r.id for r in engine.store.list_memories(MemoryFilter(tenant, statuses=None), limit=10**6)
    }


def snapshot(engine: Engine, tenant: str) -> dict[str, Any]:
    """Everything the store holds for ``tenant``, in comparable form."""
    store = engine.store
    records = store.list_memories(MemoryFilter(tenant, statuses=None), limit=10**6)
    memories = []
    for record in records:
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        embedding = fields.pop("embedding")
        fields["embedding"] = None if embedding is None else embedding.tobytes()
        fields["versions"] = store.versions(tenant, record.id)
        memories.append(fields)
    events, total = store.list_events(tenant, limit=10**6)
    return {
        "memories": memories,
        "counts": store.count_by_type_and_status(tenant),
        "events": (events, total),
        "keys": store.list_keys(tenant),
        "idempotency": [store.get_idempotency(tenant, key) for key in IDEMPOTENCY_KEYS],
    }


@dataclass
class Leak:
    """What must never appear in an answer given to tenant A."""

    words: tuple[str, ...]
    ids: frozenset[str]

    def found_in(self, text: str, echo: tuple[str, ...] = ()) -> list[str]:
        """The forbidden strings present in ``text``.

        A read answer repeats its query, and an error may quote the id asked for: what the
        caller sent itself (``echo`` and the ``query`` fields) is not a leak.
        """
        text = _QUERY_ECHO.sub("", text)
        for sent in echo:
            text = text.replace(sent, "")
        return [w for w in self.words if w in text] + [i for i in self.ids if i in text]


_QUERY_ECHO = re.compile(r'"query":\s*"(?:[^"\\]|\\.)*"')


@dataclass
class World:
    """A server app holding tenants A and B, and keys to attack it with."""

    engine: Engine
    app: FastAPI
    key_a: str
    key_a_id: str
    key_b: str
    key_b_id: str
    b_ids: frozenset[str]
    leak: Leak
    http: httpx.AsyncClient | None = None
    called: set[tuple[str, str]] = field(default_factory=set)
    """Routes (method, path template) this world was asked, for "every route was tried"."""

    def a_ids(self) -> set[str]:
        """Tenant A's memory ids right now."""
        return all_ids(self.engine, A)

    def b_state(self) -> dict[str, Any]:
        """Tenant B's full state right now."""
        return snapshot(self.engine, B)

    async def call(
        self,
        method: str,
        route: str,
        *,
        key: str | None,
        tenant: str | None = None,
        json: Any = None,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        path: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
        leak_ok: bool = False,
        echo: tuple[str, ...] = (),
    ) -> httpx.Response:
        """Send one request to ``route`` (a path template under ``/api/v1``).

        Every answer is checked: never a 5xx, and (unless ``leak_ok``) nothing of tenant B.
        """
        assert self.http is not None
        self.called.add((method, route))
        url = route.format(**(path or {}))
        if route in ("/docs/oauth2-redirect", "/", "/metrics"):  # outside the /api/v1 prefix
            url = f"http://test{route}"
        sent: list[tuple[str, str]] = []
        if key is not None:
            sent.append(("X-API-Key", key))
        if tenant is not None:
            sent.append(("X-Tenant-ID", tenant))
        if headers is not None:
            sent += list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        response = await self.http.request(
            method,
            url,
            json=json,
            params=params,
            headers=sent,
        )
        assert response.status_code < 500, f"{method} {url}: {response.status_code} {response.text}"
        assert "Traceback" not in response.text
        if not leak_ok:
            found = self.leak.found_in(response.text, echo)
            assert not found, f"{method} {url} answered tenant A with B's {found}: {response.text}"
        return response


@contextmanager
def build_world(database_url: str, **overrides: Any) -> Iterator[World]:
    """Open an engine on ``database_url``, seed A and B, and give each a read+write key."""
    settings = settings_for(database_url, **overrides)
    engine = open_engine(settings.to_engine_config())
    try:
        b_ids = seed(engine, B, MARK_B, consolidate=True)
        a_ids = seed(engine, A, MARK_A, consolidate=False)
        # Same idempotency keys, same namespaces and sessions: still two separate tenants.
        assert not set(a_ids) & set(b_ids)
        key_a = engine.keys.create(CreateKeyRequest(tenant_id=A, name="acme app"))
        key_b = engine.keys.create(CreateKeyRequest(tenant_id=B, name="globex app"))
        every_b = frozenset(all_ids(engine, B))
        assert set(b_ids) <= every_b
        yield World(
            engine=engine,
            app=create_app(settings, engine=engine),
            key_a=key_a.key,
            key_a_id=key_a.id,
            key_b=key_b.key,
            key_b_id=key_b.id,
            b_ids=every_b,
            leak=Leak(words=(MARK_B, key_b.key, key_b.id), ids=every_b),
        )
    finally:
        engine.close()


def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database URL under ``tmp_path``."""
    return f"sqlite:///{(tmp_path / 'isolation.db').as_posix()}"
