"""Read latency and write throughput of the engine on PostgreSQL (pgvector) vs embedded SQLite.

For each store size the script seeds a fresh store of each backend with the same synthetic
memories (inserted straight through the storage layer; on PostgreSQL before the HNSW index
exists, which is then built in one go), opens the engine on it and measures, in-process (no
HTTP, so the figures are the engine and the store):

- ``read``: one hybrid query (``max_results=10``, query embedding included) per call, p50/p95;
- ``write``: one new memory per call through the write gate, as writes per second (sequential:
  the engine serialises the writes of one process).

The hash embedder is the default so that the store, not the embedding model, is measured (at
100k memories MiniLM would spend most of the seeding time embedding); ``--embedder local``
measures with the real model. PostgreSQL is ``--database-url`` or, without one, a throw-away
``pgserver`` (PostgreSQL 16 + pgvector from a wheel, same machine).

Usage::

    python benchmarks/postgres_vs_sqlite.py --sizes 10000 100000
    python benchmarks/postgres_vs_sqlite.py --sizes 10000 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runtime import add_runtime_argument, apply_runtime, current_runtime
from latency import NAMES, QUESTIONS, percentile, synthetic_texts

from cml.engine.config import EmbeddingProvider

TENANT = "default"


@contextlib.contextmanager
def postgres_server(url: str | None) -> Iterator[str]:
    """A maintenance URL: the given one, or a temporary pgserver's."""
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="cmlbench", dir="/tmp") as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

            server = pgserver.get_server(tmp, cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()


def fresh_postgres_database(admin_url: str) -> str:
    """A new database with the py-cml schema; returns its URL."""
    import psycopg

    from cml.storage.postgres.migrate import upgrade

    name = f"cml_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    upgrade(url)
    return url


def seed(database_url: str, count: int, embedder_name: EmbeddingProvider) -> float:
    """Insert ``count`` memories through the store (no engine yet); returns seconds."""
    from cml.engine import EngineConfig
    from cml.engine.embedder import make_embedder
    from cml.storage import MemoryRecord, new_id, open_store

    embedder = make_embedder(
        EngineConfig(embedding_provider=embedder_name, embedding_runtime=current_runtime())
    )
    store = open_store(database_url)
    texts = synthetic_texts(count, seed=1)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    start = time.perf_counter()
    try:
        for offset in range(0, count, 1000):
            chunk = texts[offset : offset + 1000]
            vectors = embedder.embed(chunk)
            records = [
                MemoryRecord(
                    id=new_id(),
                    tenant_id=TENANT,
                    content=text,
                    memory_type="episodic_event",
                    created_at=base + timedelta(minutes=offset + i),
                    updated_at=base + timedelta(minutes=offset + i),
                    embedding=vector,
                    content_hash=f"seed-{offset + i}",
                )
                for i, (text, vector) in enumerate(zip(chunk, vectors, strict=True))
            ]
            with store.transaction() as tx:
                tx.insert(records)
            print(f"\r  seeded {min(offset + 1000, count):>7}/{count}", end="", flush=True)
        print()
    finally:
        store.close()
        embedder.close()
    return time.perf_counter() - start


def measure(
    database_url: str, embedder: EmbeddingProvider, reads: int, writes: int
) -> dict[str, float]:
    """Open the engine (on PostgreSQL this builds the HNSW index) and time reads and writes."""
    from cml.engine import EngineConfig, open_engine
    from cml.models import ReadRequest, WriteRequest

    started = time.perf_counter()
    engine = open_engine(
        EngineConfig(
            database_url=database_url,
            embedding_provider=embedder,
            embedding_runtime=current_runtime(),
        )
    )
    opened = time.perf_counter() - started
    try:
        service = engine.memories
        rng = random.Random(3)
        queries = [rng.choice(QUESTIONS).format(name=rng.choice(NAMES)) for _ in range(reads)]
        for query in queries[:10]:  # warm caches (SQLite loads its vector index here)
            service.read(TENANT, ReadRequest(query=query, max_results=10))
        read_times = []
        for query in queries:
            start = time.perf_counter()
            service.read(TENANT, ReadRequest(query=query, max_results=10))
            read_times.append(time.perf_counter() - start)
        texts = [t.replace("note", "fresh note") for t in synthetic_texts(writes, seed=2)]
        start = time.perf_counter()
        for text in texts:
            service.write(TENANT, WriteRequest(content=text))
        write_seconds = time.perf_counter() - start
    finally:
        engine.close()
    ms = [t * 1000 for t in read_times]
    return {
        "open_s": opened,
        "read_p50_ms": percentile(ms, 50),
        "read_p95_ms": percentile(ms, 95),
        "writes_per_s": writes / write_seconds,
    }


def main() -> None:
    """Parse arguments, seed both backends per size, measure, print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--embedder", choices=["hash", "local"], default="hash")
    add_runtime_argument(parser)
    parser.add_argument("--database-url", help="a PostgreSQL server to create databases on")
    args = parser.parse_args()
    runtime = apply_runtime(args)

    rows = []
    with postgres_server(args.database_url) as admin_url, tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            for backend in ("sqlite", "postgres"):
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / f'bench-{size}.db'}"
                else:
                    url = fresh_postgres_database(admin_url)
                print(f"{backend} at {size}:")
                seeded = seed(url, size, args.embedder)
                result = measure(url, args.embedder, args.reads, args.writes)
                rows.append((backend, size, seeded, result))
                print(
                    f"  seed {seeded:.1f} s, open {result['open_s']:.1f} s, "
                    f"read p50 {result['read_p50_ms']:.2f} ms p95 {result['read_p95_ms']:.2f} ms, "
                    f"{result['writes_per_s']:.0f} writes/s"
                )
    print(f"\nembedder={args.embedder} ({runtime}), reads={args.reads}, writes={args.writes}")
    print("| backend | memories | read p50 | read p95 | single writes/s | seed | engine open |")
    print("|---|---|---|---|---|---|---|")
    for backend, size, seeded, r in rows:
        print(
            f"| {backend} | {size:,} | {r['read_p50_ms']:.1f} ms | {r['read_p95_ms']:.1f} ms"
            f" | {r['writes_per_s']:.0f} | {seeded:.0f} s | {r['open_s']:.1f} s |"
        )


if __name__ == "__main__":
    main()
