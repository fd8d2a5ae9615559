"""A large tenant's vector graph in a real SQLite file: recall against an exact scan, changes,
filters, tenants, saving beside the database and recovering after a crash.

The stores here switch to the graph above 400 memories (``vector_graph_from``) so that a few
thousand clustered vectors exercise it in seconds. A graph is built in the background: a test
about the graph first waits for it (:func:`with_graph`).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from cml.storage import MemoryFilter
from cml.storage.base import MemoryRecord
from cml.storage.sqlite import SQLiteStore

GRAPH_FROM = 400
DIMS = 48
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def clustered(count: int, seed: int) -> npt.NDArray[np.float32]:
    """Unit vectors around 40 topics (nearest neighbours are not trivially separated)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, DIMS))
    vectors = centres[rng.integers(40, size=count)] + 0.7 * rng.standard_normal((count, DIMS))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def records(tenant: str, vectors: npt.NDArray[np.float32], start: int = 0) -> list[MemoryRecord]:
    """One memory per vector; every 50th in namespace ``rare``, sessions ``s0``..``s9``."""
    out = []
    for i, vector in enumerate(vectors, start):
        when = T0 + timedelta(minutes=i)
        out.append(
            MemoryRecord(
                id=f"{tenant}-{i:06d}",
                tenant_id=tenant,
                content=f"memory {i}",
                memory_type="episodic_event",
                created_at=when,
                updated_at=when,
                namespace="rare" if i % 50 == 0 else "common",
                session_id=f"s{i % 10}",
                embedding=vector,
                stored_at=when,
            )
        )
    return out


def open_store(path: Path) -> SQLiteStore:
    return SQLiteStore(path, vector_graph_from=GRAPH_FROM)


def seeded(path: Path, count: int = 3_000, tenant: str = "t") -> list[MemoryRecord]:
    """Write ``count`` memories into a closed store at ``path``; return them."""
    written = records(tenant, clustered(count, seed=1))
    store = open_store(path)
    with store.transaction() as tx:
        tx.insert(written)
    store.close()
    return written


def exact(
    written: list[MemoryRecord], query: npt.NDArray[np.float32], k: int, keep: object = None
) -> list[str]:
    """The brute-force top k among ``written`` (those ``keep`` admits, when given)."""
    admitted = [r for r in written if keep is None or keep(r)]  # type: ignore[operator]
    matrix = np.stack([np.asarray(r.embedding, np.float32) for r in admitted])
    order = np.argsort(-(matrix @ query), kind="stable")[:k]
    return [admitted[i].id for i in order]


def with_graph(store: SQLiteStore, tenant: str = "t") -> SQLiteStore:
    """``store`` once a first search has loaded the tenant and its graph is built."""
    store.vector_search(MemoryFilter(tenant), clustered(1, seed=99)[0], 1)
    assert store.wait_for_vector_graphs(timeout=300)
    return store


def graph_files(path: Path) -> list[Path]:
    return sorted(path.with_name(path.name + ".vectors").glob("*"))


def top_10_after_reopening(path: Path, query: npt.NDArray[np.float32]) -> list[tuple[str, float]]:
    """``query``'s top 10 in the store at ``path`` opened afresh, which writes no graph file."""
    saved = {p.name: p.stat().st_mtime_ns for p in graph_files(path)}
    store = open_store(path)
    try:
        hits = store.vector_search(MemoryFilter("t"), query, 10)
    finally:
        store.close()
    assert {p.name: p.stat().st_mtime_ns for p in graph_files(path)} == saved
    return hits


def test_graph_search_finds_the_exact_top_10_and_scores_exactly(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    queries = clustered(30, seed=2)
    store = with_graph(open_store(path))
    try:
        found = [store.vector_search(MemoryFilter("t"), q, 10) for q in queries]
    finally:
        store.close()
    by_id = {r.id: np.asarray(r.embedding, np.float32) for r in written}
    overlap = 0
    for query, hits in zip(queries, found, strict=True):
        assert len(hits) == 10
        for memory_id, score in hits:
            assert score == pytest.approx(float(by_id[memory_id] @ query), abs=1e-5)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
        overlap += len({m for m, _ in hits} & set(exact(written, query, 10)))
    assert overlap / (10 * len(queries)) >= 0.97
    assert graph_files(path), "the graph is saved beside the database"


def test_narrow_filters_still_fill_the_top_k(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    query = clustered(1, seed=3)[0]
    store = with_graph(open_store(path))
    try:
        rare = store.vector_search(MemoryFilter("t", namespace="rare"), query, 10)
        session = store.vector_search(MemoryFilter("t", session_id="s3"), query, 10)
        early = store.vector_search(MemoryFilter("t", as_of=T0 + timedelta(minutes=99)), query, 5)
    finally:
        store.close()
    # 60 and 100 admitted rows: scanned directly, so exactly the brute-force answer.
    assert [m for m, _ in rare] == exact(written, query, 10, lambda r: r.namespace == "rare")
    assert [m for m, _ in early] == exact(written[:100], query, 5)
    # 300 admitted rows: the graph walk skips the others, and still fills the top 10.
    in_session = exact(written, query, 10, lambda r: r.session_id == "s3")
    assert len(session) == 10
    assert all(
        memory_id in {r.id for r in written if r.session_id == "s3"} for memory_id, _ in session
    )
    assert len({m for m, _ in session} & set(in_session)) >= 9


def test_writes_deletes_and_supersession_reach_the_graph(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    store = with_graph(open_store(path))
    try:
        probe = clustered(1, seed=4)[0]
        [new] = records("t", probe[None, :], start=10_000)
        with store.transaction() as tx:
            tx.insert([new])
        assert store.vector_search(MemoryFilter("t"), probe, 1)[0][0] == new.id

        top = store.vector_search(MemoryFilter("t"), np.asarray(written[7].embedding), 1)
        assert top[0][0] == written[7].id
        with store.transaction() as tx:
            tx.set_status("t", [written[7].id], "deleted", T0)
            tx.hard_delete("t", [new.id])
        assert written[7].id not in dict(
            store.vector_search(MemoryFilter("t"), np.asarray(written[7].embedding), 10)
        )
        assert new.id not in dict(store.vector_search(MemoryFilter("t"), probe, 10))

        # Supersession: the old memory retires, its successor has a new vector.
        old = written[8]
        moved = clustered(1, seed=5)[0]
        retired = replace(old, superseded_at=T0 + timedelta(days=30), superseded_by="t-new")
        successor = replace(old, id="t-new", embedding=moved, created_at=T0 + timedelta(days=30))
        with store.transaction() as tx:
            tx.update(retired)
            tx.insert([successor])
        now = MemoryFilter("t", as_of=T0 + timedelta(days=31))
        assert store.vector_search(now, moved, 1)[0][0] == "t-new"
        assert old.id not in dict(store.vector_search(now, np.asarray(old.embedding), 10))
        then = MemoryFilter("t", as_of=T0 + timedelta(days=29))
        assert store.vector_search(then, np.asarray(old.embedding), 1)[0][0] == old.id
    finally:
        store.close()


def test_reopening_loads_the_saved_graph_instead_of_rebuilding(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    query = clustered(1, seed=6)[0]
    store = with_graph(open_store(path))
    before = store.vector_search(MemoryFilter("t"), query, 10)
    store.close()
    # Nothing changed, so nothing is rebuilt or written again.
    assert top_10_after_reopening(path, query) == before
    assert len(written) == 3_000


CRASHING_WRITER = """
import os, sys
import numpy as np
from datetime import UTC, datetime
from cml.storage.base import MemoryRecord
from cml.storage.sqlite import SQLiteStore
from cml.storage import MemoryFilter

store = SQLiteStore(sys.argv[1], vector_graph_from=400)
vector = np.load(sys.argv[2])
store.vector_search(MemoryFilter("t"), vector, 1)  # the saved graph is loaded
when = datetime(2026, 1, 1, tzinfo=UTC)
with store.transaction() as tx:
    tx.insert([MemoryRecord(id="after-crash", tenant_id="t", content="x",
        memory_type="episodic_event", created_at=when, updated_at=when, embedding=vector)])
    tx.hard_delete("t", [sys.argv[3]])
os._exit(0)  # dies without closing: the graph file does not hold these changes
"""


def test_changes_committed_after_the_last_save_survive_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    with_graph(open_store(path)).close()  # the graph is saved
    saved = {p.name for p in graph_files(path)}
    vector = clustered(1, seed=8)[0]
    np.save(tmp_path / "v.npy", vector)
    victim = written[11]
    script = textwrap.dedent(CRASHING_WRITER)
    subprocess.run(
        [sys.executable, "-c", script, str(path), str(tmp_path / "v.npy"), victim.id], check=True
    )
    assert {p.name for p in graph_files(path)} == saved

    store = open_store(path)
    try:
        assert store.vector_search(MemoryFilter("t"), vector, 1)[0][0] == "after-crash"
        hits = store.vector_search(MemoryFilter("t"), np.asarray(victim.embedding), 10)
        assert victim.id not in dict(hits)
    finally:
        store.close()


def test_a_stale_graph_file_is_rebuilt_from_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    seeded(path)
    with_graph(open_store(path)).close()
    old = {p.name: p.read_bytes() for p in graph_files(path)}
    # Many more memories, saved under a new token; then the old files are put back beside the
    # newer database (a restore of the directory alone, or a copy of it from elsewhere).
    extra = records("t", clustered(100, seed=10), start=20_000)
    store = open_store(path)
    with store.transaction() as tx:
        tx.insert(extra)
    with_graph(store).close()
    for p in graph_files(path):
        p.unlink()
    for name, data in old.items():
        (path.with_name(path.name + ".vectors") / name).write_bytes(data)

    store = open_store(path)
    try:
        hit = store.vector_search(MemoryFilter("t"), np.asarray(extra[42].embedding), 1)
    finally:
        store.close()
    assert hit[0][0] == extra[42].id


def test_tenants_never_see_each_others_memories(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    vectors = clustered(1_000, seed=11)
    store = open_store(path)
    try:
        with store.transaction() as tx:
            tx.insert(records("a", vectors))
            tx.insert(records("b", vectors))  # the very same vectors
        for query in vectors[:20]:
            for tenant in ("a", "b"):
                hits = store.vector_search(MemoryFilter(tenant), query, 10)
                assert len(hits) == 10
                assert all(memory_id.startswith(f"{tenant}-") for memory_id, _ in hits)
    finally:
        store.close()


def test_a_graph_that_cannot_be_saved_still_answers(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    blocker = path.with_name(path.name + ".vectors")
    blocker.write_text("not a directory")  # saving the graph fails
    store = with_graph(open_store(path))
    query = np.asarray(written[5].embedding)
    try:
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == written[5].id
    finally:
        store.close()  # does not raise
    blocker.unlink()
    store = with_graph(open_store(path))
    try:
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == written[5].id
    finally:
        store.close()
    assert graph_files(path)


def test_reads_and_writes_go_on_while_the_graph_is_built(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path, count=20_000)
    queries = clustered(5, seed=12)
    store = open_store(path)
    try:
        # The first read is answered exactly, without waiting for the graph.
        for query in queries:
            hits = store.vector_search(MemoryFilter("t"), query, 10)
            assert [m for m, _ in hits] == exact(written, query, 10)
        assert not store.wait_for_vector_graphs(timeout=0), "the graph is still being built"
        # Writes commit meanwhile, and reads see them at once.
        probe = clustered(1, seed=13)[0]
        [new] = records("t", probe[None, :], start=50_000)
        victim = written[7]
        with store.transaction() as tx:
            tx.insert([new])
            tx.set_status("t", [victim.id], "deleted", T0)
        assert not store.wait_for_vector_graphs(timeout=0), "the write did not wait for it"
        assert store.vector_search(MemoryFilter("t"), probe, 1)[0][0] == new.id
        # Once built, the graph holds what was committed while it was being built.
        assert store.wait_for_vector_graphs(timeout=300)
        assert store.vector_search(MemoryFilter("t"), probe, 1)[0][0] == new.id
        near_victim = store.vector_search(MemoryFilter("t"), np.asarray(victim.embedding), 10)
        assert victim.id not in dict(near_victim)
    finally:
        store.close()
    assert graph_files(path), "the built graph is saved"
    store = open_store(path)
    try:
        assert store.vector_search(MemoryFilter("t"), probe, 1)[0][0] == new.id
        assert store.wait_for_vector_graphs(timeout=0), "the saved graph is loaded, not rebuilt"
    finally:
        store.close()


def test_closing_during_a_build_throws_it_away(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path, count=20_000)
    store = open_store(path)
    store.vector_search(MemoryFilter("t"), clustered(1, seed=14)[0], 1)
    store.close()  # does not wait for the build, which then stops
    store = open_store(path)
    try:
        query = np.asarray(written[3].embedding)
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == written[3].id
        assert store.wait_for_vector_graphs(timeout=300)
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == written[3].id
    finally:
        store.close()


def test_a_bulk_append_serves_like_row_by_row_appends(tmp_path: Path) -> None:
    extra = records("t", clustered(600, seed=15), start=30_000)
    queries = [np.asarray(r.embedding) for r in extra[::20]] + list(clustered(20, seed=16))
    found = []
    for name, batches in (("rows", [[r] for r in extra]), ("bulk", [extra])):
        path = tmp_path / f"{name}.db"
        written = seeded(path)
        store = with_graph(open_store(path))
        try:
            for batch in batches:
                with store.transaction() as tx:
                    tx.insert(batch)
            found.append(
                [[m for m, _ in store.vector_search(MemoryFilter("t"), q, 10)] for q in queries]
            )
        finally:
            store.close()
    everything = written + extra
    for rows, bulk, query in zip(*found, queries, strict=True):
        truth = exact(everything, query, 10)
        assert len(set(rows) & set(truth)) >= 9
        assert len(set(bulk) & set(truth)) >= 9
    assert [hits[0] for hits in found[0][:30]] == [r.id for r in extra[::20]]
    assert [hits[0] for hits in found[1][:30]] == [r.id for r in extra[::20]]


def test_a_long_change_log_is_not_replayed_inside_a_read(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    seeded(path)
    with_graph(open_store(path)).close()  # saved with 3,000 rows
    extra = records("t", clustered(11_000, seed=17), start=40_000)
    store = open_store(path)  # the tenant is not loaded: the rows go to the change log only
    with store.transaction() as tx:
        tx.insert(extra)
    store.close()
    store = open_store(path)
    try:
        query = np.asarray(extra[123].embedding)
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == extra[123].id
        assert not store.wait_for_vector_graphs(timeout=0), "the graph is built in the background"
        assert store.wait_for_vector_graphs(timeout=300)
        assert store.vector_search(MemoryFilter("t"), query, 1)[0][0] == extra[123].id
    finally:
        store.close()


def test_a_graph_saved_with_removed_memories_reopens_without_them(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    written = seeded(path)
    store = with_graph(open_store(path))
    gone = [r.id for r in written[100:120]]
    with store.transaction() as tx:
        tx.hard_delete("t", gone)
    store.close()  # saved with 20 dead rows
    saved = {p.name: p.stat().st_mtime_ns for p in graph_files(path)}

    store = open_store(path)
    try:
        for record in written[95:125]:
            hits = store.vector_search(MemoryFilter("t"), np.asarray(record.embedding), 5)
            if record.id in gone:
                assert record.id not in dict(hits)
            else:
                assert hits[0][0] == record.id
    finally:
        store.close()
    assert {p.name: p.stat().st_mtime_ns for p in graph_files(path)} == saved


def test_a_graph_saved_with_ids_as_a_string_array_still_loads(tmp_path: Path) -> None:
    """Graph files written before ids were saved as lines are loaded, not rebuilt."""
    path = tmp_path / "m.db"
    seeded(path)
    query = clustered(1, seed=12)[0]
    store = with_graph(open_store(path))
    before = store.vector_search(MemoryFilter("t"), query, 10)
    store.close()
    [rest] = [p for p in graph_files(path) if p.suffix == ".npz"]
    with np.load(rest) as old:
        arrays = {name: old[name] for name in old.files if name != "id_lines"}
        ids = old["id_lines"].tobytes().decode().split("\n")
    with rest.open("wb") as out:
        np.savez(out, ids=np.array(ids, dtype=np.str_), **arrays)
    assert top_10_after_reopening(path, query) == before


def test_near_duplicate_searches_follow_every_change_to_the_rows_they_admit(
    tmp_path: Path,
) -> None:
    # A write's searches (the near-duplicate check, and the supersession check at full depth)
    # keep the rows their filter admits from one search to the next; the same filter with a
    # bound that admits everything (``since``) is evaluated afresh.
    path = tmp_path / "near.db"
    written = seeded(path)
    extra = records("t", clustered(40, seed=21), start=40_000)
    store = with_graph(open_store(path))
    filters = [
        MemoryFilter(
            "t", namespace="common", memory_types=["episodic_event"], statuses=("active",)
        ),
        MemoryFilter("t", namespace="rare", statuses=("active",), session_id="s0"),
    ]

    def both(query: npt.NDArray[np.float32]) -> None:
        for filt in filters:
            kept = store.vector_search(filt, query, 5, near=True)
            fresh = store.vector_search(
                replace(filt, since=T0 - timedelta(days=1)), query, 5, near=True
            )
            assert kept == fresh
        superseding = MemoryFilter("t", namespace="common", statuses=("active",))
        kept = store.vector_search(superseding, query, 8, write=True)
        fresh = store.vector_search(replace(superseding, since=T0 - timedelta(days=1)), query, 8)
        assert kept == fresh

    try:
        queries = [np.asarray(r.embedding, np.float32) for r in written[:3]] + [
            np.asarray(r.embedding, np.float32) for r in extra[:3]
        ]
        for query in queries:
            both(query)
        with store.transaction() as tx:  # new rows, one of them in the rare namespace
            tx.insert(extra[:20])
        for query in queries:
            both(query)
        with store.transaction() as tx:  # retire two, move one to another type, reembed one
            tx.set_status("t", [written[0].id, extra[0].id], "superseded", T0)
            tx.update(replace(written[1], memory_type="semantic_fact"))
            tx.update(replace(written[2], embedding=np.asarray(extra[30].embedding)))
            tx.insert(extra[20:30])
        for query in queries:
            both(query)
        hits = store.vector_search(filters[0], np.asarray(written[0].embedding), 5, near=True)
        assert written[0].id not in {m for m, _ in hits}
        with store.transaction() as tx:
            tx.hard_delete("t", [extra[1].id, written[50].id])
        for query in [*queries, np.asarray(written[50].embedding, np.float32)]:
            both(query)
        hits = store.vector_search(filters[1], np.asarray(written[50].embedding), 5, near=True)
        assert written[50].id not in {m for m, _ in hits}
    finally:
        store.close()
