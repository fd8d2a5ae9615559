"""An on-disk embedding cache for the recall benchmarks, and stores opened with it.

Embedding the LongMemEval histories (~490 long messages per question) dominates a benchmark
run; the same texts are embedded again on every run. :class:`CachedEmbedder` wraps the
embedder a configuration names and keeps every vector it computes in a SQLite file, keyed by
the model's identity (class, model name, dimensions, precision) and the SHA-256 of the text, so
a rerun embeds only texts it has never seen. The vectors are the model's own: a warm run ranks
exactly like a cold one (up to float rounding between batch shapes).

The cache lives in ``--embedding-cache DIR`` (default ``$CML_BENCH_EMBEDDING_CACHE``, else
``<temp dir>/cml-bench-embeddings``); ``--no-embedding-cache`` turns it off. Several benchmark
processes may share one directory (SQLite WAL, ``INSERT OR IGNORE``). The product never uses
this module.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from cml.embeddings import Embedder
    from cml.engine import Engine, EngineConfig
    from cml.engine.read.retrieval import RankingWeights

VARIABLE = "CML_BENCH_EMBEDDING_CACHE"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "cml-bench-embeddings"


def add_cache_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--embedding-cache DIR`` and ``--no-embedding-cache``."""
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        default=Path(os.environ.get(VARIABLE) or DEFAULT_DIR),
        help=f"directory of the on-disk embedding cache (default: ${VARIABLE} or {DEFAULT_DIR})",
    )
    parser.add_argument(
        "--no-embedding-cache",
        action="store_true",
        help="embed every text with the model, keep nothing",
    )


def cache_dir(args: argparse.Namespace) -> Path | None:
    """The cache directory the arguments name, ``None`` when the cache is off."""
    return None if args.no_embedding_cache else args.embedding_cache


def identity(embedder: Embedder) -> str:
    """What makes two embedders give the same vectors: class, model, size, precision."""
    precision = getattr(embedder, "precision", "")
    return f"{type(embedder).__name__}|{embedder.model_name}|{embedder.dimensions}|{precision}"


class CachedEmbedder:
    """An embedder that answers from an on-disk cache and asks the model only for new texts.

    It carries the wrapped model's ``model_name`` and ``dimensions``, so a store written through
    it is a store of that model (and opens without the cache too).
    """

    def __init__(self, inner: Embedder, directory: Path) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimensions = inner.dimensions
        self.identity = identity(inner)
        self.hits = 0
        self.misses = 0
        directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.identity).strip("-")
        self.path = directory / f"{name}.sqlite"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self._db.commit()

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.identity}\0{text}".encode()).digest()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The vectors of ``texts``: cached ones read, the others computed in one call and kept."""
        keys = [self._key(text) for text in texts]
        found: dict[bytes, npt.NDArray[np.float32]] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            vectors = self.inner.embed([text_of[key] for key in missing])
            rows_in = [
                (key, np.asarray(v, np.float32).tobytes())
                for key, v in zip(missing, vectors, strict=True)
            ]
            with self._lock:
                self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows_in)
                self._db.commit()
            found.update(zip(missing, np.asarray(vectors, np.float32), strict=True))
        self.misses += len(missing)
        self.hits += len(keys) - len(missing)
        if not keys:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)

    def close(self) -> None:
        """Close the model and the cache file."""
        try:
            self.inner.close()
        finally:
            with self._lock:
                self._db.close()


def open_cached_engine(
    config: EngineConfig, directory: Path | None, *, weights: RankingWeights | None = None
) -> Engine:
    """Like :func:`cml.engine.open_engine`, with the embedder behind the cache in ``directory``.

    ``directory=None`` (or the ``hash`` embedder, which costs nothing) opens a plain engine.
    """
    from cml.engine import Engine
    from cml.engine.embedder import make_embedder
    from cml.storage import open_store

    store = open_store(
        config.database_url, pool_min=config.db_pool_min, pool_max=config.db_pool_max
    )
    try:
        embedder: Any = make_embedder(config)
        if directory is not None and config.embedding_provider != "hash":
            embedder = CachedEmbedder(embedder, directory)
        store.check_embedding_model(embedder.model_name, embedder.dimensions)
    except BaseException:
        store.close()
        raise
    return Engine(store, embedder, config, weights=weights)


@contextmanager
def open_memory(db: Path, provider: str, directory: Path | None) -> Iterator[Any]:
    """A sync client over the server's app in this process, its engine behind the cache.

    The same client, app and routes as ``EmbeddedCognitiveMemoryLayer(db,
    embedding_provider=provider)``; only the engine's embedder differs.
    """
    import pydantic

    from cml import CognitiveMemoryLayer
    from cml._embedded import database_url, embedded_config, in_process_transport_sync, release
    from cml.server.app import create_app
    from cml.server.settings import ServerSettings

    settings = ServerSettings(
        auth_enabled=False,
        database_url=pydantic.SecretStr(database_url(db)),
        embedding_provider=provider,
    )
    engine = open_cached_engine(settings.to_engine_config(), directory)
    try:
        app = create_app(settings, engine=engine)
        app.state.readiness.load_now(engine)
        transport = in_process_transport_sync(app)
    except BaseException:
        engine.close()
        raise
    client = CognitiveMemoryLayer(config=embedded_config(None), transport=transport)
    _ENGINES[id(client)] = engine
    try:
        yield client
    finally:
        try:
            client.close()
        finally:
            _ENGINES.pop(id(client), None)
            release(transport, engine)
        report_cache(engine)


_ENGINES: dict[int, Engine] = {}
"""The engine behind each client :func:`open_memory` has open (by the client's ``id``)."""


def settle(client: Any, namespace: str | None = None) -> None:
    """Let the store finish the search indexes a read would start building, then return.

    A SQLite tenant past the vector-graph threshold gets its graph built on a background
    thread at its first search, and is searched exactly until then. A benchmark that asked
    its questions meanwhile would rank the first ones exactly and the rest through the graph,
    at a point that depends on the machine's load; one read and this wait make every question
    rank the same way on every run.
    """
    client.read("settle", max_results=1, namespace=namespace)
    wait = getattr(_ENGINES[id(client)].store, "wait_for_vector_graphs", None)
    if wait is not None:
        wait()


def report_cache(engine: Engine) -> None:
    """Print (to stderr) how many vectors came from the cache, when the engine has one."""
    hits = getattr(engine.embedder, "hits", None)
    if hits is not None:
        computed = getattr(engine.embedder, "misses", 0)
        print(f"embedding cache: {hits} hits, {computed} computed", file=sys.stderr, flush=True)
