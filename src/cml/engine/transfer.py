r"""Moving memories between stores: one JSON object per line (``cml export`` / ``cml import``).

A line holds everything a store keeps about one memory: its fields as stored (ids, timestamps,
type, status, provenance, metadata, access counts), its version history, and its embedding as
base64 float32 with the model that made it. Importing into a store that uses the same model
therefore needs no embedding work; another model (or a line without an embedding) is re-embedded.

Import is idempotent: a memory whose id the store already holds is skipped, so importing a file
twice gives the same store as importing it once. Each line is validated on its own; a bad line is
reported with its number and reason and the others are still imported.

Example:
    >>> for line in export_lines(store, "all-MiniLM-L6-v2"):  # doctest: +SKIP
    ...     out.write(line + "\n")
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from cml.embeddings.base import Embedder
from cml.errors import EngineError
from cml.models import MemoryStatus, MemoryType
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore, Vector, VersionRecord

__all__ = [
    "FORMAT",
    "BadLine",
    "ImportReport",
    "MemoryLine",
    "count_memories",
    "export_lines",
    "import_lines",
]

FORMAT = "cml.memory/1"
"""Value of every line's ``format`` field; a future layout gets a new one."""

Progress = Callable[[int], None]
"""Called with the number of lines just handled."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddingLine(_Strict):
    """An embedding: float32 little-endian values, base64-encoded, and the model behind them."""

    model: str = Field(min_length=1)
    """Name of the embedding model that made it; an import into a store with another model
    re-embeds the memory's content instead of using these values."""
    dimensions: int = Field(gt=0)
    """How many values the vector has (the decoded ``base64`` holds 4 bytes per value)."""
    base64: str

    @classmethod
    def of(cls, vector: Vector, model: str) -> EmbeddingLine:
        """The line form of ``vector``, made by ``model``."""
        values = np.ascontiguousarray(vector, dtype="<f4").reshape(-1)
        encoded = base64.b64encode(values.tobytes()).decode("ascii")
        return cls.model_construct(model=model, dimensions=int(values.shape[0]), base64=encoded)

    def vector(self) -> np.ndarray[Any, np.dtype[np.float32]]:
        """The decoded vector.

        Raises:
            ValueError: The data is not base64 of ``dimensions`` float32 values.
        """
        raw = base64.b64decode(self.base64, validate=True)
        if len(raw) != 4 * self.dimensions:
            raise ValueError(f"embedding has {len(raw) // 4} values, expected {self.dimensions}")
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)


class VersionLine(_Strict):
    """A previous state of the memory: its fields as they were until ``changed_at``."""

    version: int = Field(ge=1)
    content: str
    confidence: float
    importance: float
    metadata: dict[str, Any]
    status: MemoryStatus
    changed_at: AwareDatetime
    """When the memory left this state for the next one."""
    reason: str
    """Why it changed, e.g. ``update: content`` or ``restore``."""


class MemoryLine(_Strict):
    """One exported memory (one line of the file): its fields as stored, history and embedding."""

    format: str = Field(pattern=f"^{FORMAT}$")
    """Always :data:`FORMAT`; a later layout of the line will carry another value."""
    id: str = Field(min_length=1, max_length=128)
    """The memory's id, kept by the import: a memory whose id the store holds is skipped."""
    tenant_id: str = Field(min_length=1, max_length=64)
    content: str = Field(min_length=1)
    """The text as stored (the write gate already ran: personal data is redacted)."""
    memory_type: MemoryType
    status: MemoryStatus
    """``active``, ``silent``, ``compressed``, ``archived``, ``deleted`` or ``superseded``: every
    status is exported, and the import keeps it."""
    created_at: AwareDatetime
    """When the remembered event happened (given by the writer, else the time of the write)."""
    updated_at: AwareDatetime
    """When an update, a reinforcement or a decay last changed it (a soft delete, a restore or
    silencing leaves it as it was)."""
    stored_at: AwareDatetime | None = None
    """When the store first wrote it (what an ``as_of`` read goes by); ``None`` in a line that
    lacks it: the importing store writes the time of the import."""
    deleted_at: AwareDatetime | None = None
    """When it was soft-deleted; ``None`` unless ``status`` is ``deleted``."""
    consolidated_at: AwareDatetime | None = None
    """When a consolidation run took this episode in; ``None``: no run has yet."""
    last_accessed_at: AwareDatetime | None = None
    """When a read last returned it; ``None``: never read."""
    namespace: str | None = None
    """Its namespace; ``None``: the tenant's default one."""
    session_id: str | None = None
    agent_id: str | None = None
    context_tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    importance: float = Field(ge=0, le=1)
    """How much it matters, from 0 to 1: given by the writer or estimated by the write gate.
    Forgetting keeps important memories longer."""
    confidence: float = Field(ge=0, le=1)
    """How far it is to be trusted, from 0 to 1: raised when it is written again and by
    ``feedback="correct"``, lowered by decay and by ``feedback="incorrect"``."""
    access_count: int = Field(ge=0)
    """How many reads have returned it."""
    version: int = Field(ge=1)
    """1 when written, one more at every change; the earlier states are in ``versions``."""
    provenance: list[str] = Field(default_factory=list)
    """Ids of the memories it was derived from (e.g. the episodes behind a consolidated fact)."""
    content_hash: str = ""
    """SHA-256 of the normalised content, by which a later repeat of it is found; ``""``: the
    memory is never matched as a repeat."""
    valid_from: AwareDatetime | None = None
    """Since when the remembered fact holds; ``None``: since ``created_at``."""
    valid_to: AwareDatetime | None = None
    """Until when it held: set when a newer memory superseded it; ``None``: it still holds."""
    superseded_at: AwareDatetime | None = None
    """When the store retired it; ``None``: not retired."""
    superseded_by: str | None = None
    """Id of the newer memory that retired it; ``None`` when ``feedback="outdated"`` retired it,
    or nothing did."""
    type_given: bool = True
    """Whether the writer stated ``memory_type`` (false: the classifier guessed it)."""
    versions: list[VersionLine] = Field(default_factory=list)
    """The earlier states, oldest first; empty for a memory that never changed."""
    embedding: EmbeddingLine | None = None
    """The stored vector; ``None`` (or another model's vector) makes the import embed
    ``content`` again."""

    def to_record(self) -> tuple[MemoryRecord, list[VersionRecord]]:
        """The memory and its version history as storage records (embedding decoded)."""
        fields = self.model_dump(exclude={"format", "versions", "embedding"})
        fields["memory_type"] = str(self.memory_type)
        fields["status"] = str(self.status)
        record = MemoryRecord(**fields)
        record.embedding = None if self.embedding is None else self.embedding.vector()
        history = [
            VersionRecord(
                memory_id=self.id, **v.model_dump(exclude={"status"}), status=str(v.status)
            )
            for v in self.versions
        ]
        return record, history


_OWN_FIELDS = ("format", "versions", "embedding")
"""The fields of a line that are not a field of the stored memory."""


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return value


def _stored(line: type[_Strict], source: object) -> dict[str, Any]:
    # The line models name the fields: each is read from the storage record of the same name.
    return {
        name: _json_value(getattr(source, name))
        for name in line.model_fields
        if name not in _OWN_FIELDS
    }


def memory_line(record: MemoryRecord, versions: Sequence[VersionRecord], model: str) -> str:
    """The JSON line of one memory (embedding included when it has one)."""
    embedding = None if record.embedding is None else EmbeddingLine.of(record.embedding, model)
    line = {
        "format": FORMAT,
        **_stored(MemoryLine, record),
        "versions": [_stored(VersionLine, v) for v in versions],
        "embedding": None if embedding is None else embedding.model_dump(),
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str)


def _tenants(store: MemoryStore, tenant_id: str | None) -> list[str]:
    if tenant_id is not None:
        return [tenant_id]
    return [t.tenant_id for t in store.list_tenants()]


def count_memories(store: MemoryStore, tenant_id: str | None = None) -> int:
    """How many memories (every status) an export of ``tenant_id`` (or all tenants) writes."""
    return sum(
        sum(store.count_by_type_and_status(tenant).values())
        for tenant in _tenants(store, tenant_id)
    )


def export_lines(
    store: MemoryStore, model: str, tenant_id: str | None = None, batch_size: int = 500
) -> Iterator[str]:
    """Every memory of ``tenant_id`` (or of every tenant), every status, one JSON line each.

    Args:
        store: The store to read.
        model: The store's embedding model, written next to each embedding.
        tenant_id: One tenant, or ``None`` for all.
        batch_size: Memories read per query.
    """
    for tenant in _tenants(store, tenant_id):
        filt = MemoryFilter(tenant, statuses=None)
        for record in store.iter_memories(filt, batch_size=batch_size):
            yield memory_line(record, store.versions(tenant, record.id), model)


@dataclass(frozen=True)
class BadLine:
    """A line that was not imported, and why."""

    line_number: int
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    skipped: int = 0
    """Memories whose id the store already held (an earlier import of the same file)."""
    reembedded: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            return f"not JSON: {first['msg'].removeprefix('Invalid JSON: ')}"
        where = ".".join(str(part) for part in first["loc"]) or "line"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    if isinstance(exc, EngineError):
        return exc.message
    return str(exc)


@dataclass
class _Parsed:
    number: int
    record: MemoryRecord
    versions: list[VersionRecord]
    model: str | None


def import_lines(
    store: MemoryStore,
    embedder: Embedder,
    lines: Iterable[tuple[int, str]],
    *,
    batch_size: int = 200,
    progress: Progress | None = None,
    bulk: bool = False,
) -> ImportReport:
    """Validate and import numbered lines in batches, one transaction per batch.

    Args:
        store: The store to write to.
        embedder: The store's embedder: lines embedded by another model are re-embedded.
        lines: ``(line_number, text)`` pairs (blank lines are ignored).
        batch_size: Memories per transaction.
        progress: Called with the number of lines handled after each batch.
        bulk: A large load: let the store defer index work to the end
            (:meth:`~cml.storage.base.Lifecycle.bulk_load`; PostgreSQL rebuilds its vector
            index once instead of inserting into it row by row).

    Returns:
        Counts, and every bad line with its number and reason.
    """
    with store.bulk_load() if bulk else nullcontext():
        return _import_all(store, embedder, lines, batch_size, progress)


def _import_all(
    store: MemoryStore,
    embedder: Embedder,
    lines: Iterable[tuple[int, str]],
    batch_size: int,
    progress: Progress | None,
) -> ImportReport:
    report = ImportReport()
    batch: list[_Parsed] = []
    handled = 0
    for number, text in lines:
        handled += 1
        if not text.strip():
            continue
        try:
            line = MemoryLine.model_validate_json(text)
            record, versions = line.to_record()
        except (ValidationError, ValueError) as exc:
            report.bad_lines.append(BadLine(number, _reason(exc)))
            continue
        model = None if line.embedding is None else line.embedding.model
        batch.append(_Parsed(number, record, versions, model))
        if len(batch) >= batch_size:
            _import_batch(store, embedder, batch, report)
            batch = []
            if progress is not None:
                progress(handled)
                handled = 0
    if batch:
        _import_batch(store, embedder, batch, report)
    if progress is not None and handled:
        progress(handled)
    return report


def _import_batch(
    store: MemoryStore, embedder: Embedder, batch: list[_Parsed], report: ImportReport
) -> None:
    fresh: list[_Parsed] = []
    seen: set[str] = set()
    for tenant in {p.record.tenant_id for p in batch}:
        ids = [p.record.id for p in batch if p.record.tenant_id == tenant]
        seen.update(r.id for r in store.get_many(tenant, ids))
    for parsed in batch:
        if parsed.record.id in seen:
            report.skipped += 1
        else:
            seen.add(parsed.record.id)  # the same id twice in one file: the first one wins
            fresh.append(parsed)
    stale = [
        p
        for p in fresh
        if p.model != embedder.model_name
        or p.record.embedding is None
        or p.record.embedding.shape[0] != embedder.dimensions
    ]
    _reembed(embedder, stale, report)
    try:
        _write(store, fresh)
    except EngineError:
        # One bad row fails the whole transaction: retry one by one to keep the good ones.
        for parsed in fresh:
            try:
                _write(store, [parsed])
            except EngineError as exc:
                report.bad_lines.append(BadLine(parsed.number, _reason(exc)))
            else:
                report.imported += 1
        return
    report.imported += len(fresh)


def _reembed(embedder: Embedder, stale: list[_Parsed], report: ImportReport) -> None:
    if not stale:
        return
    vectors = embedder.embed([p.record.content for p in stale])
    for parsed, vector in zip(stale, vectors, strict=True):
        parsed.record.embedding = np.asarray(vector, dtype=np.float32)
    report.reembedded += len(stale)


def _write(store: MemoryStore, parsed: Sequence[_Parsed]) -> None:
    with store.transaction() as tx:
        tx.insert([p.record for p in parsed])
        # The history goes in through ``update`` with the record unchanged: the one protocol
        # call that appends a version row.
        for p in parsed:
            for version in p.versions:
                tx.update(p.record, previous=version)
