"""py-cml: long-term memory for LLM applications and agents.

Talk to a py-cml server with :class:`CognitiveMemoryLayer` (or :class:`AsyncCognitiveMemoryLayer`),
or run the same API in-process with :class:`EmbeddedCognitiveMemoryLayer` (needs
``pip install 'py-cml[server]'``).

Example:
    ```python
    import cml

    with cml.CognitiveMemoryLayer(api_key="...") as memory:
        memory.write("User prefers window seats", context_tags=["travel"])
        print(memory.read("seating preference").context)
    ```
"""

from __future__ import annotations

from cml._version import __version__
from cml.async_client import AsyncCognitiveMemoryLayer
from cml.async_namespaced import AsyncNamespacedClient
from cml.client import CognitiveMemoryLayer
from cml.config import CMLConfig
from cml.embedded import AsyncEmbeddedCognitiveMemoryLayer, EmbeddedCognitiveMemoryLayer
from cml.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    AuthorizationError,
    CMLError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    ValidationError,
)
from cml.models import (
    ApiKeyCreated,
    ApiKeyInfo,
    BatchWriteItem,
    Feedback,
    ForgetResponse,
    HealthResponse,
    MemoryItem,
    MemoryRecordOut,
    MemoryStatus,
    MemoryType,
    ReadFormat,
    ReadResponse,
    Scope,
    StatsResponse,
    TurnResponse,
    UpdateResponse,
    WriteResponse,
)
from cml.namespaced import NamespacedClient

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "ApiKeyCreated",
    "ApiKeyInfo",
    "AsyncCognitiveMemoryLayer",
    "AsyncEmbeddedCognitiveMemoryLayer",
    "AsyncNamespacedClient",
    "AuthenticationError",
    "AuthorizationError",
    "BatchWriteItem",
    "CMLConfig",
    "CMLError",
    "CognitiveMemoryLayer",
    "ConfigurationError",
    "ConflictError",
    "EmbeddedCognitiveMemoryLayer",
    "Feedback",
    "ForgetResponse",
    "HealthResponse",
    "MemoryItem",
    "MemoryRecordOut",
    "MemoryStatus",
    "MemoryType",
    "NamespacedClient",
    "NotFoundError",
    "RateLimitError",
    "ReadFormat",
    "ReadResponse",
    "Scope",
    "ServerError",
    "ServiceUnavailableError",
    "StatsResponse",
    "TurnResponse",
    "UpdateResponse",
    "ValidationError",
    "WriteResponse",
    "__version__",
]
