"""Embeddings from any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, vLLM, Ollama, ...)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt

from cml.errors import UnavailableError

_RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


class OpenAIEmbedder:
    """Calls ``POST {base_url}/embeddings`` with ``{"model", "input": [...]}``.

    Args:
        base_url: API root, e.g. ``https://api.openai.com/v1``.
        api_key: Sent as ``Authorization: Bearer``; ``None`` for servers without auth.
        model: Model name sent with every request.
        dimensions: Size of the vectors the model returns (checked on every response).
        batch_size: Texts per request.
        timeout: Seconds per request.
        max_retries: Extra attempts after a connection error, 429 or 5xx.
        transport: An ``httpx`` transport (lets tests and proxies plug in).

    Raises:
        UnavailableError: (from :meth:`embed`) the endpoint cannot be reached, answers with an
            error, or returns vectors of the wrong size.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        dimensions: int,
        *,
        batch_size: int = 128,
        timeout: float = 30.0,
        max_retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model_name = model
        self.dimensions = dimensions
        self.batch_size = batch_size
        self.max_retries = max_retries
        self._url = base_url.rstrip("/") + "/embeddings"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=timeout, transport=transport)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text, ``batch_size`` texts per request."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            out[start : start + len(batch)] = self._embed_batch(batch)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out /= norms
        return out

    def _embed_batch(self, batch: list[str]) -> npt.NDArray[np.float32]:
        data = self._post({"model": self.model_name, "input": batch})
        try:
            items = sorted(data["data"], key=lambda item: int(item["index"]))
            vectors = np.asarray([item["embedding"] for item in items], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise UnavailableError(
                f"The embeddings endpoint {self._url} returned an unexpected response: {exc!r}"
            ) from exc
        if vectors.shape != (len(batch), self.dimensions):
            raise UnavailableError(
                f"The embeddings endpoint {self._url} returned vectors of shape "
                f"{vectors.shape} for {len(batch)} texts; expected {self.dimensions} dimensions.",
                hint="Set embedding_dimensions to the size the model returns.",
            )
        return vectors

    def _post(self, body: dict[str, Any]) -> Any:
        attempt = 0
        while True:
            try:
                response = self._client.post(self._url, json=body)
            except httpx.HTTPError as exc:
                if attempt < self.max_retries:
                    attempt += 1
                    time.sleep(0.25 * 2**attempt)
                    continue
                raise UnavailableError(
                    f"Cannot reach the embeddings endpoint {self._url}: {exc}",
                    hint="Check embedding_base_url and that the server is running.",
                ) from exc
            if response.status_code in _RETRY_STATUSES and attempt < self.max_retries:
                attempt += 1
                time.sleep(0.25 * 2**attempt)
                continue
            if response.is_error:
                raise UnavailableError(
                    f"The embeddings endpoint {self._url} answered HTTP "
                    f"{response.status_code}: {response.text[:300]}",
                    hint="Check embedding_api_key and embedding_model.",
                )
            try:
                return response.json()
            except ValueError as exc:
                raise UnavailableError(
                    f"The embeddings endpoint {self._url} did not return JSON."
                ) from exc

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()
