"""Reads, writes, vector recall, memory and open time of one tenant at 100k, 300k and 1M memories.

For each backend (SQLite, PostgreSQL from ``pgserver``) the store grows size by size through the
import fast path (:func:`cml.engine.transfer.import_lines`, pre-embedded lines, inside the store's
``bulk_load``: PostgreSQL builds its HNSW index once after each growth, timed apart and printed
with its parameters). ``import/s`` is memories per second of the import alone (the lines are
made beforehand, untimed; PostgreSQL's index build after the rows not included, as SQLite's
graph build is not), ``CPU/s`` the same per second of this process's CPU (PostgreSQL's server
processes not counted). Memories are:

- real: LongMemEval turns (``--data``), each cut to 240 characters and embedded with the
  store's MiniLM model (kept in the benchmarks' embedding cache), the first ``--real`` of them
  (default 20,000) minus 200 held back as recall queries;
- synthetic, the rest: a synthetic conversational sentence (``latency.synthetic_texts``) whose
  vector is a blend of :data:`BLEND` random real turns' embeddings, weighted by a flat
  Dirichlet draw and renormalised: a memory that touches a few real topics, on the real
  embeddings' own directions, not a near-copy of one of them plus noise in every dimension
  (decision 82). The queries' exact top 10 then mixes real turns and blends.

At each size a fresh process opens the engine twice. The first open after growing answers its
first read at once (``1st open s``) while SQLite builds the tenant's graph in the background; it
waits for the graph (``graph s``), which is saved when it closes. The second open is timed
(``open`` = engine opened and first read answered) and measures, interleaved in one loop, the
query embedding alone and a whole read (wall and CPU time; ``ratio`` = read CPU / embedding
CPU, medians), then vector recall@10 of ``vector_search`` against an exact scan of every
stored vector for the held-back queries (before any write adds a memory the scan did not see),
then single writes of new texts (``w ratio`` = write CPU / the CPU of embedding the same text
alone, medians), then its resident memory. Timing the engine leaves out the client transport
(in-process or HTTP).

Usage::

    python benchmarks/scale.py --data longmemeval-s-dev.json                  # 100k 300k 1M
    python benchmarks/scale.py --data longmemeval-s-dev.json --sizes 30000 --backends sqlite
    # measure a store built before again, with vector recall at other HNSW search depths:
    python benchmarks/scale.py --child sqlite:///DIR/scale.db --truth DIR/truth.json --sweep 320 960
    # only the open, three fresh processes, from a cold page cache (root):
    python benchmarks/scale.py --open sqlite:///DIR/scale.db --repeat 3 --cold

The load average is printed with every line: figures taken on a busy machine are not quiet
figures.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _embedding_cache import CachedEmbedder, add_cache_argument, cache_dir
from latency import NAMES, QUESTIONS, percentile, synthetic_texts
from postgres_vs_sqlite import fresh_postgres_database, postgres_server

TENANT = "default"
QUERIES = 200
BLEND = 3
BASE = datetime(2025, 1, 1, tzinfo=UTC)


def load_average() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def real_texts(data: Path, count: int) -> list[str]:
    """The first ``count`` distinct LongMemEval turns, cut to 240 characters."""
    seen: dict[str, None] = {}
    for question in json.loads(data.read_text()):
        for session in question["haystack_sessions"]:
            for turn in session:
                text = turn["content"].strip()[:240]
                if text:
                    seen.setdefault(text)
                if len(seen) == count:
                    return list(seen)
    return list(seen)


def real_vectors(texts: list[str], cache: Path | None) -> np.ndarray:
    """MiniLM embeddings of ``texts`` (through the benchmarks' on-disk cache unless it is off)."""
    from cml.engine.config import EngineConfig
    from cml.engine.embedder import make_embedder

    embedder = make_embedder(EngineConfig())
    if cache is not None:
        embedder = CachedEmbedder(embedder, cache)
    parts = []
    try:
        for start in range(0, len(texts), 256):
            parts.append(embedder.embed(texts[start : start + 256]))
            print(f"\r  embedded {start + 256}/{len(texts)}", end="", file=sys.stderr, flush=True)
    finally:
        embedder.close()
    print(file=sys.stderr)
    return np.concatenate(parts).astype(np.float32)


def memories(
    real: np.ndarray, texts: list[str], start: int, end: int
) -> Iterator[tuple[str, str, np.ndarray]]:
    """``(id, text, vector)`` of memories ``start..end-1`` (reproducible chunk by chunk)."""
    chunk = 10_000
    for first in range(start - start % chunk, end, chunk):
        rng = np.random.default_rng(first)
        weights = rng.dirichlet(np.ones(BLEND), size=chunk).astype(np.float32)
        sources = real[rng.integers(len(real), size=(chunk, BLEND))]
        blends = np.einsum("nk,nkd->nd", weights, sources)
        blends = (blends / np.linalg.norm(blends, axis=1, keepdims=True)).astype(np.float32)
        synthetic = synthetic_texts(chunk, seed=first)
        for n in range(max(first, start), min(first + chunk, end)):
            if n < len(real):
                yield f"scale-{n:07d}", texts[n], real[n]
            else:
                yield f"scale-{n:07d}", synthetic[n - first], blends[n - first]


def export_line(
    n: int, memory_id: str, tenant: str, text: str, vector: np.ndarray, model: str
) -> str:
    """The export line of synthetic memory ``n``: a pre-embedded episode in session ``n // 40``."""
    from cml.engine.transfer import FORMAT

    when = (BASE + timedelta(seconds=30 * n)).isoformat()
    fields = {
        "format": FORMAT,
        "id": memory_id,
        "tenant_id": tenant,
        "content": text,
        "memory_type": "episodic_event",
        "status": "active",
        "created_at": when,
        "updated_at": when,
        "importance": 0.5,
        "confidence": 0.8,
        "access_count": 0,
        "version": 1,
        "session_id": f"session-{n // 40}",
        "embedding": {
            "model": model,
            "dimensions": int(vector.shape[0]),
            "base64": base64.b64encode(vector.tobytes()).decode(),
        },
    }
    return json.dumps(fields)


def grow(url: str, real: np.ndarray, texts: list[str], start: int, end: int) -> tuple[float, float]:
    """Import memories ``start..end-1``; return memories per second of wall and of CPU time.

    The lines are made 10,000 at a time before they are imported: only the import is timed.
    """
    from cml.engine import EngineConfig, open_engine
    from cml.engine.transfer import import_lines

    engine = open_engine(EngineConfig(database_url=url))
    model = engine.embedder.model_name

    def line(n: int, memory_id: str, text: str, vector: np.ndarray) -> tuple[int, str]:
        return n, export_line(n, memory_id, TENANT, text, vector, model)

    making = making_cpu = 0.0
    bad = []
    made = memories(real, texts, start, end)
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        # PostgreSQL builds its HNSW index once, after the load (timed); SQLite needs nothing.
        with engine.store.bulk_load():
            for first in range(start, end, 10_000):
                t, c = time.perf_counter(), time.process_time()
                lines = [line(n, *next(made)) for n in range(first, min(end, first + 10_000))]
                making += time.perf_counter() - t
                making_cpu += time.process_time() - c
                report = import_lines(engine.store, engine.embedder, lines, batch_size=2000)
                bad += report.bad_lines
                print(f"\r  imported {first + len(lines)}/{end}", end="", file=sys.stderr)
            loaded, loaded_cpu = time.perf_counter(), time.process_time()
        wall = loaded - started - making
        cpu = loaded_cpu - started_cpu - making_cpu
        built = time.perf_counter() - loaded
    finally:
        engine.close()
    print(file=sys.stderr)
    if url.startswith("postgresql"):
        from cml.storage.postgres.pool import EF_SEARCH
        from cml.storage.postgres.store import HNSW_EF_CONSTRUCTION, HNSW_M

        print(
            f"  HNSW index of {end} vectors built in {built:.1f} s after the rows (m {HNSW_M},"
            f" ef_construction {HNSW_EF_CONSTRUCTION}; searched with ef_search {EF_SEARCH})"
            f"  {load_average()}",
            flush=True,
        )
    if bad:
        raise SystemExit(f"import refused lines: {bad[:3]}")
    return (end - start) / wall, (end - start) / cpu


def exact_top10(
    real: np.ndarray, texts: list[str], queries: np.ndarray, size: int
) -> list[list[str]]:
    """The exact top 10 stored memories of each query, by a chunked scan of every vector."""
    best_scores = np.full((len(queries), 0), -np.inf, np.float32)
    best_ids: list[list[str]] = [[] for _ in queries]
    for start in range(0, size, 50_000):
        batch = list(memories(real, texts, start, min(size, start + 50_000)))
        matrix = np.stack([v for _, _, v in batch])
        scores = np.concatenate([best_scores, (matrix @ queries.T).T], axis=1)
        ids = [row + [m for m, _, _ in batch] for row in best_ids]
        top = np.argsort(-scores, axis=1)[:, :10]
        best_scores = np.take_along_axis(scores, top, axis=1)
        best_ids = [[ids[q][i] for i in top[q]] for q in range(len(queries))]
    return best_ids


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def vector_recall(store: Any, truth: dict[str, Any], limit: int = 10) -> tuple[float, float]:
    """Recall@10 of ``store.vector_search`` against the exact top 10, and its median CPU ms.

    With ``limit`` above 10 (what the engine asks), the first ten results are compared.
    """
    from cml.storage import MemoryFilter

    hits, cpu = 0, []
    for vector, expected in zip(truth["queries"], truth["top10"], strict=True):
        c = time.process_time()
        found = store.vector_search(MemoryFilter(TENANT), np.asarray(vector, np.float32), limit)
        cpu.append((time.process_time() - c) * 1000)
        hits += len({m for m, _ in found[:10]} & set(expected))
    return hits / (10 * len(truth["top10"])), percentile(cpu, 50)


def first_read(engine: Any) -> None:
    """The read that ends an open: the first answer a caller gets."""
    from cml.models import ReadRequest

    engine.memories.read(TENANT, ReadRequest(query="what happened first", max_results=10))


def open_child(url: str) -> None:
    """Open the engine, answer one read, wait for the integrity check; print one JSON line.

    ``open_s`` is the benchmark's open time (:func:`child`'s: the engine opened and a first
    read answered); ``answered_at`` the clock time of that answer, for the parent to time the
    process from its start (imports included); ``check_s`` when the integrity check that
    follows the open of a large SQLite file had finished (after ``open_s`` when it runs after
    the open); CPU seconds include every thread of the process.
    """
    from cml.engine import EngineConfig, open_engine

    started, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
    engine = open_engine(EngineConfig(database_url=url))
    try:
        engine_s = time.perf_counter() - started
        first_read(engine)
        opened, answered_at = time.perf_counter() - started, time.time()
        open_cpu, own_cpu = time.process_time() - cpu, time.thread_time() - own
        wait = getattr(engine.store, "wait_for_start_check", None)  # None: checked before
        if wait is not None:
            wait()
        checked = time.perf_counter() - started
        result = {
            "open_s": opened,
            "engine_s": engine_s,
            "check_s": checked,
            "open_cpu_s": open_cpu,
            "own_cpu_s": own_cpu,
            "check_cpu_s": time.process_time() - cpu,
            "answered_at": answered_at,
            "health": engine.health()["database"],
            "load": load_average(),
        }
    finally:
        engine.close()
    print(json.dumps(result))


def open_times(url: str, repeat: int, *, cold: bool) -> None:
    """Time ``repeat`` opens of a store, each in a fresh process (page cache dropped if ``cold``).

    Prints per open: the process's time to its first answer (Python's imports included), the
    benchmark's ``open`` (engine and first read), the engine alone, when the integrity check had
    finished, and CPU seconds up to the answer and up to the check's end.
    """
    for n in range(repeat):
        if cold:
            subprocess.run(["sync"], check=True)
            Path("/proc/sys/vm/drop_caches").write_text("3\n")  # root only: a cold page cache
        spawned = time.time()
        out = subprocess.run(
            [sys.executable, __file__, "--child", url, "--open-only"],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{'cold' if cold else 'warm'} {n + 1}: process {r['answered_at'] - spawned:.2f} s, "
            f"open {r['open_s']:.2f} s (engine {r['engine_s']:.2f} s), "
            f"checked at {r['check_s']:.2f} s, CPU {r['own_cpu_s']:.2f} (opening thread) "
            f"{r['open_cpu_s']:.2f} / {r['check_cpu_s']:.2f} s (process, to the answer / to "
            f"the check's end), database {r['health']}  ({r['load']})",
            flush=True,
        )


def postgres_sweep(url: str, truth: dict[str, Any], ef: int) -> None:
    """Print pgvector's recall@10 and mean wall ms per search at ``hnsw.ef_search`` = ``ef``.

    The setting is made on each pooled connection as it opens: a store opened for the sweep.
    """
    from cml.storage import open_store
    from cml.storage.postgres import pool

    kept, pool.EF_SEARCH = pool.EF_SEARCH, ef
    store = open_store(url)
    try:
        at = []
        for limit in (10, 50):
            t = time.perf_counter()
            recall, _ = vector_recall(store, truth, limit)
            at.append((recall, (time.perf_counter() - t) * 1000 / len(truth["queries"])))
    finally:
        store.close()
        pool.EF_SEARCH = kept
    print(
        f"ef_search {ef}: R@10 {at[0][0]:.3f} ({at[0][1]:.1f} ms wall at limit 10), "
        f"R@10 of 50 {at[1][0]:.3f} ({at[1][1]:.1f} ms wall at limit 50)  {load_average()}",
        file=sys.stderr,
    )


def child(
    url: str,
    reads: int,
    writes: int,
    truth_file: Path,
    profile: Path | None,
    sweep: list[int],
) -> None:
    """Open the engine, measure, print one JSON line (run in a fresh process).

    With ``profile``, the reads run under cProfile and its statistics are written there. Each
    ``sweep`` value is an HNSW search depth (efSearch) whose vector recall is also measured.
    """
    import cProfile

    from cml.engine import EngineConfig, open_engine
    from cml.models import ReadRequest, WriteRequest

    rng = np.random.default_rng(5)
    questions = [str(rng.choice(QUESTIONS)).format(name=rng.choice(NAMES)) for _ in range(reads)]
    started = time.perf_counter()
    engine = open_engine(EngineConfig(database_url=url))
    service = engine.memories
    try:
        first_read(engine)
        opened = time.perf_counter() - started
        # A graph that had to be built is built in the background (the read above did not
        # wait for it): wait, so that the reads below search the graph.
        wait = getattr(engine.store, "wait_for_vector_graphs", None)
        if wait is not None:
            wait()
        graph_s = time.perf_counter() - started - opened
        rows: dict[str, list[float]] = {
            k: []
            for k in ("embed_cpu", "read_cpu", "read_ms", "write_ms", "write_cpu", "wembed_cpu")
        }
        profiler = cProfile.Profile(time.process_time)  # CPU time: robust to a busy machine
        for question in questions:
            t, c = time.perf_counter(), time.process_time()
            engine.embedder.embed([question + " ?"])
            rows["embed_cpu"].append(time.process_time() - c)
            t, c = time.perf_counter(), time.process_time()
            if profile is not None:
                profiler.enable()
            service.read(TENANT, ReadRequest(query=question, max_results=10))
            profiler.disable()
            rows["read_cpu"].append(time.process_time() - c)
            rows["read_ms"].append((time.perf_counter() - t) * 1000)
        if profile is not None:
            profiler.dump_stats(profile)
        truth = json.loads(truth_file.read_text())
        recall, vector_cpu = vector_recall(engine.store, truth)
        for ef in sweep if url.startswith("postgresql") else []:
            postgres_sweep(url, truth, ef)
        for ef in sweep if not url.startswith("postgresql") else []:
            # The graph's search depth is read at each search: a scratch setting (the depth
            # exactly ``ef``, not growing with the graph's size), restored.
            from cml.storage.sqlite import graph

            kept = graph.EF_SEARCH, graph.ROWS_PER_EF
            graph.EF_SEARCH, graph.ROWS_PER_EF = ef, sys.maxsize
            try:
                at = [vector_recall(engine.store, truth, limit) for limit in (10, 50)]
            finally:
                graph.EF_SEARCH, graph.ROWS_PER_EF = kept
            print(
                f"efSearch {ef}: R@10 {at[0][0]:.3f} ({at[0][1]:.2f} ms CPU at limit 10), "
                f"R@10 of 50 {at[1][0]:.3f} ({at[1][1]:.2f} ms CPU at limit 50)",
                file=sys.stderr,
            )
        # Each run writes texts of its own: a text written by an earlier run of the same store
        # would be an exact duplicate, which reinforces the stored memory without a vector
        # search or a graph insert, and measures less than a write.
        # The reference embedding is of the write's own text (the engine keeps no embedding of
        # a written text, so the write embeds it again): a shorter text took a quarter less.
        run = uuid.uuid4().hex[:8]
        for i, text in enumerate(synthetic_texts(writes, seed=99)):
            content = f"new {run} {i}: {text}"
            c = time.process_time()
            engine.embedder.embed([content])
            rows["wembed_cpu"].append(time.process_time() - c)
            t, c = time.perf_counter(), time.process_time()
            service.write(TENANT, WriteRequest(content=content))
            rows["write_cpu"].append(time.process_time() - c)
            rows["write_ms"].append((time.perf_counter() - t) * 1000)
        med = {
            k: percentile([x * 1000 for x in v] if k.endswith("cpu") else v, 50)
            for k, v in rows.items()
        }
        print(
            json.dumps(
                {
                    "open_s": opened,
                    "graph_s": graph_s,
                    "read_p50": percentile(rows["read_ms"], 50),
                    "read_p95": percentile(rows["read_ms"], 95),
                    "read_cpu": med["read_cpu"],
                    "embed_cpu": med["embed_cpu"],
                    "ratio": med["read_cpu"] / med["embed_cpu"],
                    "write_p50": med["write_ms"],
                    "write_cpu": med["write_cpu"],
                    "write_ratio": med["write_cpu"] / med["wembed_cpu"],
                    "recall": recall,
                    "vector_cpu": vector_cpu,
                    "rss_mib": rss_mib(),
                    "load": load_average(),
                }
            )
        )
    finally:
        engine.close()


def measure(
    url: str, reads: int, writes: int, truth_file: Path, *, cold: bool, profile: Path | None
) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter (twice when ``cold``: the first builds)."""
    command = [sys.executable, __file__, "--child", url, "--truth", str(truth_file)]
    first = None
    if cold:
        out = subprocess.run(
            [*command, "--reads", "1", "--writes", "1"],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        first = json.loads(out.strip().splitlines()[-1])
    if profile is not None:
        command += ["--profile", str(profile)]
    out = subprocess.run(
        [*command, "--reads", str(reads), "--writes", str(writes)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["first_open_s"] = None if first is None else first["open_s"]
    result["graph_s"] = None if first is None else first["graph_s"]
    return result


HEADER = (
    f"{'backend':<9}{'memories':>9}{'import/s':>9}{'CPU/s':>7}{'1st open s':>11}{'graph s':>8}"
    f"{'open s':>8}{'p50 ms':>8}"
    f"{'p95 ms':>8}{'read CPU':>9}{'embed CPU':>10}{'ratio':>7}{'write ms':>9}{'w ratio':>8}"
    f"{'R@10':>6}{'vec CPU':>8}{'RSS MiB':>8}  load (1/5/15 min)"
)


def line(backend: str, size: int, rates: tuple[float, float], r: dict[str, Any]) -> str:
    first = "-" if r["first_open_s"] is None else f"{r['first_open_s']:.1f}"
    graph = "-" if r["graph_s"] is None else f"{r['graph_s']:.1f}"
    return (
        f"{backend:<9}{size:>9}{rates[0]:>9.0f}{rates[1]:>7.0f}{first:>11}{graph:>8}"
        f"{r['open_s']:>8.1f}{r['read_p50']:>8.1f}"
        f"{r['read_p95']:>8.1f}{r['read_cpu']:>9.1f}{r['embed_cpu']:>10.1f}{r['ratio']:>7.1f}"
        f"{r['write_p50']:>9.1f}{r['write_ratio']:>8.1f}{r['recall']:>6.3f}"
        f"{r['vector_cpu']:>8.2f}{r['rss_mib']:>8.0f}"
        f"  {r['load']}"
    )


@contextlib.contextmanager
def backend_url(backend: str, tmp: Path, pg_url: str | None) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'scale.db'}"
        return
    with postgres_server(pg_url) as admin:
        yield fresh_postgres_database(admin)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="LongMemEval JSON (the real share)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--real", type=int, default=20_000, help="real (embedded) memories")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    add_cache_argument(parser)
    parser.add_argument(
        "--workdir", type=Path, help="keep the stores in this directory (default: a temporary one)"
    )
    parser.add_argument("--database-url", help="PostgreSQL maintenance URL (default: pgserver)")
    parser.add_argument(
        "--profile", type=Path, help="cProfile the reads of the largest size into this file"
    )
    parser.add_argument(
        "--sweep",
        type=int,
        nargs="*",
        default=[],
        help="with --child: also measure vector recall at these HNSW efSearch values"
        " (PostgreSQL: hnsw.ef_search)",
    )
    parser.add_argument(
        "--open",
        metavar="URL",
        help="only time opening this store (a fresh process per open; --repeat, --cold)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="with --open: how many opens")
    parser.add_argument(
        "--cold", action="store_true", help="with --open: drop the page cache before each (root)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--open-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--truth", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.open:
        open_times(args.open, args.repeat, cold=args.cold)
        return
    if args.child and args.open_only:
        open_child(args.child)
        return
    if args.child:
        child(args.child, args.reads, args.writes, args.truth, args.profile, args.sweep)
        return
    if args.data is None:
        parser.error("--data is required")

    texts = real_texts(args.data, args.real + QUERIES)
    vectors = real_vectors(texts, cache_dir(args))
    real, queries = vectors[:-QUERIES], vectors[-QUERIES:]
    print(HEADER)
    with contextlib.ExitStack() as stack:
        if args.workdir is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="cml-scale-"))
        else:
            args.workdir.mkdir(parents=True, exist_ok=True)
            tmp = str(args.workdir)
        truth_file = Path(tmp) / "truth.json"
        for backend in args.backends:
            with backend_url(backend, Path(tmp), args.database_url) as url:
                have = 0
                for size in sorted(args.sizes):
                    rates = grow(url, real, texts, have, size)
                    have = size
                    top = exact_top10(real, texts, queries, size)
                    truth_file.write_text(json.dumps({"queries": queries.tolist(), "top10": top}))
                    profile = args.profile if size == max(args.sizes) else None
                    result = measure(
                        url, args.reads, args.writes, truth_file, cold=True, profile=profile
                    )
                    print(line(backend, size, rates, result), flush=True)


if __name__ == "__main__":
    main()
