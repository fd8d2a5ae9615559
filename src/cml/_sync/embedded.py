# Generated from src/cml/_async/embedded.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""Embedded mode: the full py-cml API in-process, with no server to run and no API key.

The embedded client is the ordinary client talking to the same FastAPI app the server runs,
through an in-process transport instead of a socket (see :mod:`cml._embedded`); so every
feature (validation, errors, idempotency, admin routes, namespaces) behaves exactly as over
HTTP. Needs the server extra: ``pip install 'py-cml[server]'``.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING

from cml._sync.client import CognitiveMemoryLayer
from cml._concurrency import run_blocking_sync
from cml._embedded import embedded_config, in_process_transport_sync, open_app, release

if TYPE_CHECKING:
    from cml.server.settings import ServerSettings

__all__ = ["EmbeddedCognitiveMemoryLayer"]


class EmbeddedCognitiveMemoryLayer(CognitiveMemoryLayer):
    """The py-cml API in-process: a :class:`CognitiveMemoryLayer` over a local engine.

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
        with EmbeddedCognitiveMemoryLayer("memories.db") as memory:
            memory.write("User prefers window seats")
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
            transport = in_process_transport_sync(app)
        except BaseException:
            engine.close()
            raise
        super().__init__(config=config, transport=transport)
        # Also run when the client is dropped unclosed (or at exit), so the database is released.
        self._release = weakref.finalize(self, release, transport, engine)

    def close(self) -> None:
        """Close the client, the in-process app and the database (safe to call twice).

        A namespaced copy (``with_namespace``) closes nothing: close the client it was made from.
        """
        try:
            super().close()
        finally:
            if self._owner:
                # Closing the store may wait for a checkpoint: keep any event loop free meanwhile.
                run_blocking_sync(self._release)
