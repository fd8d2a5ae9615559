"""One example request and answer per operation, shown by the API docs (``/docs``, ``/redoc``).

:func:`cml.server.routes.endpoint` adds them to each operation's OpenAPI entry; a test checks
that every route has one and that each is valid for the route's models, so they cannot drift
from the contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cml.models import routes
from cml.models.routes import Route

__all__ = ["EXAMPLES", "Example", "openapi_extra"]

_ID = "0192f0c4-8a1e-7c3b-9d2e-5f6a7b8c9d0e"
_ID2 = "0192f0c4-9b2f-7d4c-8e3f-6a7b8c9d0e1f"
_KEY_ID = "0192f0b1-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
_AT = "2026-03-14T09:30:00Z"
_TEXT = "The user prefers window seats on long flights"


@dataclass(frozen=True)
class Example:
    """An operation's example: its JSON body (if it takes one) and a successful answer."""

    response: Any
    request: dict[str, Any] | None = None
    media_type: str = "application/json"


def _item(relevance: float = 0.82) -> dict[str, Any]:
    return {
        "id": _ID,
        "text": _TEXT,
        "type": "preference",
        "confidence": 0.9,
        "relevance": relevance,
        "timestamp": _AT,
        "metadata": {"source": "chat"},
        "namespace": "alice",
        "session_id": "trip-planning",
        "status": "active",
        "context_tags": ["travel"],
    }


def _record() -> dict[str, Any]:
    return {
        "id": _ID,
        "text": _TEXT,
        "type": "preference",
        "status": "active",
        "namespace": "alice",
        "session_id": "trip-planning",
        "context_tags": ["travel"],
        "metadata": {"source": "chat"},
        "importance": 0.6,
        "confidence": 0.9,
        "version": 1,
        "access_count": 3,
        "timestamp": _AT,
        "updated_at": _AT,
        "stored_at": _AT,
    }


def _key() -> dict[str, Any]:
    return {
        "id": _KEY_ID,
        "tenant_id": "acme",
        "scopes": ["read", "write"],
        "name": "acme backend",
        "prefix": "cml_8fQ2",
        "extra_tenants": [],
        "created_at": _AT,
        "revoked_at": None,
    }


_HASH_41 = "9f2c4e0b7a1d3f58c6e2b9a0d4f7c1e3a5b8d0f2c4e6a8b0d2f4c6e8a0b2d4f6"
_HASH_42 = "3b7e1f9a2c5d8e0f4a6b9c1d3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f"


def _event(event_id: int = 42) -> dict[str, Any]:
    return {
        "id": event_id,
        "tenant_id": "acme",
        "event_type": "memory.write",
        "operation": "write",
        "actor": _KEY_ID,
        "memory_ids": [_ID],
        "payload": {"memory_type": "preference"},
        "created_at": _AT,
        "prev_hash": _HASH_41,
        "hash": _HASH_42,
    }


def _read(query: str) -> dict[str, Any]:
    return {
        "query": query,
        "memories": [_item()],
        "preferences": [_item()],
        "llm_context": f"## Relevant Memories\n- {_TEXT}",
        "total_count": 1,
        "elapsed_ms": 12.5,
    }


_HEALTH = {
    "status": "ok",
    "version": "0.1.0",
    "backend": "sqlite",
    "database": "ok",
    "embedder": "ready",
    "ready": True,
}
_WRITE = {
    "success": True,
    "memory_id": _ID,
    "chunks_created": 1,
    "message": "Stored",
    "memory_type": "preference",
    "deduplicated": False,
    "redactions": [],
}
_AFFECTED = {"success": True, "affected_count": 1, "memory_ids": [_ID]}


def _webhook() -> dict[str, Any]:
    return {
        "id": _ID2,
        "tenant_id": "acme",
        "url": "https://hooks.example.com/cml",
        "event_types": ["memory.write", "memory.supersede"],
        "enabled": True,
        "description": "CRM sync",
        "created_at": _AT,
        "updated_at": _AT,
    }


def _delivery(status: str = "delivered") -> dict[str, Any]:
    return {
        "id": 42,
        "webhook_id": _ID2,
        "event_id": 310,
        "event_type": "memory.write",
        "status": status,
        "attempts": 1,
        "last_status": 200,
        "created_at": _AT,
        "delivered_at": _AT if status == "delivered" else None,
    }


EXAMPLES: dict[Route[Any], Example] = {
    routes.HEALTH: Example(_HEALTH),
    routes.READY: Example(_HEALTH),
    routes.WHOAMI: Example(
        {
            "key_id": _KEY_ID,
            "tenant_id": "acme",
            "key_tenant_id": "acme",
            "scopes": ["read", "write"],
            "tenants": ["acme"],
            "all_tenants": False,
        }
    ),
    routes.WRITE: Example(
        _WRITE,
        {
            "content": _TEXT,
            "context_tags": ["travel"],
            "session_id": "trip-planning",
            "namespace": "alice",
            "metadata": {"source": "chat"},
        },
    ),
    routes.READ: Example(
        _read("Where does the user like to sit on a plane?"),
        {
            "query": "Where does the user like to sit on a plane?",
            "max_results": 5,
            "namespace": "alice",
            "format": "packet",
        },
    ),
    routes.TURN: Example(
        {
            "memory_context": f"## Relevant Memories\n- {_TEXT}",
            "memories_retrieved": 1,
            "memories_stored": 1,
            "stored_ids": [_ID2],
        },
        {
            "user_message": "Book me a flight to Tokyo next Friday",
            "assistant_response": "Looking for flights to Tokyo on Friday.",
            "session_id": "trip-planning",
            "namespace": "alice",
        },
    ),
    routes.UPDATE: Example(
        {"success": True, "memory_id": _ID, "version": 2, "message": "Updated"},
        {"memory_id": _ID, "text": "The user prefers aisle seats on long flights"},
    ),
    routes.FORGET: Example(
        {**_AFFECTED, "hard": False, "message": "Forgot 1 memory"},
        {"memory_ids": [_ID]},
    ),
    routes.RESTORE: Example({**_AFFECTED, "message": "Restored 1 memory"}, {"memory_ids": [_ID]}),
    routes.STATS: Example(
        {
            "tenant_id": "acme",
            "total_memories": 120,
            "active_memories": 112,
            "silent_memories": 5,
            "deleted_memories": 3,
            "by_type": {"episodic_event": 80, "semantic_fact": 25, "preference": 15},
            "by_status": {"active": 112, "silent": 5, "deleted": 3},
        }
    ),
    routes.TIMELINE: Example(
        {
            "tenant_id": "acme",
            "bucket": "day",
            "since": "2026-03-13T00:00:00Z",
            "until": "2026-03-15T00:00:00Z",
            "buckets": [
                {
                    "start": "2026-03-13T00:00:00Z",
                    "total": 14,
                    "by_type": {"episodic_event": 11, "preference": 3},
                },
                {"start": "2026-03-14T00:00:00Z", "total": 0, "by_type": {}},
            ],
        }
    ),
    routes.BATCH_WRITE: Example(
        {"results": [_WRITE, {**_WRITE, "memory_id": _ID2}], "elapsed_ms": 48.0},
        {
            "items": [
                {"content": "Ana moved to Lisbon in 2021", "memory_type": "semantic_fact"},
                {"content": "Ana prefers trains to planes"},
            ],
            "session_id": "onboarding",
            "namespace": "ana",
        },
    ),
    routes.BATCH_READ: Example(
        {"results": [_read("Where does the user like to sit?")], "elapsed_ms": 20.0},
        {"queries": [{"query": "Where does the user like to sit?", "max_results": 3}]},
    ),
    routes.LIST_MEMORIES: Example({"items": [_record()], "next_cursor": _ID}),
    routes.LIST_OWN_MEMORIES: Example({"items": [_record()], "next_cursor": None}),
    routes.GET_MEMORY: Example(_record()),
    routes.MEMORY_HISTORY: Example(
        {
            "items": [
                {
                    "version": 2,
                    "text": "The user prefers aisle seats on long flights",
                    "status": "active",
                    "confidence": 0.9,
                    "importance": 0.6,
                    "recorded_at": "2026-03-20T08:00:00Z",
                    "current": True,
                },
                {
                    "version": 1,
                    "text": _TEXT,
                    "status": "active",
                    "confidence": 0.9,
                    "importance": 0.6,
                    "recorded_at": _AT,
                    "replaced_at": "2026-03-20T08:00:00Z",
                    "reason": "update",
                },
            ],
            "next_cursor": None,
        }
    ),
    routes.CREATE_KEY: Example(
        {**_key(), "all_tenants": False, "key": "cml_8fQ2...shown-once"},
        {"tenant_id": "acme", "scopes": ["read", "write"], "name": "acme backend"},
    ),
    routes.LIST_KEYS: Example([_key()]),
    routes.REVOKE_KEY: Example({**_key(), "revoked_at": _AT}),
    routes.CONSOLIDATE: Example(
        {
            "tenant_id": "acme",
            "episodes_sampled": 40,
            "clusters_formed": 6,
            "facts_extracted": 5,
            "facts_reinforced": 1,
            "migrations_completed": 5,
            "fact_ids": [_ID2],
            "llm_used": False,
            "elapsed_ms": 310.0,
        },
        {"tenant_id": "acme", "user_id": "alice"},
    ),
    routes.RUN_FORGETTING: Example(
        {
            "tenant_id": "acme",
            "total_scored": 120,
            "actions": {"KEEP": 100, "DECAY": 12, "SILENCE": 5, "COMPRESS": 2, "DELETE": 1},
            "dry_run": True,
            "applied": 0,
            "memories": [
                {
                    "memory_id": _ID,
                    "score": 0.08,
                    "action": "DELETE",
                    "reason": "never recalled",
                    "applied": False,
                }
            ],
            "elapsed_ms": 95.0,
        },
        {"tenant_id": "acme", "dry_run": True, "max_memories": 5000},
    ),
    routes.PURGE: Example(
        {
            "tenant_id": "acme",
            "purged_count": 1,
            "memory_ids": [_ID],
            "message": "Purged 1 memory",
        },
        {"tenant_id": "acme", "older_than": "2026-01-01T00:00:00Z"},
    ),
    routes.INTEGRITY_CHECK: Example(
        {
            "status": "intact",
            "backend": "sqlite",
            "trigger": "api",
            "checked_at": "2026-01-01T03:00:00Z",
            "elapsed_ms": 412.5,
            "checks": ["PRAGMA integrity_check (every page, every index against its table)"],
            "problems": [],
            "not_checked": [],
            "hint": None,
        }
    ),
    routes.CREATE_WEBHOOK: Example(
        {**_webhook(), "secret": "whsec_3f9a1c0e7b2d4a6f8e1c3b5d7f9a2c4e"},
        {
            "url": "https://hooks.example.com/cml",
            "event_types": ["memory.write", "memory.supersede"],
            "tenant_id": "acme",
            "description": "CRM sync",
        },
    ),
    routes.LIST_WEBHOOKS: Example([_webhook()]),
    routes.UPDATE_WEBHOOK: Example({**_webhook(), "enabled": False}, {"enabled": False}),
    routes.DELETE_WEBHOOK: Example(_webhook()),
    routes.TEST_WEBHOOK: Example({**_delivery("pending"), "event_type": "webhook.test"}),
    routes.LIST_WEBHOOK_DELIVERIES: Example([_delivery()]),
    routes.LIST_TENANTS: Example(
        [
            {
                "tenant_id": "acme",
                "memory_count": 120,
                "fact_count": 25,
                "event_count": 310,
                "last_activity": _AT,
            }
        ]
    ),
    routes.GET_EVENTS: Example(
        {
            "items": [_event(42), _event(41)],
            "next_cursor": "41",
            "total": 310,
            "per_page": 2,
            "page": None,
            "total_pages": 155,
        }
    ),
    routes.STREAM_EVENTS: Example(_event(), media_type="text/event-stream"),
    routes.VERIFY_EVENTS: Example(
        {
            "tenant_id": "acme",
            "ok": False,
            "events": 42,
            "head_hash": _HASH_41,
            "broken": {
                "event_id": 42,
                "position": 42,
                "reason": "its content no longer matches its hash: the event was changed",
            },
        }
    ),
    routes.COMPONENTS: Example(
        {
            "status": "healthy",
            "components": {
                "database": {"status": "healthy", "latency_ms": 0.4, "details": {}},
                "embedder": {"status": "healthy", "latency_ms": 6.1, "details": {}},
                "llm": {"status": "disabled", "details": {}},
            },
        }
    ),
}
"""The example of every route of the table."""


def _sse(event: dict[str, Any]) -> str:
    return f"id: {event['id']}\nevent: {event['event_type']}\ndata: {json.dumps(event)}\n\n"


def openapi_extra(route: Route[Any], status: int) -> dict[str, Any] | None:
    """The OpenAPI fragment holding ``route``'s example (``None`` when it has none).

    Args:
        route: A route of the table.
        status: The status code of its successful answer.
    """
    example = EXAMPLES.get(route)
    if example is None:
        return None
    answer = example.response
    if example.media_type == "text/event-stream":
        answer = _sse(answer)
    extra: dict[str, Any] = {
        "responses": {str(status): {"content": {example.media_type: {"example": answer}}}}
    }
    if example.request is not None:
        extra["requestBody"] = {"content": {"application/json": {"example": example.request}}}
    return extra
