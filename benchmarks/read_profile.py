"""Where the time of one read goes, stage by stage, at a given store size.

Seeds a store like ``latency.py`` (synthetic conversational memories, every word common: the
worst case for full-text search), then times, over the same questions:

- ``embed query``: the embedder on one question;
- ``partition words``: counting the query's words in the partition (:mod:`cml.engine.read.terms`);
- ``full-text search`` and ``vector search``: the store's two candidate searches (50 each);
- ``session context``: the successors of the full-text hits;
- ``fetch candidates``: loading the fused candidates' rows as the read does (partial records of
  all of them, then the ten it returns whole; a tree before decision 100 reads all of them whole);
- ``engine read``: ``MemoryService.read`` end to end (the stages above, fusion, rerank, the
  access-count update and the response);
- ``engine read, same q``: the same question every time (its embedding cached, where the engine
  caches query embeddings);
- ``embedded read``: the embedded sync client, i.e. the engine read plus the in-process HTTP
  hop (ASGI app, validation, serialisation, the portal thread).

Each stage reports wall-clock p50/p95 and CPU time p50/p95 (all threads of the process: robust
to other load on the machine; a read's CPU p95 is the floor of its wall-clock p95 on a quiet
machine), and the load average when it ended. ``--store`` reads a copy of a
store seeded once (with its saved vector graph), so that two versions of py-cml can be profiled
on the same data; ``--database-url`` profiles a store in place (PostgreSQL: the CPU column then
counts this process only, not the server's work).

Usage::

    python benchmarks/read_profile.py --memories 100000
    python benchmarks/read_profile.py --memories 100000 --store /tmp/seeded-100k.db
    python benchmarks/read_profile.py --memories 10000 --embedder hash
    python benchmarks/read_profile.py --embedder hash --database-url postgresql://.../db
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runtime import add_runtime_argument, apply_runtime, current_runtime
from latency import NAMES, QUESTIONS, percentile, seed_store

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TENANT = "default"
PREFIXES = ["", "Remind me: ", "Tell me, ", "Quick question: ", "Do you know: "]


Timing = tuple[float, float, float, float]
"""Wall-clock p50 and p95, and CPU p50 and p95 (every thread of the process), in milliseconds."""


def timed(samples: int, step: Callable[[int], object]) -> Timing:
    """The :data:`Timing` of ``step(i)`` over ``samples`` calls, after one warm-up."""
    step(0)
    wall, cpu = [], []
    for i in range(samples):
        started, used = time.perf_counter(), time.process_time()
        step(i)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return percentile(wall, 50), percentile(wall, 95), percentile(cpu, 50), percentile(cpu, 95)


def fetch_candidates(store: Any, ids: list[str]) -> None:
    """Load a read's candidates the way :func:`cml.engine.read.retrieval.retrieve` does."""
    partial = getattr(store, "get_candidates", None)
    if partial is None:
        store.get_many(TENANT, ids)
        return
    partial(TENANT, ids)
    store.get_many(TENANT, ids[:10])


def main() -> None:
    """Seed, time each stage, print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--memories", type=int, default=100_000, help="store size")
    parser.add_argument("--reads", type=int, default=200, help="questions per stage")
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="a store seeded by an earlier run (or by latency.seed_store) to read a copy of;"
        " seeded there first when missing",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="profile this store in place instead (e.g. a seeded PostgreSQL database: every"
        " stage but the embedded client's)",
    )
    add_runtime_argument(parser)
    args = parser.parse_args()
    runtime = apply_runtime(args)

    from cml import EmbeddedCognitiveMemoryLayer
    from cml.engine import EngineConfig, open_engine
    from cml.engine.read.retrieval import RankingWeights, fuse_ranks, read_filter
    from cml.engine.read.terms import informative_query
    from cml.models import ReadRequest

    # Distinct questions (words the store does not hold make them so): a repeated one would be
    # served by the engine's query-embedding cache, timed apart below.
    questions = [
        PREFIXES[(i // len(QUESTIONS)) % len(PREFIXES)]
        + QUESTIONS[i % len(QUESTIONS)].format(name=NAMES[(i // 7) % len(NAMES)])
        for i in range(args.reads)
    ]
    limit = RankingWeights().candidate_limit(10)  # what a read with max_results=10 asks
    rows: list[tuple[str, Timing]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "profile.db"
        url = args.database_url
        if url is None:
            url = f"sqlite:///{db}"
            if args.store is None:
                seed_store(db, args.memories, args.embedder, TENANT)
            else:
                if not args.store.exists():
                    seed_store(args.store, args.memories, args.embedder, TENANT)
                shutil.copyfile(args.store, db)
                graph = args.store.with_name(args.store.name + ".vectors")
                if graph.is_dir():  # the saved vector graph, or the first read rebuilds it
                    shutil.copytree(graph, db.with_name(db.name + ".vectors"))
        engine = open_engine(
            EngineConfig(
                database_url=url,
                embedding_provider=args.embedder,
                embedding_runtime=current_runtime(),
            )
        )
        try:
            store = engine.store
            requests = [ReadRequest(query=q, max_results=10) for q in questions]
            filt = read_filter(TENANT, requests[0])
            vectors = engine.embedder.embed(questions)
            lexical = [store.lexical_search(filt, q, limit) for q in questions]
            vector = [store.vector_search(filt, v, limit) for v in vectors]
            weights = RankingWeights()
            share = weights.common_share
            fused = [
                list(
                    fuse_ranks(
                        [([i for i, _ in a], weights.lexical), ([i for i, _ in b], weights.vector)],
                        weights.rrf_k,
                    )
                )
                for a, b in zip(lexical, vector, strict=True)
            ]
            rows += [
                ("embed query", timed(args.reads, lambda i: engine.embedder.embed([questions[i]]))),
                (
                    "partition words",
                    timed(
                        args.reads,
                        lambda i: informative_query(store, filt, questions[i], share),
                    ),
                ),
                (
                    "full-text search",
                    timed(args.reads, lambda i: store.lexical_search(filt, questions[i], limit)),
                ),
                (
                    "vector search",
                    timed(args.reads, lambda i: store.vector_search(filt, vectors[i], limit)),
                ),
                (
                    "session context",
                    timed(
                        args.reads,
                        lambda i: store.session_successors(filt, [m for m, _ in lexical[i]], 2),
                    ),
                ),
                (
                    "fetch candidates",
                    timed(args.reads, lambda i: fetch_candidates(store, fused[i])),
                ),
                (
                    "engine read",
                    timed(args.reads, lambda i: engine.memories.read(TENANT, requests[i])),
                ),
                (
                    "engine read, same q",
                    timed(args.reads, lambda i: engine.memories.read(TENANT, requests[0])),
                ),
            ]
        finally:
            engine.close()
        if args.database_url is None:
            with EmbeddedCognitiveMemoryLayer(db, embedding_provider=args.embedder) as memory:
                rows.append(
                    (
                        "embedded read",
                        timed(args.reads, lambda i: memory.read(questions[i], max_results=10)),
                    )
                )

    timings = dict(rows)
    if "embedded read" in timings:
        hop = tuple(
            e - r for e, r in zip(timings["embedded read"], timings["engine read"], strict=True)
        )
        rows.append(("hop (embedded-engine)", hop))  # type: ignore[arg-type]
    print(f"\n{args.memories} memories, embedder={args.embedder} ({runtime}), {args.reads} reads")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'stage':<22}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}{'CPU p95':>9}")
    for name, (p50, p95, cpu, cpu95) in rows:
        print(f"{name:<22}{p50:9.2f}{p95:9.2f}{cpu:9.2f}{cpu95:9.2f}")


if __name__ == "__main__":
    main()
