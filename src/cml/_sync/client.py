# Generated from src/cml/_async/client.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""CognitiveMemoryLayer: py-cml over HTTP.

The class only combines its parts: settings and connection (:mod:`._base`), the memory methods
(:mod:`._memories`), the admin methods (:mod:`._admin`) and the webhook methods
(:mod:`._webhooks`). Requests are built and answers read
by :mod:`cml._core`, from the contract's route table.
"""

from __future__ import annotations

from cml._sync._admin import AdminMethods
from cml._sync._memories import MemoryMethods
from cml._sync._webhooks import WebhookMethods

__all__ = ["CognitiveMemoryLayer"]


class CognitiveMemoryLayer(MemoryMethods, AdminMethods, WebhookMethods):
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
        with CognitiveMemoryLayer(api_key="...", tenant_id="acme") as memory:
            memory.write("User prefers window seats", context_tags=["travel"])
            result = memory.read("seating preference")
            print(result.context)
        ```
    """
