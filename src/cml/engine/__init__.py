"""The py-cml engine: memory operations over a store and an embedder, with no HTTP in sight.

Example:
    >>> from cml.engine import EngineConfig, open_engine
    >>> engine = open_engine(EngineConfig(embedding_provider="hash"))  # doctest: +SKIP
    >>> engine.memories.write("acme", WriteRequest(content="Prefers tea"))  # doctest: +SKIP
"""

from __future__ import annotations

from cml.engine.config import EngineConfig
from cml.engine.context import EngineContext
from cml.engine.keys import KeyManager
from cml.engine.read.retrieval import RankingWeights
from cml.engine.runtime import Engine, open_engine
from cml.engine.service import MemoryService
from cml.errors import (
    EngineError,
    IdempotencyConflictError,
    InvalidInputError,
    RecordNotFoundError,
    RequestConflictError,
    SecretRefusedError,
    StoreMismatchError,
    UnavailableError,
)

__all__ = [
    "Engine",
    "EngineConfig",
    "EngineContext",
    "EngineError",
    "IdempotencyConflictError",
    "InvalidInputError",
    "KeyManager",
    "MemoryService",
    "RankingWeights",
    "RecordNotFoundError",
    "RequestConflictError",
    "SecretRefusedError",
    "StoreMismatchError",
    "UnavailableError",
    "open_engine",
]
