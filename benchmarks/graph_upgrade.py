"""The background rebuild of a saved vector graph of a lower degree (decision 102).

``--degrade M`` rebuilds a store's saved graph with degree ``M`` in place (same rows, order and
token), making the graph an older py-cml saved. Without it, the store is opened, a first
vector search loads the tenant (and starts the rebuild of a graph of a lower degree than new
graphs'), and vector searches of the truth file's queries are made every 50 ms until the
rebuild is done: prints the first search's time, the rebuild's wall and process CPU (all
threads, the reads included), how many reads were answered meanwhile with their latency and
recall@10 against the exact top 10, recall@10 afterwards, as many reads (up to 500) at the
same pace afterwards, the RSS, and the graph files left.

Usage (on a copy: both write into the store's directory)::

    cp -r /tmp/q100k /tmp/up && python benchmarks/graph_upgrade.py /tmp/up/scale.db --degrade 16
    python benchmarks/graph_upgrade.py /tmp/up/scale.db --truth /tmp/up/truth.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np

TENANT = "default"


def degrade(db: Path, degree: int) -> None:
    """Rebuild the saved graph of ``db`` with ``degree``, under the token it was saved with."""
    from cml.storage.sqlite.graph import Graph
    from cml.storage.sqlite.graph_index import GraphIndex

    directory = db.with_name(db.name + ".vectors")
    [graph_file] = directory.glob("*.faiss")
    stem, token, _ = graph_file.name.split(".")
    index = GraphIndex.load(directory, stem, token)
    if index is None:
        raise SystemExit(f"no usable saved graph in {directory}")
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        stored = dict(
            conn.execute("SELECT id, embedding FROM memories WHERE embedding IS NOT NULL")
        )
    # A dead row whose memory is gone gets a zero vector: it is masked out of every search.
    zero = np.zeros(index.graph.dimensions, np.float32)
    vectors = np.stack(
        [np.frombuffer(stored[i], np.float32) if i in stored else zero for i in index.ids]
    )
    started = time.process_time()
    index.graph = Graph.build(vectors, degree=degree)
    print(f"rebuilt {index.rows} rows with M {degree}: {time.process_time() - started:.1f} s CPU")
    index.save(directory, stem, token)


def rss_mib() -> int:
    """This process's resident memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1


def measure(db: Path, truth: dict[str, Any]) -> None:
    """Open the store, read while its graph is rebuilt, then read again (see the module)."""
    from cml.storage import MemoryFilter
    from cml.storage.sqlite import SQLiteStore

    queries = [np.asarray(q, np.float32) for q in truth["queries"]]
    expected: list[list[str]] = truth["top10"]
    filt = MemoryFilter(TENANT)

    def hits(found: list[tuple[str, float]], i: int) -> int:
        return len({m for m, _ in found[:10]} & set(expected[i]))

    wall, cpu = time.perf_counter(), time.process_time()
    store = SQLiteStore(db)
    store.vector_search(filt, queries[0], 10)
    print(
        f"open and first search: {time.perf_counter() - wall:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU; RSS {rss_mib()} MiB"
    )
    wall, cpu = time.perf_counter(), time.process_time()
    latencies: list[float] = []
    found = 0
    while not store.wait_for_vector_graphs(timeout=0):
        i = len(latencies) % len(queries)
        t = time.perf_counter()
        answer = store.vector_search(filt, queries[i], 10)
        latencies.append((time.perf_counter() - t) * 1000)
        found += hits(answer, i)
        time.sleep(0.05)
    print(
        f"rebuild: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s "
        f"CPU; RSS {rss_mib()} MiB"
    )
    if latencies:
        print(
            f"{len(latencies)} reads meanwhile: p50 {np.percentile(latencies, 50):.1f} ms, "
            f"p95 {np.percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms, "
            f"recall@10 {found / (10 * len(latencies)):.4f}"
        )
    after = sum(hits(store.vector_search(filt, q, 10), i) for i, q in enumerate(queries))
    print(f"recall@10 after: {after / (10 * len(queries)):.4f}")
    paced: list[float] = []
    for i in range(min(len(latencies), 500)):  # the same reads at the same pace, no rebuild
        t = time.perf_counter()
        store.vector_search(filt, queries[i % len(queries)], 10)
        paced.append((time.perf_counter() - t) * 1000)
        time.sleep(0.05)
    if paced:
        print(
            f"{len(paced)} reads after: p50 {np.percentile(paced, 50):.1f} ms, "
            f"p95 {np.percentile(paced, 95):.1f} ms, max {max(paced):.1f} ms"
        )
    store.close()
    files = sorted(p.name for p in db.with_name(db.name + ".vectors").glob("*"))
    print(f"graph files: {files}; load {os.getloadavg()}")


def main() -> None:
    """Parse the arguments and degrade or measure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="a copy of a store built by scale.py")
    parser.add_argument("--degrade", type=int, help="rebuild its saved graph with this degree")
    parser.add_argument("--truth", type=Path, help="scale.py's truth file (to measure)")
    args = parser.parse_args()
    logging.basicConfig(format="%(asctime)s %(message)s")
    logging.getLogger("cml").setLevel(logging.INFO)  # the rebuild's start and end
    if args.degrade is not None:
        degrade(args.store, args.degrade)
    elif args.truth is not None:
        measure(args.store, json.loads(args.truth.read_text()))
    else:
        parser.error("give --degrade M or --truth FILE")


if __name__ == "__main__":
    main()
