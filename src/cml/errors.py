"""Errors raised below the HTTP layer: by the engine, the storage backends and the embedders.

They sit at the bottom of the package (like ``cml.models``) so that every layer can raise them
without importing a layer above it. The engine knows nothing of HTTP: the server maps each class to
a status code and the error envelope (``code`` becomes ``error.code``). SDK users see
``cml.exceptions`` instead; no name is used in both trees, so a traceback tells which side raised.

::

    EngineError
    ├── RecordNotFoundError      a memory or key that does not exist (for this tenant)
    ├── InvalidInputError        input the models could not reject on their own
    ├── SecretRefusedError       content that looks like a password, token or private key
    ├── RequestConflictError     a request that clashes with an earlier one
    │   ├── IdempotencyConflictError   an idempotency key reused with a different request
    │   └── JobRunningError            (cml.engine.jobs) the tenant's job is already running
    ├── StoreMismatchError       a store opened with another embedding model or dimension
    └── UnavailableError         the database or embedder cannot be reached
        └── DatabaseUnavailableError   the database cannot serve requests right now
            └── StorageFullError       the disk holding the database is full

Both storage backends turn their drivers' failures into ``DatabaseUnavailableError`` (or
``StorageFullError``) in their connection layer, so the server maps them once and never answers
a database outage with a 500.
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base of every engine error.

    Args:
        message: What went wrong, in words a user can act on.
        field: The request field at fault, when there is one (dotted path).
        hint: How to fix it.
    """

    code = "engine_error"
    """Stable machine-readable code (the server's ``error.code``), given as a class keyword:
    ``class RecordNotFoundError(EngineError, code="not_found")``; a subclass without one keeps
    its parent's."""

    def __init_subclass__(cls, *, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint


class RecordNotFoundError(EngineError, code="not_found"):
    """The memory or key does not exist, or belongs to another tenant."""


class InvalidInputError(EngineError, code="validation_error"):
    """The input is well-formed but cannot be accepted."""


class SecretRefusedError(EngineError, code="secret_detected"):
    """The content looks like a secret (password, API key, private key) and was not stored."""


class RequestConflictError(EngineError, code="conflict"):
    """The request clashes with an earlier one (a used idempotency key, a running job)."""


class IdempotencyConflictError(RequestConflictError, code="idempotency_conflict"):
    """An idempotency key was reused with a different request body."""


class StoreMismatchError(EngineError, code="store_mismatch"):
    """The store was created with a different embedding model or dimension."""


class DatabaseDamagedError(EngineError, code="database_damaged"):
    """The database file is damaged: retrying cannot help; it must be restored or recovered.

    Deliberately not an :class:`UnavailableError`: the server answers ``500 database_damaged``
    (not a retryable ``503``) so clients and load balancers do not retry an outage that only an
    operator can end (restore a backup, or salvage with ``sqlite3 cml.db .recover``).
    """


class DeadlineExceededError(EngineError, code="deadline_exceeded"):
    """A batch ran past the server's deadline for one request; nothing of it took effect.

    Not retryable as it is: the server answers ``413 deadline_exceeded`` and the hint names a
    batch size that fits.
    """


class UnavailableError(EngineError, code="unavailable"):
    """A backing service (database, embedder) is not answering."""


class DatabaseUnavailableError(UnavailableError, code="database_unavailable"):
    """The database cannot serve requests right now: unreachable, restarting, locked or failing.

    Raised by both storage backends' connection layers. The server answers ``503`` and
    reconnects by itself once the database is back. Retrying is safe: writes carry an idempotency
    key, so a write whose commit was already under way when the connection broke is not stored
    twice.
    """


class StorageFullError(DatabaseUnavailableError, code="storage_full"):
    """The disk (or quota) holding the database is full: nothing was stored, nothing was lost."""
