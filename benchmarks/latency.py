"""Single-write and read latency of the embedded client at a given store size.

Seeds a SQLite store with synthetic conversational memories (embedded in batches and inserted
directly through the storage layer, so seeding is quick), then measures, through the embedded sync
client exactly as an application would call it:

- ``write``: one new memory per call (write gate, embedding, storage, event);
- ``read``: one hybrid query per call (query embedding included), ``max_results=10``.

Usage::

    python benchmarks/latency.py --memories 10000
    python benchmarks/latency.py --memories 1000 --embedder hash   # no model, plumbing only
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _runtime import add_runtime_argument, apply_runtime, current_runtime

from cml.engine.config import EmbeddingProvider

os.environ.setdefault("HF_HUB_OFFLINE", "1")

NAMES = ["Alice", "Bob", "Caroline", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
ACTIVITIES = [
    "went hiking near the lake",
    "started learning the cello",
    "adopted a rescue dog named Pepper",
    "ran a half marathon in the rain",
    "painted a sunset over the harbour",
    "visited their grandmother in Lisbon",
    "switched jobs to a robotics startup",
    "baked sourdough bread for the neighbours",
    "joined a volunteer group at the shelter",
    "planted tomatoes and basil on the balcony",
    "booked a trip to Kyoto for the spring",
    "finished reading a novel about whales",
]
WHEN = ["yesterday", "last weekend", "this morning", "two weeks ago", "on Friday", "in May"]
FEELINGS = ["and loved it", "and felt exhausted", "with a friend", "for the first time", "again"]
QUESTIONS = [
    "What did {name} do with the dog?",
    "When did {name} go hiking?",
    "Which instrument is {name} learning?",
    "Where does {name}'s grandmother live?",
    "What did {name} bake?",
    "Where is {name} travelling in spring?",
]


def synthetic_texts(count: int, seed: int) -> list[str]:
    """Varied first-person-ish conversational sentences, reproducible from ``seed``."""
    rng = random.Random(seed)
    return [
        f"{rng.choice(NAMES)}: I {rng.choice(ACTIVITIES)} {rng.choice(WHEN)} {rng.choice(FEELINGS)}"
        f" (note {i})"
        for i in range(count)
    ]


def seed_store(db_path: Path, count: int, embedder: EmbeddingProvider, tenant: str) -> float:
    """Insert ``count`` memories straight into the store; returns seconds taken."""
    from cml.engine import EngineConfig, open_engine
    from cml.storage.base import MemoryRecord
    from cml.storage.ids import new_id

    engine = open_engine(
        EngineConfig(
            database_url=f"sqlite:///{db_path}",
            embedding_provider=embedder,
            embedding_runtime=current_runtime(),
        )
    )
    start = time.perf_counter()
    texts = synthetic_texts(count, seed=1)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    try:
        for offset in range(0, count, 512):
            chunk = texts[offset : offset + 512]
            vectors = engine.embedder.embed(chunk)
            records = []
            for i, (text, vector) in enumerate(zip(chunk, vectors, strict=True)):
                when = base + timedelta(minutes=offset + i)
                records.append(
                    MemoryRecord(
                        id=new_id(),
                        tenant_id=tenant,
                        content=text,
                        memory_type="episodic_event",
                        created_at=when,
                        updated_at=when,
                        embedding=vector,
                        content_hash=f"seed-{offset + i}",
                    )
                )
            with engine.store.transaction() as tx:
                tx.insert(records)
            print(f"\rseeded {min(offset + 512, count):>7}/{count}", end="", flush=True)
        print()
    finally:
        engine.close()
    return time.perf_counter() - start


def percentile(samples: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``samples`` by nearest rank."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def report(name: str, samples_s: list[float]) -> None:
    """Print p50/p95/mean in milliseconds."""
    ms = [s * 1000 for s in samples_s]
    print(
        f"{name:<6} n={len(ms):<5} p50={percentile(ms, 50):7.2f} ms"
        f"  p95={percentile(ms, 95):7.2f} ms"
        f"  mean={statistics.fmean(ms):7.2f} ms"
    )


def main() -> None:
    """Parse arguments, seed, measure, print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--memories", type=int, default=10_000, help="store size before measuring")
    parser.add_argument("--writes", type=int, default=200, help="single writes to time")
    parser.add_argument("--reads", type=int, default=200, help="reads to time")
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    add_runtime_argument(parser)
    args = parser.parse_args()
    runtime = apply_runtime(args)

    from cml import EmbeddedCognitiveMemoryLayer

    tenant = "default"
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        seconds = seed_store(db_path, args.memories, args.embedder, tenant)
        print(f"seed   {args.memories} memories in {seconds:.1f} s")
        with EmbeddedCognitiveMemoryLayer(db_path, embedding_provider=args.embedder) as memory:
            memory.read("warm up the index and the model")
            write_times = []
            for text in synthetic_texts(args.writes, seed=2):
                start = time.perf_counter()
                memory.write(text.replace("note", "fresh note"))
                write_times.append(time.perf_counter() - start)
            rng = random.Random(3)
            read_times = []
            for _ in range(args.reads):
                query = rng.choice(QUESTIONS).format(name=rng.choice(NAMES))
                start = time.perf_counter()
                memory.read(query, max_results=10)
                read_times.append(time.perf_counter() - start)
            total = memory.stats().total_memories
    print(f"store  {total} memories, embedder={args.embedder} ({runtime})")
    report("write", write_times)
    report("read", read_times)


if __name__ == "__main__":
    main()
