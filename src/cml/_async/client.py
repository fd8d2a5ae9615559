"""The clients: AsyncCognitiveMemoryLayer (py-cml over HTTP) and its embedded form.

:class:`AsyncCognitiveMemoryLayer` only combines its parts: settings and connection
(:mod:`._base`), the memory methods (:mod:`._memories`) and the admin methods, webhooks
included (:mod:`._admin`). Requests are built and answers read by :mod:`cml._core`, from the
contract's route table.

Embedded mode, :class:`AsyncEmbeddedCognitiveMemoryLayer`, is the full py-cml API in-process,
with no server to run and no API key: the same client talking to the same FastAPI app the server
runs, through an in-process transport instead of a socket (see :mod:`cml._embedded`); so every
feature (validation, errors, idempotency, admin routes, namespaces) behaves exactly as over
HTTP. It needs the server extra: ``pip install 'py-cml[server]'``.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING

from cml._async._admin import AsyncAdminMethods
from cml._async._memories import AsyncMemoryMethods
from cml._concurrency import run_blocking_async
from cml._embedded import embedded_config, in_process_transport_async, open_app, release

if TYPE_CHECKING:
    from cml.server.settings import ServerSettings

__all__ = ["AsyncCognitiveMemoryLayer", "AsyncEmbeddedCognitiveMemoryLayer"]


class AsyncCognitiveMemoryLayer(AsyncMemoryMethods, AsyncAdminMethods):
    """Client of a py-cml server.

    Settings come from the arguments, then ``CML_*`` environment variables, then defaults (see
    :class:`~cml.config.CMLConfig`). Failed requests are retried where that is safe; writes carry
    an ``Idempotency-Key`` so that a retried write is stored once.

    Args:
        api_key: Key sent as ``X-API-Key`` (``CML_API_KEY``).
        base_url: Server address (``CML_BASE_URL``, default ``http://localhost:8000``).
        tenant_id: Tenant to act on, sent as ``X-Tenant-ID`` (``CML_TENANT_ID``); unset, the
            API key's own tenant.
        admin_api_key: Key for the admin calls (``CML_ADMIN_API_KEY``); ``api_key`` when unset.
        timeout: Seconds to wait for each attempt (``CML_TIMEOUT``, default 30).
        max_retries: Extra attempts after a retryable failure (``CML_MAX_RETRIES``, default 3).
        verify_ssl: Check the server's TLS certificate (``CML_VERIFY_SSL``, default true).
        config: Settings to start from instead of the environment; the other arguments
            override its fields.
        http_client: An ``httpx`` client to send with (it is not closed by :meth:`close`).
        transport: An ``httpx`` transport for a client built here (tests, in-process apps).

    Raises:
        ConfigurationError: A setting or ``CML_*`` variable has an unusable value.

    Example:
        ```python
        async with AsyncCognitiveMemoryLayer(api_key="...", tenant_id="acme") as memory:
            await memory.write("User prefers window seats", context_tags=["travel"])
            result = await memory.read("seating preference")
            print(result.context)
        ```
    """


class AsyncEmbeddedCognitiveMemoryLayer(AsyncCognitiveMemoryLayer):
    """The py-cml API in-process: a :class:`AsyncCognitiveMemoryLayer` over a local engine.

    No server, no socket and no API key: requests go to the server's app in this process (auth
    off, every call acting on ``tenant_id``). Building one opens the engine (loading the
    embedding model can take seconds); close it, or use it as a context manager, to release
    the database.

    Args:
        db_path: SQLite file to keep memories in (created if missing); ``None`` keeps them in
            memory for the life of the client.
        tenant_id: Tenant to act on (``CML_TENANT_ID``, default ``default``).
        embedding_provider: ``local`` (all-MiniLM-L6-v2, the default), ``hash`` (fast,
            deterministic, for tests) or ``openai``; ``CML_EMBEDDING_PROVIDER`` when omitted.
        embedding_model: Embedding model name (``CML_EMBEDDING_MODEL``).
        settings: Full server settings to start from (``db_path`` and the arguments above
            override its fields; auth is always off).

    Raises:
        ImportError: The server extra is not installed.
        ConfigurationError: The database cannot be opened, or was created with another
            embedding model.

    Example:
        ```python
        async with AsyncEmbeddedCognitiveMemoryLayer("memories.db") as memory:
            await memory.write("User prefers window seats")
        ```
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        *,
        tenant_id: str | None = None,
        embedding_provider: str | None = None,
        embedding_model: str | None = None,
        settings: ServerSettings | None = None,
    ) -> None:
        config = embedded_config(tenant_id)
        engine, app = open_app(db_path, embedding_provider, embedding_model, settings)
        try:
            transport = in_process_transport_async(app)
        except BaseException:
            engine.close()
            raise
        super().__init__(config=config, transport=transport)
        # Also run when the client is dropped unclosed (or at exit), so the database is released.
        self._release = weakref.finalize(self, release, transport, engine)

    async def close(self) -> None:
        """Close the client, the in-process app and the database (safe to call twice).

        A namespaced copy (``with_namespace``) closes nothing: close the client it was made from.
        """
        try:
            await super().close()
        finally:
            if self._owner:
                # Closing the store may wait for a checkpoint: keep any event loop free meanwhile.
                await run_blocking_async(self._release)
