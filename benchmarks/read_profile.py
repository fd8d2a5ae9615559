"""Where the time of one read goes, stage by stage, at a given store size.

Seeds a store like ``latency.py`` (synthetic conversational memories, every word common: the
worst case for full-text search), then times, over the same questions:

- ``embed query``: the embedder on one question;
- ``partition words``: counting the query's words in the partition (:mod:`cml.engine.read.terms`);
- ``full-text search`` and ``vector search``: the store's two candidate searches (50 each);
- ``session context``: the successors of the full-text hits;
- ``fetch candidates``: loading the fused candidates' rows;
- ``engine read``: ``MemoryService.read`` end to end (the stages above, fusion, rerank, the
  access-count update and the response);
- ``embedded read``: the embedded sync client, i.e. the engine read plus the in-process HTTP
  hop (ASGI app, validation, serialisation, the portal thread).

Usage::

    python benchmarks/read_profile.py --memories 100000
    python benchmarks/read_profile.py --memories 10000 --embedder hash
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runtime import add_runtime_argument, apply_runtime, current_runtime
from latency import NAMES, QUESTIONS, percentile, seed_store

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TENANT = "default"


def timed(samples: int, step: Callable[[int], object]) -> tuple[float, float]:
    """(p50, p95) in milliseconds of ``step(i)`` over ``samples`` calls, after one warm-up."""
    step(0)
    seconds = []
    for i in range(samples):
        started = time.perf_counter()
        step(i)
        seconds.append(time.perf_counter() - started)
    ms = [s * 1000 for s in seconds]
    return percentile(ms, 50), percentile(ms, 95)


def main() -> None:
    """Seed, time each stage, print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--memories", type=int, default=100_000, help="store size")
    parser.add_argument("--reads", type=int, default=200, help="questions per stage")
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    add_runtime_argument(parser)
    args = parser.parse_args()
    runtime = apply_runtime(args)

    from cml import EmbeddedCognitiveMemoryLayer
    from cml.engine import EngineConfig, open_engine
    from cml.engine.read.retrieval import RankingWeights, fuse_ranks, read_filter
    from cml.engine.read.terms import informative_query
    from cml.models import ReadRequest

    questions = [
        QUESTIONS[i % len(QUESTIONS)].format(name=NAMES[i % len(NAMES)]) for i in range(args.reads)
    ]
    limit = RankingWeights().candidate_limit(10)  # what a read with max_results=10 asks
    rows: list[tuple[str, tuple[float, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "profile.db"
        seed_store(db, args.memories, args.embedder, TENANT)
        engine = open_engine(
            EngineConfig(
                database_url=f"sqlite:///{db}",
                embedding_provider=args.embedder,  # type: ignore[arg-type]
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
                ("fetch candidates", timed(args.reads, lambda i: store.get_many(TENANT, fused[i]))),
                (
                    "engine read",
                    timed(args.reads, lambda i: engine.memories.read(TENANT, requests[i])),
                ),
            ]
        finally:
            engine.close()
        with EmbeddedCognitiveMemoryLayer(db, embedding_provider=args.embedder) as memory:
            rows.append(
                (
                    "embedded read",
                    timed(args.reads, lambda i: memory.read(questions[i], max_results=10)),
                )
            )

    print(f"\n{args.memories} memories, embedder={args.embedder} ({runtime}), {args.reads} reads")
    print(f"{'stage':<20}{'p50 ms':>9}{'p95 ms':>9}")
    for name, (p50, p95) in rows:
        print(f"{name:<20}{p50:9.2f}{p95:9.2f}")


if __name__ == "__main__":
    main()
