"""A small HTTP server speaking the OpenAI chat completions protocol, for the real openai client.

``POST /v1/chat/completions`` records the request body and answers deterministically: by default
``"echo: <last user message>"``; queued replies (:meth:`FakeOpenAI.reply`) come first, and can be
an error status, an answer text or tool calls.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: an HTTP error ``status``, a ``content`` text or ``tool_calls``."""

    status: int = 200
    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


@dataclass
class FakeOpenAI:
    """State of the fake: where it listens, what it received and what it will answer."""

    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    queue: deque[Reply] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order (then echo again)."""
        with self.lock:
            self.queue.extend(replies)

    def system_prompt(self, index: int = -1) -> str:
        """The system message of the ``index``-th request received."""
        messages = self.requests[index]["messages"]
        return str(next(m["content"] for m in messages if m["role"] == "system"))

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append(body)
            reply = self.queue.popleft() if self.queue else None
        if reply is not None and reply.status != 200:
            kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
            error = {"message": f"scripted {reply.status}", "type": kind, "code": kind}
            return reply.status, {"error": error}
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if reply is not None and reply.tool_calls is not None:
            message["tool_calls"] = reply.tool_calls
            finish = "tool_calls"
        else:
            last_user = next(m for m in reversed(body["messages"]) if m["role"] == "user")
            message["content"] = (
                reply.content if reply and reply.content else f"echo: {last_user['content']}"
            )
            finish = "stop"
        return 200, {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


def tool_call(call_id: str, name: str, arguments: dict[str, Any] | str) -> dict[str, Any]:
    """A tool call as the chat completions protocol sends it."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length))
            if self.path != "/v1/chat/completions":
                status, payload = 404, {"error": {"message": "not found", "type": "not_found"}}
            else:
                status, payload = state._answer(body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    return Handler


@contextmanager
def running_fake_openai() -> Iterator[FakeOpenAI]:
    """Serve a :class:`FakeOpenAI` on a free loopback port for the duration of the block."""
    state = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
