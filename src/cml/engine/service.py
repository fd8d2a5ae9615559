"""MemoryService: the memory API (write, read, turn, update, forget, stats, batches, look-ups).

A facade over the stages: each method *is* the function that runs the operation, with the
engine's :class:`~cml.engine.context.EngineContext` (or its store, for the stages that only read
rows) already given, so a signature is written once, where the work is written out in order.
Each mutation is one :class:`~cml.engine.unit.UnitOfWork`: planned under the engine's lock, then
one store transaction holding the memory change, its event and, when the caller sent an
idempotency key, the stored response. Reads run concurrently.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from cml.engine import forget as forget_path
from cml.engine import listing, lookup
from cml.engine import stats as stats_path
from cml.engine import update as update_path
from cml.engine.context import EngineContext
from cml.engine.read import pipeline as read_path
from cml.engine.write import pipeline as write_path
from cml.storage.base import MemoryStore

__all__ = ["MemoryService"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_First = TypeVar("_First")


def _context(context: EngineContext) -> EngineContext:
    return context


def _store(context: EngineContext) -> MemoryStore:
    return context.store


class _Stage(Generic[_First, _P, _R]):
    """A stage function offered as a method: the service supplies its first argument.

    That argument is the engine's context, or what ``first`` takes from it (its store, for the
    stages that only read rows).
    """

    @overload
    def __init__(
        self: _Stage[EngineContext, _P, _R], run: Callable[Concatenate[EngineContext, _P], _R]
    ) -> None: ...

    @overload
    def __init__(
        self, run: Callable[Concatenate[_First, _P], _R], first: Callable[[EngineContext], _First]
    ) -> None: ...

    def __init__(
        self,
        run: Callable[Concatenate[Any, _P], _R],
        first: Callable[[EngineContext], Any] = _context,
    ) -> None:
        self._run: Callable[Concatenate[_First, _P], _R] = run
        self._first: Callable[[EngineContext], _First] = first
        self.__doc__ = run.__doc__

    @overload
    def __get__(self, service: None, owner: type[Any]) -> _Stage[_First, _P, _R]: ...

    @overload
    def __get__(self, service: MemoryService, owner: type[Any]) -> Callable[_P, _R]: ...

    def __get__(
        self, service: MemoryService | None, owner: type[Any]
    ) -> _Stage[_First, _P, _R] | Callable[_P, _R]:
        if service is None:
            return self
        return functools.partial(self._run, self._first(service._ctx))


class MemoryService:
    """The memory operations of one tenant-partitioned store.

    Every method is safe to call from several threads. Errors are those of
    :mod:`cml.errors`: ``SecretRefusedError`` for a credential in what would be stored,
    ``IdempotencyConflictError`` for a key reused with another request,
    ``RecordNotFoundError`` for an unknown memory.

    Each method is the stage function named beside it, without its first argument: its
    signature and documentation are there.

    Args:
        context: The engine's store, embedder, settings, ranking weights and write lock.

    Example:
        >>> engine.memories.write("acme", WriteRequest(content="Prefers tea"))  # doctest: +SKIP
    """

    def __init__(self, context: EngineContext) -> None:
        self._ctx = context

    @property
    def write_lock(self) -> threading.RLock:
        """The lock serialising this service's mutations (the admin operations share it)."""
        return self._ctx.lock

    write = _Stage(write_path.write)
    write_batch = _Stage(write_path.write_batch)
    read = _Stage(read_path.read)
    read_batch = _Stage(read_path.read_batch)
    turn = _Stage(write_path.turn)
    update = _Stage(update_path.update)
    forget = _Stage(forget_path.forget)
    stats = _Stage(stats_path.stats, _store)
    timeline = _Stage(stats_path.timeline, _store)
    list_memories = _Stage(listing.list_page, _store)
    get = _Stage(lookup.get_memory, _store)
    history = _Stage(lookup.history_page, _store)
