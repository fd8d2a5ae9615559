"""Helpers of the SDK tests: a scripted server to put behind ``httpx.MockTransport``."""

from __future__ import annotations

import json
from typing import Any

import httpx

API_KEY = "sk-test-user-0123456789abcdef"
ADMIN_KEY = "sk-test-admin-fedcba9876543210"
BASE_URL = "http://cml.test"

# Retries without waiting: the waits themselves are checked through the send loop's sleep hook.
NO_WAIT: dict[str, Any] = {"backoff_initial": 0.0, "backoff_max": 0.0, "retry_after_max": 0.0}

WRITE_OK = {"success": True, "memory_id": "m-1", "chunks_created": 1}
READ_OK = {"query": "q", "memories": [], "total_count": 0}
KEY_INFO = {
    "id": "k-1",
    "tenant_id": "acme",
    "scopes": ["read"],
    "prefix": "cml_abcd",
    "created_at": "2026-01-01T00:00:00Z",
}

Answer = httpx.Response | Exception


class ScriptedServer:
    """A stand-in server: answers with queued responses in order and records every request.

    When the queue runs dry it repeats the last answer, so "always 503" needs one entry.
    """

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [httpx.Response(200, json=WRITE_OK)]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        # A fresh copy: a response object is consumed by the client that receives it.
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    @property
    def transport(self) -> httpx.MockTransport:
        """The transport to hand to a client."""
        return httpx.MockTransport(self)

    def body(self, index: int = -1) -> Any:
        """The decoded JSON body of a recorded request."""
        return json.loads(self.requests[index].content)


def error(status: int, code: str, message: str = "went wrong", **extra: Any) -> httpx.Response:
    """An error answer in the server's envelope."""
    headers = extra.pop("headers", {})
    body = {"error": {"code": code, "message": message, **extra}}
    return httpx.Response(status, json=body, headers=headers)
