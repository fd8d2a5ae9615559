"""The degree of a large tenant's vector graph: new graphs are built with M 32 and keep it
across reopening; a graph saved with M 16 (before decision 89) opens and answers at once, and is
replaced by an M 32 graph built in the background (decision 102).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from cml.storage import MemoryFilter
from cml.storage.base import MemoryRecord
from cml.storage.sqlite import SQLiteStore
from cml.storage.sqlite.graph import Graph, M, search_depth

from .test_vector_graph import (
    T0,
    clustered,
    exact,
    graph_files,
    open_store,
    records,
    seeded,
    with_graph,
)


def saved_degree(path: Path) -> int:
    """The degree of the graph file saved beside the store at ``path``."""
    [graph_file] = [p for p in graph_files(path) if p.suffix == ".faiss"]
    index = faiss.read_index(str(graph_file))  # held: its hnsw is a view into it
    return int(index.hnsw.nb_neighbors(1))  # type: ignore[attr-defined]


def recall_at_10(
    store: SQLiteStore, written: list[MemoryRecord], queries: npt.NDArray[np.float32]
) -> float:
    hits = 0
    for query in queries:
        found = {m for m, _ in store.vector_search(MemoryFilter("t"), query, 10)}
        hits += len(found & set(exact(written, query, 10)))
    return hits / (10 * len(queries))


def test_a_new_graph_is_built_with_m_32_and_keeps_it_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    with_graph(open_store(path)).close()
    assert M == 32
    assert saved_degree(path) == 32

    extra = records("t", clustered(50, seed=20), start=50_000)
    store = open_store(path)
    try:
        for record in extra:  # single writes, each linked into the loaded graph
            with store.transaction() as tx:
                tx.insert([record])
        assert recall_at_10(store, written + extra, clustered(20, seed=21)) >= 0.97
        first = [store.vector_search(MemoryFilter("t"), np.asarray(r.embedding), 1) for r in extra]
    finally:
        store.close()
    assert [hits[0][0] for hits in first] == [r.id for r in extra]
    assert saved_degree(path) == 32


def replace_with_degree_16(path: Path, written: list[MemoryRecord]) -> None:
    """Put an M 16 graph of the same rows, in the same order, in place of the saved graph.

    That is the graph py-cml saved before new graphs got M 32.
    """
    [graph_file] = [p for p in graph_files(path) if p.suffix == ".faiss"]
    with np.load(graph_file.with_suffix(".npz")) as saved:
        ids = saved["id_lines"].tobytes().decode().split("\n")
    by_id = {r.id: np.asarray(r.embedding, np.float32) for r in written}
    Graph.build(np.stack([by_id[i] for i in ids]), degree=16).save(graph_file)


def test_a_graph_saved_with_a_lower_degree_is_rebuilt_while_it_answers(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    with_graph(open_store(path)).close()
    replace_with_degree_16(path, written)
    assert saved_degree(path) == 16
    probe = clustered(1, seed=21)[0]
    [new] = records("t", probe[None, :], start=50_000)
    victim = written[9]
    store = open_store(path)
    try:
        # The transaction holds the writer lock: the new graph cannot take over inside it.
        with store.transaction() as tx:
            hits = store.vector_search(MemoryFilter("t"), np.asarray(written[5].embedding), 1)
            assert hits[0][0] == written[5].id, "the old graph answers"
            assert recall_at_10(store, written, clustered(30, seed=22)) >= 0.97
            assert not store.wait_for_vector_graphs(timeout=0), "its replacement is being built"
            assert store.describe()["vector_graphs_building"] == 1, "/health shows the build"
            tx.insert([new])
            tx.set_status("t", [victim.id], "deleted", T0)
        assert store.vector_search(MemoryFilter("t"), probe, 1)[0][0] == new.id
        assert store.wait_for_vector_graphs(timeout=300)
        assert store.describe()["vector_graphs_building"] == 0
        # The new graph holds what was committed while it was being built.
        assert store.vector_search(MemoryFilter("t"), probe, 1)[0][0] == new.id
        near_victim = store.vector_search(MemoryFilter("t"), np.asarray(victim.embedding), 10)
        assert victim.id not in dict(near_victim)
    finally:
        store.close()
    assert saved_degree(path) == 32  # saved, and the old files removed (one graph file)
    assert len(graph_files(path)) == 2
    store = open_store(path)
    try:
        assert store.vector_search(MemoryFilter("t"), probe, 1)[0][0] == new.id
        assert store.wait_for_vector_graphs(timeout=0), "the new graph is loaded, not rebuilt"
    finally:
        store.close()


CRASHING_UPGRADE = """
import os, sys
import numpy as np
from cml.storage.sqlite import SQLiteStore
from cml.storage import MemoryFilter

store = SQLiteStore(sys.argv[1], vector_graph_from=400)
store.vector_search(MemoryFilter("t"), np.load(sys.argv[2]), 1)  # the rebuild starts
os._exit(0)  # dies without waiting for it or closing
"""


def test_a_crash_during_the_rebuild_leaves_a_store_that_answers(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    with_graph(open_store(path)).close()
    replace_with_degree_16(path, written)
    query = np.asarray(written[5].embedding, np.float32)
    np.save(tmp_path / "v.npy", query)
    subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(CRASHING_UPGRADE),
            str(path),
            str(tmp_path / "v.npy"),
        ],
        check=True,
    )
    # What a crash while saving a new graph leaves: a partial file under an unrecorded token.
    directory = path.with_name(path.name + ".vectors")
    stem = graph_files(path)[0].name.split(".")[0]
    (directory / f"{stem}.{'0' * 32}.faiss.partial").write_bytes(b"cut short")
    store = open_store(path)
    try:
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == written[5].id
        assert store.wait_for_vector_graphs(timeout=300)
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == written[5].id
    finally:
        store.close()
    assert saved_degree(path) == 32
    assert len(graph_files(path)) == 2


def test_closing_during_the_rebuild_leaves_a_store_that_answers(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    with_graph(open_store(path)).close()
    replace_with_degree_16(path, written)
    query = np.asarray(written[5].embedding, np.float32)
    store = open_store(path)
    store.vector_search(MemoryFilter("t"), query, 1)  # the rebuild starts
    store.close()
    store = open_store(path)
    try:
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == written[5].id
        assert store.wait_for_vector_graphs(timeout=300)
    finally:
        store.close()
    assert saved_degree(path) == 32


def test_a_search_walks_deeper_as_the_graph_grows() -> None:
    assert search_depth(100_000, 40) == 160
    assert search_depth(320_000, 40) == 160
    assert search_depth(1_000_000, 40) == 500
    assert search_depth(1_000_000, 800) == 800


def test_a_shallow_search_for_near_duplicates_finds_the_stored_memory(tmp_path: Path) -> None:
    """A write's duplicate check (``near=True``) walks less deeply and still finds its twin."""
    path = tmp_path / "m.db"
    written = seeded(path)
    rng = np.random.default_rng(25)
    store = with_graph(open_store(path))
    try:
        for record in written[::60]:
            vector = np.asarray(record.embedding, np.float32)
            noise = rng.standard_normal(vector.shape).astype(np.float32)
            noise -= float(noise @ vector) * vector
            twin = 0.96 * vector + 0.28 * noise / np.linalg.norm(noise)  # cosine 0.96
            hits = store.vector_search(MemoryFilter("t"), twin, 5, near=True)
            assert hits[0][0] == record.id
            assert hits[0][1] >= 0.95
    finally:
        store.close()
