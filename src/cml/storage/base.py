"""The storage protocol every py-cml backend implements (SQLite and PostgreSQL).

The engine talks to storage only through :class:`MemoryStore`, which is composed of small role
protocols (:class:`MemoryReader`, :class:`Search`, :class:`EventLog`, :class:`KeyStore`, ...), so
a stage can declare the slice it uses. Reads are plain methods; every change to memories, their
version history, idempotency records, events and API keys happens inside
:meth:`Transactions.transaction`, a unit of work that commits atomically or not at all. The
engine decides what belongs in one transaction.

Three small writes commit by themselves, by design, because no unit of work could carry them:

* :meth:`AccessCounter.record_access`, a best-effort write on the read path. It joins the
  calling thread's unit of work when one is open; otherwise it is a short transaction of its own
  that gives up (and logs) rather than make the read wait for a busy database.
* :meth:`Leases.try_acquire_lease` and :meth:`Leases.release_lease`: other processes must see a
  lease at once, whatever the caller does next.
* :meth:`Lifecycle.check_embedding_model`, recording the embedding model on first use.

Records are plain dataclasses with timezone-aware UTC datetimes and float32 numpy embeddings
(unit length, so cosine similarity is a dot product).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from cml.storage.webhooks import Webhooks

Vector = npt.NDArray[np.float32]

DEFAULT_STATUSES: tuple[str, ...] = ("active", "compressed")
"""Statuses a read sees unless it asks for more."""

SUPERSEDED = "superseded"
"""Status of a memory a newer one (or ``feedback="outdated"``) retired: kept, not recalled."""


@dataclass
class MemoryRecord:
    """One stored memory, as the engine sees it."""

    id: str
    tenant_id: str
    content: str
    memory_type: str
    created_at: datetime
    """When the remembered event happened (client-supplied or the write time)."""
    updated_at: datetime
    """When an update, a reinforcement or a decay last changed it
    (:meth:`StoreTransaction.set_status` leaves it as it was)."""
    namespace: str | None = None
    """``None``: the tenant's default namespace. (In a :class:`MemoryFilter`, ``None`` means
    every namespace instead.)"""
    session_id: str | None = None
    agent_id: str | None = None
    status: str = "active"
    """A :class:`~cml.models.MemoryStatus` value; reads see :data:`DEFAULT_STATUSES` unless they
    ask for more."""
    context_tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    importance: float = 0.5
    confidence: float = 0.8
    access_count: int = 0
    """Reads that returned it, counted by :meth:`AccessCounter.record_access` (best effort
    outside a unit of work: a busy database may miss one), as is ``last_accessed_at``."""
    last_accessed_at: datetime | None = None
    version: int = 1
    provenance: list[str] = field(default_factory=list)
    """Ids of the memories this one was derived from (e.g. episodes behind a semantic fact)."""
    content_hash: str = ""
    embedding: Vector | None = None
    stored_at: datetime | None = None
    """When the row was written (set by the store when ``None``)."""
    deleted_at: datetime | None = None
    """Set with the status ``deleted``, cleared by any other status
    (:meth:`StoreTransaction.set_status`)."""
    consolidated_at: datetime | None = None
    """When a consolidation run took this episode in; until then
    :meth:`MemoryReader.list_unconsolidated` returns it."""
    valid_from: datetime | None = None
    """Since when the remembered fact holds (``created_at`` when ``None``)."""
    valid_to: datetime | None = None
    """Until when it held: set when a newer memory supersedes it."""
    superseded_at: datetime | None = None
    """When the store retired it (``stored_at`` is when the store learned it)."""
    superseded_by: str | None = None
    """Id of the memory that retired it (``None`` when retired by hand, or never)."""
    type_given: bool = True
    """Whether the writer stated ``memory_type`` (False: the classifier guessed it)."""

    @property
    def recorded_at(self) -> datetime | None:
        """When the store learned this memory: the transaction-time start (``stored_at``)."""
        return self.stored_at

    @property
    def valid_since(self) -> datetime:
        """``valid_from``, or ``created_at`` for a memory without one."""
        return self.valid_from if self.valid_from is not None else self.created_at


class TermStatistics(NamedTuple):
    """What a partition's full-text statistics say about the words of a query."""

    documents: int
    """Searchable memories in the partition."""
    frequencies: dict[str, int]
    """How many of them hold each word (0 for a word none holds)."""
    length: int = 0
    """Their total length in words (as the backend measures a document for BM25)."""

    @property
    def average_length(self) -> float:
        """The average length of a searchable memory (0 for an empty partition)."""
        return self.length / self.documents if self.documents else 0.0


@dataclass(frozen=True)
class MemoryFilter:
    """Which memories a search or listing may return. ``None`` means "no restriction"."""

    tenant_id: str
    namespace: str | None = None
    memory_types: Sequence[str] | None = None
    statuses: Sequence[str] | None = DEFAULT_STATUSES
    session_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    as_of: datetime | None = None
    """Only what the store held at this time: recorded and valid by then, not yet retired."""
    retired_by_then: bool = False
    """With ``as_of``: also the memories retired by then (``include_superseded``)."""
    agent_id: str | None = None
    context_tags: Sequence[str] | None = None
    """Memories holding at least one of these tags."""
    metadata: Mapping[str, Any] | None = None
    """Memories whose metadata has every one of these keys with exactly this (JSON) value."""
    superseded_by: str | None = None
    """Memories retired by this one (their ``superseded_by``)."""


@dataclass(frozen=True)
class VersionRecord:
    """A previous state of a memory, kept when it is updated or compressed."""

    memory_id: str
    version: int
    content: str
    confidence: float
    importance: float
    metadata: dict[str, Any]
    status: str
    changed_at: datetime
    reason: str

    @classmethod
    def snapshot(cls, record: MemoryRecord, *, at: datetime, reason: str) -> VersionRecord:
        """The state of ``record`` as it is now, to keep in its history before it changes.

        Args:
            record: The memory about to be replaced (its metadata is copied).
            at: When the change happens.
            reason: Why, e.g. ``"update: content"``.

        Example:
            >>> from datetime import UTC, datetime
            >>> now = datetime(2024, 5, 1, tzinfo=UTC)
            >>> memory = MemoryRecord("m1", "acme", "Ann likes tea", "semantic_fact", now, now)
            >>> VersionRecord.snapshot(memory, at=now, reason="update: content").version
            1
        """
        return cls(
            memory_id=record.id,
            version=record.version,
            content=record.content,
            confidence=record.confidence,
            importance=record.importance,
            metadata=dict(record.metadata),
            status=record.status,
            changed_at=at,
            reason=reason,
        )


@dataclass(frozen=True)
class IdempotencyRecord:
    """The stored outcome of a request made with an ``Idempotency-Key``."""

    tenant_id: str
    key: str
    request_hash: str
    response: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class EventRecord:
    """One entry of a tenant's event log. ``id`` is assigned by the store (increasing)."""

    tenant_id: str
    event_type: str
    """e.g. ``memory.write``, ``memory.update``, ``memory.forget``, ``key.create``."""
    operation: str
    """The request or stage behind it, finer than ``event_type``: ``write``, ``turn``,
    ``batch_write``, ``reinforce``, ``supersede``, ``restore``, ``purge``, ..."""
    created_at: datetime
    actor: str | None = None
    """Id of the API key that caused the event (never the key itself)."""
    memory_ids: list[str] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    """``None`` until the store adds the event; then increasing, in the order of the log."""
    prev_hash: str | None = None
    """Hash of the tenant's previous event (set by the store; see :mod:`cml.storage.chain`)."""
    hash: str | None = None
    """This event's hash over its content and ``prev_hash`` (set by the store)."""


@dataclass(frozen=True)
class ChainHead:
    """Where a tenant's event hash chain ends (see :mod:`cml.storage.chain`)."""

    hash: str
    """Hash of the tenant's newest event (``""`` while the chain is empty)."""
    length: int
    """Number of events in the chain."""
    last_event_id: int | None = None
    """Id of the newest event (``None`` while the chain is empty): a verification checks the log
    up to it, so that an event appended meanwhile is not taken for a break."""


@dataclass(frozen=True)
class TenantRecord:
    """A tenant as the admin listing shows it (see :meth:`MemoryStore.list_tenants`)."""

    tenant_id: str
    memory_count: int
    """Memories not deleted."""
    fact_count: int
    """``semantic_fact`` memories not deleted."""
    event_count: int
    """Entries of its event log."""
    last_activity: datetime | None = None
    """Time of the newest event or memory write of the tenant."""


@dataclass(frozen=True)
class KeyRecord:
    """A stored API key: only the SHA-256 hash of the secret is kept.

    A request's key is found by the hash of the secret it presents (:meth:`KeyStore.find_key`);
    a revoked key stays stored and listed, and is refused.
    """

    id: str
    """Not secret: listings show it, and events name the key by it (their ``actor``)."""
    tenant_id: str
    """The tenant the key belongs to: its requests act on it unless they name another."""
    key_hash: str
    """Hex SHA-256 of the secret, which is shown once at creation and never stored."""
    prefix: str
    """The first characters of the secret, kept so that a person can tell their keys apart."""
    scopes: list[str]
    """What the key may do: ``read``, ``write``, ``admin``, ``operator`` (see
    :class:`~cml.models.Scope`)."""
    created_at: datetime
    name: str | None = None
    """A label given at creation (``None``: none was)."""
    extra_tenants: list[str] = field(default_factory=list)
    """Tenants besides its own that its requests may name in ``X-Tenant-ID``."""
    revoked_at: datetime | None = None
    """When it was revoked; ``None`` while the key is valid."""


class StoreTransaction(Protocol):
    """Mutations inside one atomic unit of work (see :meth:`MemoryStore.transaction`)."""

    def insert(self, records: Sequence[MemoryRecord]) -> None:
        """Insert new memories (ids must be new)."""

    def update(self, record: MemoryRecord, *, previous: VersionRecord | None = None) -> None:
        """Replace a memory's mutable fields; keep ``previous`` in its version history if given."""

    def set_status(self, tenant_id: str, ids: Sequence[str], status: str, at: datetime) -> int:
        """Set the status of memories (``deleted`` also sets ``deleted_at``); returns rows changed.

        Any other status clears ``deleted_at`` (a restored memory is no longer deleted).
        """

    def hard_delete(self, tenant_id: str, ids: Sequence[str]) -> int:
        """Remove memories and their history for good; returns rows removed."""

    def put_idempotency(self, record: IdempotencyRecord) -> bool:
        """Store a request outcome; False (and nothing stored) if the key is already taken."""

    def add_event(self, event: EventRecord) -> None:
        """Append to the tenant's event log, linked to its previous event by hash."""

    def seal_event_log(self, tenant_id: str) -> None:
        """Chain the tenant's events written before the log was hash-chained (if any)."""

    def insert_key(self, key: KeyRecord) -> None:
        """Store a new API key."""

    def revoke_key(self, key_id: str, at: datetime) -> bool:
        """Mark a key revoked; False if there is no such (unrevoked) key."""


@dataclass(frozen=True)
class IntegrityFindings:
    """What a full integrity check of a store did and found.

    Attributes:
        checks: What was checked, in words (``"PRAGMA integrity_check"``, ...).
        problems: What is damaged, in the database's own words; empty when intact.
        not_checked: What the backend cannot check here, and why.
    """

    checks: tuple[str, ...]
    problems: tuple[str, ...] = ()
    not_checked: tuple[str, ...] = ()


class Lifecycle(Protocol):
    """Opening facts, health and closing of a store."""

    backend: str
    """Short backend name: ``sqlite`` or ``postgres``."""

    def close(self) -> None:
        """Release connections and in-memory indexes."""

    def check_embedding_model(self, model: str, dimensions: int) -> None:
        """Record the embedding model on first use; raise ``StoreMismatchError`` if it differs.

        The first call writes the model and commits by itself (see the module docstring).
        """

    def bulk_load(self) -> AbstractContextManager[None]:
        """A block for a large import: the backend may defer index work until it ends.

        PostgreSQL drops its vector index and builds it again at the end (searches meanwhile
        are exact and slower); SQLite needs nothing. Writes inside keep every guarantee.
        """

    def storage_bytes(self) -> int:
        """Bytes used on disk by the whole store."""

    def ping(self) -> None:
        """Run a trivial query; raise if the database does not answer."""

    def check_integrity(self) -> IntegrityFindings:
        """Read the whole store and check its structure; slow (seconds per GB).

        Damage found is remembered: from then on every read and write of the store raises
        ``DatabaseDamagedError`` (not retryable), and health reports the database damaged.
        """

    def wait_for_start_check(self, timeout: float | None = None) -> bool:
        """Wait for the integrity check a store runs after opening (a large SQLite file).

        Requests are served while it runs; damage it finds is remembered as the full check's
        is. A store checked before it opened, or that runs no such check, returns at once.

        Returns:
            ``False`` if ``timeout`` seconds passed first (``0``: whether it is still running).
        """

    def describe(self) -> dict[str, Any]:
        """Facts for component health; cheap: no scan of the memories.

        The facts are ``backend``, database/library versions, location, sizes, and pool state
        where there is a pool.
        """


class MemoryReader(Protocol):
    """Reading memories and their history by id, hash, filter or type."""

    def get(self, tenant_id: str, memory_id: str) -> MemoryRecord | None:
        """One memory of the tenant, whatever its status (None if absent or another tenant's)."""

    def get_many(self, tenant_id: str, ids: Sequence[str]) -> list[MemoryRecord]:
        """Memories of the tenant among ``ids``, in the order of ``ids`` (missing ids skipped)."""

    def get_candidates(self, tenant_id: str, ids: Sequence[str]) -> list[MemoryRecord]:
        """As :meth:`get_many`, but partial records for ranking a read's candidates.

        Only ``id``, ``tenant_id``, ``content``, ``memory_type``, ``created_at``,
        ``namespace``, ``session_id``, ``status``, ``importance``, ``confidence`` and
        ``embedding`` are the stored values; every other field keeps its default
        (``updated_at`` is ``created_at``). Never return or write such a record: fetch what a
        read returns with :meth:`get_many`.
        """

    def find_by_hash(self, filt: MemoryFilter, content_hash: str) -> MemoryRecord | None:
        """A memory matching the filter with exactly this content hash."""

    def list_memories(
        self, filt: MemoryFilter, *, after_id: str | None = None, limit: int = 100
    ) -> list[MemoryRecord]:
        """Memories matching the filter ordered by id ascending, starting after ``after_id``."""

    def any_memory(self, filt: MemoryFilter) -> bool:
        """Whether at least one memory matches the filter (an index probe, not a scan)."""

    def iter_memories(self, filt: MemoryFilter, batch_size: int = 500) -> Iterator[MemoryRecord]:
        """Every memory matching the filter, in id order (keyset pagination underneath)."""

    def count_by_type_and_status(
        self, tenant_id: str, namespace: str | None = None
    ) -> dict[tuple[str, str], int]:
        """Counts keyed by ``(memory_type, status)``."""

    def count_by_day_and_type(
        self, tenant_id: str, since: datetime, until: datetime, namespace: str | None = None
    ) -> dict[tuple[int, str], int]:
        """Counts of the memories not deleted, stored from ``since`` to before ``until``.

        Keyed by ``(day, memory_type)``, ``day`` being the UTC day the memory was stored
        (``stored_at``, else ``created_at``) as days since 1970-01-01.
        """

    def versions(self, tenant_id: str, memory_id: str) -> list[VersionRecord]:
        """Version history of a memory, oldest first."""

    def list_unconsolidated(self, filt: MemoryFilter, *, limit: int) -> list[MemoryRecord]:
        """Memories the filter admits with no ``consolidated_at``, newest written first."""


class Search(Protocol):
    """Candidate memories for a query: full text, vector similarity and session neighbours."""

    def lexical_search(self, filt: MemoryFilter, query: str, limit: int) -> list[tuple[str, float]]:
        """Full-text candidates as ``(memory_id, score)``, best first; higher score is better."""

    def term_statistics(
        self, tenant_id: str, namespace: str | None, words: Sequence[str]
    ) -> TermStatistics:
        """How many searchable memories a partition holds, and how many of them hold each word.

        The partition is the tenant's memories in ``namespace`` (``None``: every namespace of
        the tenant). Searchable means what a default read ranks in full text: status active or
        compressed, and not a fact written by consolidation. Words are matched as the full-text
        search matches them (same stemming); a word the index does not hold counts 0. The
        counts are kept by the store as memories change, so the answer costs a few lookups
        whatever the partition's size, and is exact.
        """

    def vector_search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        *,
        near: bool = False,
        write: bool = False,
    ) -> list[tuple[str, float]]:
        """Nearest memories by cosine similarity as ``(memory_id, similarity)``, best first.

        ``near=True`` says that the caller keeps only near-duplicates of ``vector`` (a write's
        duplicate check): an approximate index may then walk less deeply, since a shallow walk
        finds them as surely as a deep one. ``write=True`` says that the search is one of a
        write's checks (the same filter comes back write after write; ``near`` implies it): an
        index may keep the rows that filter admits between searches instead of finding them
        afresh.
        """

    def session_successors(
        self, filt: MemoryFilter, ids: Sequence[str], count: int
    ) -> dict[str, list[str]]:
        """The memories that follow each of ``ids`` in its session, nearest first.

        Session order is ``(created_at, id)`` among the memories of the same tenant, namespace
        and ``session_id`` that ``filt`` admits; at most ``count`` per anchor. Anchors without a
        session or without successors are left out of the result.
        """


class AccessCounter(Protocol):
    """How often and how lately memories were read."""

    def record_access(self, tenant_id: str, ids: Sequence[str], at: datetime) -> None:
        """Increment access counts and set last access.

        Inside the calling thread's unit of work the update is part of it (and rolls back with
        it). Otherwise it is a best-effort write of its own that commits by itself: a busy or
        failing database skips it with a warning in the log instead of delaying the read.
        """


class IdempotencyStore(Protocol):
    """Outcomes of requests made with an ``Idempotency-Key`` (written by a unit of work)."""

    def get_idempotency(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        """The stored outcome for an idempotency key, if any."""


@dataclass(frozen=True)
class EventFilter:
    """Which of a tenant's events a read of the log returns (every event by default)."""

    event_type: str | None = None
    """Only events of this type (``memory.write``, ...); ``None``: every type."""
    since: datetime | None = None
    """Only events created at or after this time; ``None``: from the first event."""


ALL_EVENTS = EventFilter()
"""The filter that keeps every event."""


class EventLog(Protocol):
    """Reading a tenant's event log (appended to by a unit of work)."""

    def list_events(
        self, tenant_id: str, which: EventFilter = ALL_EVENTS, *, offset: int = 0, limit: int = 50
    ) -> tuple[list[EventRecord], int]:
        """A page of the tenant's events, newest first, and how many match in total."""

    def events_after(
        self, tenant_id: str, after_id: int, which: EventFilter = ALL_EVENTS, *, limit: int = 100
    ) -> list[EventRecord]:
        """The tenant's events with ``id > after_id``, oldest first (for following the log)."""

    def chain_head(self, tenant_id: str) -> ChainHead | None:
        """Where the tenant's hash chain ends (``None`` before its first chained event)."""


class KeyStore(Protocol):
    """Looking up API keys (created and revoked by a unit of work)."""

    def find_key(self, key_hash: str) -> KeyRecord | None:
        """The key with this hash (revoked or not)."""

    def list_keys(self, tenant_id: str | None = None) -> list[KeyRecord]:
        """All keys, or those of one tenant, oldest first."""


class TenantDirectory(Protocol):
    """The tenants a store knows."""

    def list_tenants(self) -> list[TenantRecord]:
        """Every tenant known from memories, events or API keys, by tenant id."""


class Transactions(Protocol):
    """Units of work: the only way memories, history, idempotency, events and keys change."""

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
        """Begin a unit of work: commits on normal exit, rolls back if the block raises."""


class Leases(Protocol):
    """Named leases for background jobs, shared by every process using the store."""

    def try_acquire_lease(self, name: str, owner: str, ttl_seconds: float, now: datetime) -> bool:
        """Take the named lease for ``owner`` until ``now + ttl_seconds``.

        Succeeds when the lease is free, expired, or already held by ``owner`` (which renews it).
        The check and the take are one atomic step in the database, committed at once, so two
        processes (or server replicas) sharing a store never both hold a lease: this is how a
        tenant's background job runs in one place at a time.
        """

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease back if ``owner`` holds it (otherwise do nothing)."""


class MemoryStore(
    Lifecycle,
    MemoryReader,
    Search,
    AccessCounter,
    IdempotencyStore,
    EventLog,
    KeyStore,
    TenantDirectory,
    Transactions,
    Leases,
    Webhooks,
    Protocol,
):
    """A tenant-partitioned memory store with lexical and vector search: every role in one."""
