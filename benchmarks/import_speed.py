"""Memories per second of `cml import`'s path for pre-embedded lines, on SQLite or PostgreSQL.

Lines are made beforehand (untimed): synthetic conversational sentences
(``latency.synthetic_texts``) with random unit vectors under the hash embedder's model name, so
no model is loaded and the store's statistics and indexes do the same work as for real ones.
The store first grows to ``--base`` memories (untimed), then ``--count`` more are imported and
timed: wall clock and this process's CPU (PostgreSQL's server processes are not counted).

Usage::

    python benchmarks/import_speed.py --store /tmp/import.db --base 80000 --count 20000
    python benchmarks/import_speed.py --postgres --base 5000 --count 5000 --bulk
    python benchmarks/import_speed.py --store /tmp/import.db --count 20000 --profile out.prof

``--bulk`` imports inside the store's ``bulk_load`` (PostgreSQL builds its HNSW index once at
the end, timed with the import; the rows' own rate and the build's seconds are printed too).
Give a copy of a grown store to compare two trees on the same data: the store is reused when
it already holds ``--base`` memories.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency import synthetic_texts
from postgres_vs_sqlite import fresh_postgres_database, postgres_server
from scale import export_line


def lines(start: int, count: int, model: str) -> list[tuple[int, str]]:
    """Export lines of memories ``start..start+count-1`` (reproducible)."""
    rng = np.random.default_rng(start)
    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = synthetic_texts(count, seed=start)
    return [
        (
            n,
            export_line(
                n, f"import-{n:08d}", "default", texts[n - start], vectors[n - start], model
            ),
        )
        for n in range(start, start + count)
    ]


@contextlib.contextmanager
def store_url(args: argparse.Namespace) -> Iterator[str]:
    if not args.postgres:
        yield f"sqlite:///{args.store}"
        return
    with postgres_server(args.database_url) as admin:
        yield fresh_postgres_database(admin)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, default=Path("/tmp/cml-import-speed.db"))
    parser.add_argument("--postgres", action="store_true", help="a fresh pgserver database")
    parser.add_argument("--database-url", help="PostgreSQL maintenance URL (default: pgserver)")
    parser.add_argument("--base", type=int, default=0, help="memories before the timed import")
    parser.add_argument("--count", type=int, default=20_000, help="memories imported and timed")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--bulk", action="store_true", help="import inside bulk_load()")
    parser.add_argument("--profile", type=Path, help="cProfile the timed import into this file")
    args = parser.parse_args()

    from cml.embeddings import HashEmbedder
    from cml.engine.transfer import import_lines
    from cml.storage import open_store

    embedder = HashEmbedder()
    with store_url(args) as url:
        store = open_store(url)
        try:
            store.check_embedding_model(embedder.model_name, embedder.dimensions)
            have = sum(store.count_by_type_and_status("default").values())
            for start in range(have, args.base, 10_000):
                size = min(10_000, args.base - start)
                import_lines(
                    store, embedder, lines(start, size, embedder.model_name), batch_size=2000
                )
            timed = lines(max(have, args.base), args.count, embedder.model_name)
            profiler = cProfile.Profile()
            t, c = time.perf_counter(), time.process_time()
            if args.profile:
                profiler.enable()
            with store.bulk_load() if args.bulk else contextlib.nullcontext():
                report = import_lines(store, embedder, timed, batch_size=args.batch_size)
                rows_wall, rows_cpu = time.perf_counter() - t, time.process_time() - c
            if report.bad_lines:
                raise SystemExit(f"refused lines: {report.bad_lines[:3]}")
            profiler.disable()
            wall, cpu = time.perf_counter() - t, time.process_time() - c
        finally:
            store.close()
    if args.profile:
        profiler.dump_stats(args.profile)
    backend = "postgres" if args.postgres else "sqlite"
    load = "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    # With --bulk, the rows are stored (and searchable, exactly) before the index build.
    build = f"; rows {args.count / rows_wall:.0f}/s wall, {args.count / rows_cpu:.0f}/s CPU"
    print(
        f"{backend} base {max(have, args.base)} +{report.imported} (skipped {report.skipped}):"
        f" {args.count / wall:.0f}/s wall, {args.count / cpu:.0f}/s CPU"
        f"{' bulk' if args.bulk else ''}"
        f"{build + f', index build {wall - rows_wall:.1f} s' if args.bulk else ''}  {load}"
    )


if __name__ == "__main__":
    main()
