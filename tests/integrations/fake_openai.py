"""A small HTTP server speaking the OpenAI chat completions and responses protocols.

``POST /v1/chat/completions`` and ``POST /v1/responses`` record the request body and answer
deterministically: by default ``"echo: <last user message>"``; queued replies
(:meth:`FakeOpenAI.reply`) come first, and can be an error status, an answer text or tool calls
(given in the chat completions shape, see :func:`tool_call`, whichever protocol asks).
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

    def _next(self, body: dict[str, Any]) -> tuple[Reply | None, dict[str, Any] | None]:
        """Record ``body``; the reply to give, or the error payload of a scripted failure."""
        with self.lock:
            self.requests.append(body)
            reply = self.queue.popleft() if self.queue else None
        if reply is not None and reply.status != 200:
            kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
            return reply, {
                "error": {"message": f"scripted {reply.status}", "type": kind, "code": kind}
            }
        return reply, None

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reply, error = self._next(body)
        if error is not None:
            assert reply is not None
            return reply.status, error
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

    def _respond(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer a responses request (``input`` is a string or a list of items)."""
        reply, error = self._next(body)
        if error is not None:
            assert reply is not None
            return reply.status, error
        output: list[dict[str, Any]]
        if reply is not None and reply.tool_calls is not None:
            output = [
                {
                    "type": "function_call",
                    "id": f"fc_{call['id']}",
                    "call_id": call["id"],
                    "name": call["function"]["name"],
                    "arguments": call["function"]["arguments"],
                    "status": "completed",
                }
                for call in reply.tool_calls
            ]
        else:
            text = reply.content if reply and reply.content else f"echo: {_last_user_text(body)}"
            output = [
                {
                    "type": "message",
                    "id": f"msg_{len(self.requests)}",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ]
        return 200, {
            "id": f"resp_{len(self.requests)}",
            "object": "response",
            "created_at": 1_700_000_000,
            "model": body.get("model", "fake"),
            "status": "completed",
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": body.get("tools", []),
            "usage": {
                "input_tokens": 1,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 1,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 2,
            },
        }


def _last_user_text(body: dict[str, Any]) -> str:
    items = body["input"]
    if isinstance(items, str):
        return items
    last = next(i for i in reversed(items) if i.get("role") == "user")
    content = last["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


def tool_call(call_id: str, name: str, arguments: dict[str, Any] | str) -> dict[str, Any]:
    """A tool call as the chat completions protocol sends it."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length))
            if self.path == "/v1/chat/completions":
                status, payload = state._answer(body)
            elif self.path == "/v1/responses":
                status, payload = state._respond(body)
            else:
                status, payload = 404, {"error": {"message": "not found", "type": "not_found"}}
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
