"""Vector recall@10 of an HNSW graph against an exact scan, by graph degree and search depth.

Reads every stored embedding of a SQLite store built by ``benchmarks/scale.py`` (in row order,
which is the order its graph was built in), then either loads the store's saved graph
(``--saved``) or builds a new ``IndexHNSWSQ`` int8 graph with the given degree (``--m``) and
``--ef-construction`` on one thread, and measures, for each ``--ef`` search depth, recall@10 of
the search ``GraphIndex`` makes (four candidates per result from the walk, at least 40, all
re-scored exactly with the float32 vectors) against the exact top 10 of ``scale.py``'s truth
file (held-back real turns as queries). Prints the build's wall and CPU time and, per depth,
recall@10 and the CPU of one search at p50.

Usage::

    python benchmarks/graph_degree.py --store /tmp/s1m-a/scale.db --truth /tmp/s1m-a/truth.json \\
        --saved
    python benchmarks/graph_degree.py --store /tmp/s1m-a/scale.db --truth /tmp/s1m-a/truth.json \\
        --m 32 --ef-construction 200
    # a graph built at 20,000 rows and grown by single writes, as a growing tenant's is:
    python benchmarks/graph_degree.py --store /tmp/scale-q/scale.db \\
        --truth /tmp/scale-q/truth.json --m 32 --single-from 20000 --insert-ef-construction 64

The store is opened read-only. A million vectors take 1.5 GB of memory while measuring; the
build of a 1M graph takes 10 to 25 minutes of CPU depending on the degree.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

faiss.omp_set_num_threads(1)

CANDIDATES = 40
"""Candidates the walk returns for a limit-10 search (all of them re-scored exactly)."""


def stored_vectors(store: Path) -> tuple[list[str], npt.NDArray[np.float32]]:
    """Every memory id with an embedding, and the embeddings as one matrix, in row order."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    ids: list[str] = []
    blobs: list[bytes] = []
    for memory_id, blob in conn.execute(
        "SELECT id, embedding FROM memories WHERE embedding IS NOT NULL ORDER BY pk"
    ):
        ids.append(memory_id)
        blobs.append(blob)
    conn.close()
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1).copy()
    return ids, matrix


def saved_graph(store: Path, ids: list[str]) -> tuple[faiss.Index, npt.NDArray[np.int64]]:
    """The store's own saved graph and, per graph row, the matrix row of its memory."""
    graphs = sorted((store.parent / f"{store.name}.vectors").glob("*.faiss"))
    if len(graphs) != 1:
        raise SystemExit(f"expected one saved graph next to {store}, found {len(graphs)}")
    index = faiss.read_index(str(graphs[0]))
    with np.load(graphs[0].with_suffix(".npz")) as saved:
        graph_ids = saved["id_lines"].tobytes().decode().split("\n")
    row_of = {memory_id: row for row, memory_id in enumerate(ids)}
    return index, np.array([row_of.get(g, -1) for g in graph_ids], dtype=np.int64)


def built_graph(
    vectors: npt.NDArray[np.float32],
    m: int,
    ef_construction: int,
    single_from: int | None = None,
    insert_ef_construction: int | None = None,
) -> faiss.Index:
    """A new int8 HNSW graph of ``vectors``, its build timed and printed.

    With ``single_from``, the rows from that one on are added one at a time (as single writes
    add them) with ``insert_ef_construction``; the CPU of one such insert is printed at p50.
    """
    index = faiss.IndexHNSWSQ(
        vectors.shape[1],
        faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]
        m,
        faiss.METRIC_INNER_PRODUCT,
    )
    index.hnsw.efConstruction = ef_construction
    bulk = len(vectors) if single_from is None else single_from
    index.train(vectors[:bulk])
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, bulk, 50_000):
        index.add(vectors[start : min(bulk, start + 50_000)])
    print(
        f"built M {m} efConstruction {ef_construction} ({bulk} rows): "
        f"{time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU",
        flush=True,
    )
    if bulk < len(vectors):
        index.hnsw.efConstruction = insert_ef_construction or ef_construction
        inserts = []
        for row in vectors[bulk:]:
            started = time.process_time()
            index.add(row[None, :])
            inserts.append(time.process_time() - started)
        each = 1000 * float(np.median(inserts))
        print(
            f"then {len(inserts)} single inserts at efConstruction "
            f"{index.hnsw.efConstruction}: {each:.2f} ms CPU each (p50)",
            flush=True,
        )
    return index


def _hnsw(index: faiss.Index) -> Any:
    """The HNSW structure of a graph index (its search and build depths)."""
    return faiss.downcast_index(index).hnsw  # type: ignore[attr-defined]


def recall_at(
    index: faiss.Index,
    rows: npt.NDArray[np.int64],
    ids: list[str],
    vectors: npt.NDArray[np.float32],
    truth: dict[str, Any],
    ef: int,
) -> tuple[float, float]:
    """Recall@10 against the exact top 10 and the CPU ms of one search at p50."""
    _hnsw(index).efSearch = ef
    hits, cpu = 0, []
    for query, expected in zip(truth["queries"], truth["top10"], strict=True):
        q = np.asarray(query, dtype=np.float32)
        started = time.process_time()
        _, labels = index.search(q[None, :], CANDIDATES)
        found = np.asarray(labels)[0]
        candidates = [rows[label] for label in found if label >= 0 and rows[label] >= 0]
        scores = vectors[candidates] @ q
        top = {ids[candidates[i]] for i in np.argsort(-scores)[:10]}
        cpu.append(time.process_time() - started)
        hits += len(top & {str(e) for e in expected})
    return hits / (10 * len(truth["top10"])), 1000 * float(np.median(cpu))


def main() -> None:
    """Parse the arguments, build or load the graph, print recall per search depth."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="scale.py's scale.db")
    parser.add_argument("--truth", type=Path, required=True, help="scale.py's truth.json")
    parser.add_argument("--saved", action="store_true", help="measure the store's saved graph")
    parser.add_argument("--m", type=int, default=32, help="graph degree of a new graph")
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument(
        "--single-from", type=int, help="add the rows from this one on one at a time"
    )
    parser.add_argument(
        "--insert-ef-construction",
        type=int,
        help="efConstruction of those single inserts (default: --ef-construction)",
    )
    parser.add_argument("--ef", type=int, nargs="+", default=[160, 240, 320, 480, 640])
    args = parser.parse_args()
    ids, vectors = stored_vectors(args.store)
    print(f"{len(ids)} vectors of {vectors.shape[1]} dimensions", flush=True)
    truth = json.loads(args.truth.read_text())
    if args.saved:
        index, rows = saved_graph(args.store, ids)
        name = "saved graph"
    else:
        index = built_graph(
            vectors, args.m, args.ef_construction, args.single_from, args.insert_ef_construction
        )
        rows = np.arange(len(ids), dtype=np.int64)
        name = f"M {args.m} efConstruction {args.ef_construction}"
        if args.single_from is not None:
            name += f" then single inserts at {_hnsw(index).efConstruction}"
    for ef in args.ef:
        recall, cpu_ms = recall_at(index, rows, ids, vectors, truth, ef)
        print(f"{name}  efSearch {ef:>5}  R@10 {recall:.3f}  CPU p50 {cpu_ms:.2f} ms", flush=True)


if __name__ == "__main__":
    main()
