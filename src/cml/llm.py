"""An optional LLM: any OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, vLLM, ...).

py-cml never needs an LLM: consolidation gists and forgetting summaries have extractive paths.
When ``CML_LLM_BASE_URL`` and ``CML_LLM_MODEL`` are set, those stages ask the model instead and
fall back to the extractive path on any :class:`~cml.errors.UnavailableError` this client raises.

The client is synchronous like the rest of the engine (see docs/decisions.md #1). It retries
connection errors, 429 and 5xx with capped exponential backoff (honouring ``Retry-After``), and
turns every other failure into one :class:`~cml.errors.UnavailableError` with a message that
names the endpoint, never the key.

Example:
    >>> llm = ChatLLM("http://127.0.0.1:11434/v1", None, "llama3")  # doctest: +SKIP
    >>> llm.complete("Say hi", system="Be brief.")  # doctest: +SKIP
    'Hi.'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from cml.errors import UnavailableError

__all__ = ["ChatLLM"]

_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_MAX_BACKOFF = 8.0


class ChatLLM:
    """A chat-completions client.

    Args:
        base_url: API root, e.g. ``https://api.openai.com/v1``.
        api_key: Sent as ``Authorization: Bearer``; ``None`` for servers without auth.
        model: Model name sent with every request.
        timeout: Seconds per request.
        max_retries: Extra attempts after a connection error, a timeout, 429 or 5xx.
        backoff: Seconds before the first retry; doubles per retry (capped at 8 s).
        transport: An ``httpx`` transport (lets tests and proxies plug in).
        sleep: Waits between attempts (injectable so that tests need not wait).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self._backoff = backoff
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=timeout, transport=transport)

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int = 256) -> str:
        """Ask the model; return the text of its first choice, stripped.

        Args:
            prompt: The user message.
            system: An optional system message.
            max_tokens: Most tokens the model may answer with.

        Returns:
            The answer (never empty).

        Raises:
            UnavailableError: The endpoint cannot be reached, answers with an error after the
                retries, or returns no usable text.
        """
        messages: list[dict[str, str]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": prompt})
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
        }
        data = self._request("POST", "/chat/completions", body)
        try:
            text = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise UnavailableError(
                f"The LLM endpoint {self.base_url} returned an unexpected answer (no "
                "choices[0].message.content)."
            ) from exc
        if not isinstance(text, str) or not text.strip():
            raise UnavailableError(f"The LLM endpoint {self.base_url} returned an empty answer.")
        return text.strip()

    def probe(self) -> dict[str, Any]:
        """A cheap liveness check for component health: list the models.

        Returns:
            ``{"model": ..., "base_url": ..., "models_listed": n}``.

        Raises:
            UnavailableError: The endpoint does not answer ``GET /models`` successfully.
        """
        data = self._request("GET", "/models", None, retries=0)
        listed = data.get("data") if isinstance(data, dict) else None
        return {
            "model": self.model,
            "base_url": self.base_url,
            "models_listed": len(listed) if isinstance(listed, list) else None,
        }

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, *, retries: int | None = None
    ) -> Any:
        url = self.base_url + path
        allowed = self.max_retries if retries is None else retries
        attempt = 0
        while True:
            delay: float | None = None
            try:
                response = self._client.request(method, url, json=body)
            except httpx.HTTPError as exc:
                if attempt >= allowed:
                    raise UnavailableError(
                        f"Cannot reach the LLM endpoint {url}: {type(exc).__name__}",
                        hint="Check llm_base_url and that the server is running.",
                    ) from exc
            else:
                if response.is_success:
                    try:
                        return response.json()
                    except ValueError as exc:
                        raise UnavailableError(
                            f"The LLM endpoint {url} did not return JSON."
                        ) from exc
                if response.status_code not in _RETRY_STATUSES or attempt >= allowed:
                    raise UnavailableError(
                        f"The LLM endpoint {url} answered HTTP {response.status_code}: "
                        f"{response.text[:200]}",
                        hint="Check llm_api_key and llm_model.",
                    )
                delay = _retry_after(response.headers.get("retry-after"))
            if delay is None:
                delay = min(self._backoff * 2**attempt, _MAX_BACKOFF)
            self._sleep(min(delay, _MAX_BACKOFF))
            attempt += 1

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
