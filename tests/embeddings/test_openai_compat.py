"""The OpenAI-compatible embedder against a real local HTTP server speaking the protocol."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from cml.embeddings import HashEmbedder, OpenAIEmbedder
from cml.errors import UnavailableError

DIMS = 16
REFERENCE = HashEmbedder(DIMS)


@dataclass
class FakeEmbeddingsServer:
    """State shared with the handler: requests seen and failures to inject."""

    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: list[str | None] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    dims: int = DIMS


def make_handler(state: FakeEmbeddingsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"path": self.path, **body})
            state.auth_headers.append(self.headers.get("Authorization"))
            if state.fail_next:
                self.reply(state.fail_next.pop(0), {"error": {"message": "model overloaded"}})
                return
            if self.path != "/v1/embeddings":
                self.reply(404, {"error": {"message": "not found"}})
                return
            vectors = HashEmbedder(state.dims).embed(body["input"]) * 3.0  # not unit length
            data = [
                {"object": "embedding", "index": i, "embedding": vectors[i].tolist()}
                for i in range(len(body["input"]))
            ]
            data.reverse()  # the protocol orders by ``index``, not by position
            self.reply(200, {"object": "list", "data": data, "model": body["model"]})

        def reply(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[FakeEmbeddingsServer]:
    state = FakeEmbeddingsServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_embeds_in_batches_in_input_order(server: FakeEmbeddingsServer) -> None:
    texts = [f"text number {i}" for i in range(7)]
    embedder = OpenAIEmbedder(server.base_url + "/", "sk-test", "text-embed", DIMS, batch_size=3)
    try:
        vectors = embedder.embed(texts)
    finally:
        embedder.close()

    assert vectors.shape == (7, DIMS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, REFERENCE.embed(texts), atol=1e-6)
    assert [len(r["input"]) for r in server.requests] == [3, 3, 1]
    assert {r["model"] for r in server.requests} == {"text-embed"}
    assert {r["path"] for r in server.requests} == {"/v1/embeddings"}
    assert set(server.auth_headers) == {"Bearer sk-test"}


def test_no_key_sends_no_authorization(server: FakeEmbeddingsServer) -> None:
    embedder = OpenAIEmbedder(server.base_url, None, "m", DIMS)
    try:
        embedder.embed(["x"])
    finally:
        embedder.close()
    assert server.auth_headers == [None]


def test_a_transient_failure_is_retried(server: FakeEmbeddingsServer) -> None:
    server.fail_next = [503]
    embedder = OpenAIEmbedder(server.base_url, "k", "m", DIMS, max_retries=1)
    try:
        vectors = embedder.embed(["retry me"])
    finally:
        embedder.close()
    np.testing.assert_allclose(vectors, REFERENCE.embed(["retry me"]), atol=1e-6)
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [401, 500])
def test_http_errors_raise_unavailable(server: FakeEmbeddingsServer, status: int) -> None:
    server.fail_next = [status]
    embedder = OpenAIEmbedder(server.base_url, "k", "m", DIMS, max_retries=0)
    try:
        with pytest.raises(UnavailableError, match=str(status)) as caught:
            embedder.embed(["x"])
    finally:
        embedder.close()
    assert "model overloaded" in caught.value.message


def test_wrong_dimensions_raise_unavailable(server: FakeEmbeddingsServer) -> None:
    server.dims = DIMS * 2
    embedder = OpenAIEmbedder(server.base_url, "k", "m", DIMS)
    try:
        with pytest.raises(UnavailableError, match="dimensions") as caught:
            embedder.embed(["x"])
    finally:
        embedder.close()
    assert caught.value.hint is not None


def test_unreachable_endpoint_raises_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    embedder = OpenAIEmbedder(f"http://127.0.0.1:{port}/v1", "k", "m", DIMS, max_retries=0)
    try:
        with pytest.raises(UnavailableError, match="Cannot reach"):
            embedder.embed(["x"])
    finally:
        embedder.close()


def test_empty_input_makes_no_request(server: FakeEmbeddingsServer) -> None:
    embedder = OpenAIEmbedder(server.base_url, "k", "m", DIMS)
    try:
        assert embedder.embed([]).shape == (0, DIMS)
    finally:
        embedder.close()
    assert server.requests == []
