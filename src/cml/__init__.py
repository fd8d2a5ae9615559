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

from cml._async.client import AsyncCognitiveMemoryLayer, AsyncEmbeddedCognitiveMemoryLayer
from cml._sync.client import CognitiveMemoryLayer, EmbeddedCognitiveMemoryLayer
from cml._version import __version__
from cml.config import CMLConfig
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
    ComponentHealth,
    ConsolidateResponse,
    EventItem,
    EventPage,
    Feedback,
    ForgetResponse,
    ForgettingResponse,
    HealthResponse,
    LogVerification,
    MemoryItem,
    MemoryRecordOut,
    MemoryStatus,
    MemoryType,
    PurgeResponse,
    ReadFormat,
    ReadResponse,
    RestoreResponse,
    Scope,
    StatsResponse,
    TenantInfo,
    TimelineResponse,
    TurnResponse,
    UpdateResponse,
    WhoAmIResponse,
    WriteResponse,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "ApiKeyCreated",
    "ApiKeyInfo",
    "AsyncCognitiveMemoryLayer",
    "AsyncEmbeddedCognitiveMemoryLayer",
    "AuthenticationError",
    "AuthorizationError",
    "BatchWriteItem",
    "CMLConfig",
    "CMLError",
    "CognitiveMemoryLayer",
    "ComponentHealth",
    "ConfigurationError",
    "ConflictError",
    "ConsolidateResponse",
    "EmbeddedCognitiveMemoryLayer",
    "EventItem",
    "EventPage",
    "Feedback",
    "ForgetResponse",
    "ForgettingResponse",
    "HealthResponse",
    "LogVerification",
    "MemoryItem",
    "MemoryRecordOut",
    "MemoryStatus",
    "MemoryType",
    "NotFoundError",
    "PurgeResponse",
    "RateLimitError",
    "ReadFormat",
    "ReadResponse",
    "RestoreResponse",
    "Scope",
    "ServerError",
    "ServiceUnavailableError",
    "StatsResponse",
    "TenantInfo",
    "TimelineResponse",
    "TurnResponse",
    "UpdateResponse",
    "ValidationError",
    "WhoAmIResponse",
    "WriteResponse",
    "__version__",
]
