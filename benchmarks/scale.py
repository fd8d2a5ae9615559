"""How read latency and resident memory grow with the store: embedded and over HTTP.

For each size (default 1k, 10k, 100k memories in one tenant) the store is grown to that size
(synthetic memories embedded in batches and inserted through the storage layer, as in
``latency.py``), then measured twice, each time in a fresh process so that resident memory
belongs to that size alone:

- embedded: ``EmbeddedCognitiveMemoryLayer`` in a child process; reads with ``max_results=10``
  (query embedding included), then the child's RSS;
- HTTP: a real ``cml serve`` process on 127.0.0.1 (auth off), read through the sync client;
  the RSS is the server's.

Usage::

    python benchmarks/scale.py                         # 1k, 10k, 100k with MiniLM
    python benchmarks/scale.py --sizes 1000 10000 --reads 100
    python benchmarks/scale.py --embedder hash --sizes 1000   # plumbing only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _runtime import add_runtime_argument, apply_runtime, current_runtime

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency import NAMES, QUESTIONS, percentile, synthetic_texts


def grow(db_path: Path, start: int, end: int, embedder: str, tenant: str = "default") -> None:
    """Insert memories ``start..end-1`` of the synthetic sequence into the store."""
    from cml.engine import EngineConfig, open_engine
    from cml.storage.base import MemoryRecord
    from cml.storage.ids import new_id

    engine = open_engine(
        EngineConfig(
            database_url=f"sqlite:///{db_path}",
            embedding_provider=embedder,
            embedding_runtime=current_runtime(),
        )  # type: ignore[arg-type]
    )
    texts = synthetic_texts(end, seed=1)[start:]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    try:
        for offset in range(0, len(texts), 512):
            chunk = texts[offset : offset + 512]
            vectors = engine.embedder.embed(chunk)
            records = []
            for i, (text, vector) in enumerate(zip(chunk, vectors, strict=True)):
                n = start + offset + i
                when = base + timedelta(minutes=n)
                records.append(
                    MemoryRecord(
                        id=new_id(),
                        tenant_id=tenant,
                        content=text,
                        memory_type="episodic_event",
                        created_at=when,
                        updated_at=when,
                        embedding=vector,
                        content_hash=f"seed-{n}",
                    )
                )
            with engine.store.transaction() as tx:
                tx.insert(records)
            print(f"\rgrown to {start + offset + len(chunk):>7}", end="", file=sys.stderr)
        print(file=sys.stderr)
    finally:
        engine.close()


def queries(count: int) -> list[str]:
    """Reproducible questions about the synthetic memories."""
    rng = random.Random(3)
    return [rng.choice(QUESTIONS).format(name=rng.choice(NAMES)) for _ in range(count)]


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_reads(memory: object, reads: int) -> list[float]:
    """Seconds per read for ``reads`` questions (after one warm-up read)."""
    memory.read("warm up the index and the model")  # type: ignore[attr-defined]
    samples = []
    for query in queries(reads):
        started = time.perf_counter()
        memory.read(query, max_results=10)  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - started)
    return samples


def embedded_child(db_path: Path, embedder: str, reads: int) -> None:
    """Measure embedded reads in this (fresh) process; print one JSON line."""
    from cml import EmbeddedCognitiveMemoryLayer

    with EmbeddedCognitiveMemoryLayer(db_path, embedding_provider=embedder) as memory:  # type: ignore[arg-type]
        samples = time_reads(memory, reads)
        print(json.dumps({"samples": samples, "rss_mb": rss_mb(os.getpid())}))


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure_http(db_path: Path, embedder: str, reads: int) -> dict[str, object]:
    """Start ``cml serve`` on the store, time reads through the sync client, read its RSS."""
    from cml import CognitiveMemoryLayer

    port = free_port()
    env = {
        **os.environ,
        "CML_DATABASE_URL": f"sqlite:///{db_path}",
        "CML_DATA_DIR": str(db_path.parent),
        "CML_EMBEDDING_PROVIDER": embedder,
        "CML_AUTH_ENABLED": "false",
        "CML_LOG_LEVEL": "warning",
    }
    cml = Path(sys.executable).with_name("cml")
    server = subprocess.Popen(
        [str(cml), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        with CognitiveMemoryLayer(base_url=f"http://127.0.0.1:{port}", timeout=60) as memory:
            deadline = time.monotonic() + 120
            while True:
                try:
                    memory.health()
                    break
                except Exception:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.5)
            samples = time_reads(memory, reads)
        return {"samples": samples, "rss_mb": rss_mb(server.pid)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure_embedded(db_path: Path, embedder: str, reads: int) -> dict[str, object]:
    """Run :func:`embedded_child` in a fresh interpreter and return what it printed."""
    command = [sys.executable, __file__, "--child", str(db_path), "--embedder", embedder]
    out = subprocess.run(
        [*command, "--reads", str(reads)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def row(size: int, mode: str, result: dict[str, object]) -> str:
    """One line of the growth table."""
    ms = [s * 1000 for s in result["samples"]]  # type: ignore[attr-defined]
    return (
        f"{size:>8}  {mode:<9}{percentile(ms, 50):9.1f}{percentile(ms, 95):9.1f}"
        f"{result['rss_mb']:10.0f}"
    )


def main() -> None:
    """Grow the store size by size; measure embedded and HTTP at each; print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    add_runtime_argument(parser)
    parser.add_argument("--no-http", action="store_true", help="embedded only")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    runtime = apply_runtime(args)
    if args.child is not None:
        embedded_child(args.child, args.embedder, args.reads)
        return

    lines = [f"{'memories':>8}  {'mode':<9}{'p50 ms':>9}{'p95 ms':>9}{'RSS MiB':>10}"]
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "cml.db"
        have = 0
        for size in sorted(args.sizes):
            grow(db_path, have, size, args.embedder)
            have = size
            lines.append(
                row(size, "embedded", measure_embedded(db_path, args.embedder, args.reads))
            )
            print(lines[-1], file=sys.stderr)
            if not args.no_http:
                lines.append(row(size, "http", measure_http(db_path, args.embedder, args.reads)))
                print(lines[-1], file=sys.stderr)
    print(f"embedder={args.embedder} ({runtime}), reads per cell={args.reads}, max_results=10")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
