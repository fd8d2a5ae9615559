"""The embedded client's in-process hop: a read (and a write) through the client against the engine.

Builds the embedded sync client the way ``EmbeddedCognitiveMemoryLayer`` does (``open_app``,
the in-process transport, the SDK client) and keeps its engine, then reads the same kind of
question both ways on that one engine, in alternating blocks, so that the difference is the
hop alone (the client, the app, the transport and their threads), not a colder engine or a
busier minute. Each call's CPU time counts every thread of the process; the CPU of each
thread over a phase (from ``/proc``, Linux) shows where the hop runs. ``--writes`` also times
single writes both ways (each text new, so none is a duplicate). ``--canned`` measures the hop
alone: the engine's read answers one stored 10-memory result at once (its client row is then the
hop, run hot; inside a real read the hop costs more, the engine having evicted it from the
caches).

``--store`` reads a copy of a seeded store (``read_profile.py``'s or ``scale.py``'s) with the
local model, every question new (its query embedded: the uncached read); without it a small
store is written with the hash embedder, where the engine's part is small and the hop stands
out.

Usage::

    python benchmarks/embedded_hop.py --store /tmp/scale-q/scale.db --reads 400
    python benchmarks/embedded_hop.py --reads 2000 --writes 400
    python benchmarks/embedded_hop.py --reads 3000 --canned
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import NAMES, QUESTIONS, percentile, synthetic_texts

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TENANT = "default"


def thread_cpu() -> dict[str, float]:
    """Seconds of CPU used so far by each thread of this process, by thread name."""
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        name = names.get(int(tid), "other (onnxruntime, SQLite)")
        used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return used


def main() -> None:
    """Read both ways in alternating blocks; print CPU per read and per thread."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--store", type=Path, default=None, help="a seeded store to copy")
    parser.add_argument("--reads", type=int, default=400, help="reads each way")
    parser.add_argument("--writes", type=int, default=0, help="single writes each way")
    parser.add_argument(
        "--canned", action="store_true", help="the engine's read answers a stored result"
    )
    parser.add_argument("--blocks", type=int, default=4, help="alternating blocks each way")
    args = parser.parse_args()

    from cml import CognitiveMemoryLayer
    from cml._embedded import embedded_config, in_process_transport_sync, open_app, release
    from cml.models import ReadRequest, WriteRequest

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "hop.db"
        if args.store is not None:
            shutil.copyfile(args.store, db)
            graph = args.store.with_name(args.store.name + ".vectors")
            if graph.is_dir():
                shutil.copytree(graph, db.with_name(db.name + ".vectors"))
        embedder = "local" if args.store is not None else "hash"
        engine, app = open_app(db, embedder, None, None)
        transport = in_process_transport_sync(app)
        client = CognitiveMemoryLayer(config=embedded_config(TENANT), transport=transport)
        try:
            if args.store is None:
                for i in range(50):
                    client.write(
                        f"Alice went hiking near the lake, trip {i}", session_id=f"s{i % 5}"
                    )
            counter = iter(range(10**9))

            def question() -> str:
                i = next(counter)
                text = QUESTIONS[i % len(QUESTIONS)].format(name=NAMES[(i // 6) % len(NAMES)])
                # A new question each time when the model embeds it (no query-cache hits).
                return f"({i}) {text}" if args.store is not None else text

            # Varied texts, each new; both ways draw from one sequence.
            written = iter(synthetic_texts(2 * (args.writes + 20), seed=7))

            def text() -> str:
                return next(written)

            if args.canned:
                answer = engine.memories.read(TENANT, ReadRequest(query=question(), max_results=10))
                # Measurement only: the route's engine call returns at once.
                engine.memories.read = lambda *_args, **_options: answer
            kinds: dict[str, dict[str, Callable[[], object]]] = {
                "read": {
                    "engine": lambda: engine.memories.read(
                        TENANT, ReadRequest(query=question(), max_results=10)
                    ),
                    "embedded client": lambda: client.read(question(), max_results=10),
                },
                "write": {
                    "engine": lambda: engine.memories.write(
                        TENANT, WriteRequest(content=text(), session_id="hop")
                    ),
                    "embedded client": lambda: client.write(text(), session_id="hop"),
                },
            }
            calls = {"read": args.reads, "write": args.writes}
            for kind, ways in kinds.items():
                if calls[kind]:
                    print(phase(kind, ways, calls[kind], args.blocks, embedder))
        finally:
            client.close()
            release(transport, engine)


def phase(
    kind: str, ways: dict[str, Callable[[], object]], calls: int, blocks: int, embedder: str
) -> str:
    """Call both ways in alternating blocks; the table of CPU and wall time per call."""
    for call in ways.values():  # warm both ways up
        for _ in range(20):
            call()
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    wall: dict[str, list[float]] = {name: [] for name in ways}
    threads: dict[str, dict[str, float]] = {name: {} for name in ways}
    per_block = max(1, calls // blocks)
    for _ in range(blocks):
        for name, call in ways.items():
            before = thread_cpu()
            for _ in range(per_block):
                started, clock = time.process_time(), time.perf_counter()
                call()
                cpu[name].append((time.process_time() - started) * 1000)
                wall[name].append((time.perf_counter() - clock) * 1000)
            for thread, seconds in thread_cpu().items():
                spent = seconds - before.get(thread, 0.0)
                threads[name][thread] = threads[name].get(thread, 0.0) + spent
    lines = [
        f"\n{embedder} embedder, {per_block * blocks} {kind}s each way",
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"{'ms per ' + kind:<18}{'CPU mean':>9}{'p50':>7}{'p95':>7}{'wall p50':>10}{'p95':>7}",
    ]
    for name, samples in cpu.items():
        mean = sum(samples) / len(samples)
        lines.append(
            f"{name:<18}{mean:9.2f}{percentile(samples, 50):7.2f}{percentile(samples, 95):7.2f}"
            f"{percentile(wall[name], 50):10.2f}{percentile(wall[name], 95):7.2f}"
        )
    means = {name: sum(samples) / len(samples) for name, samples in cpu.items()}
    medians = {name: percentile(samples, 50) for name, samples in wall.items()}
    lines.append(
        f"{'hop':<18}{means['embedded client'] - means['engine']:9.2f}{'':14}"
        f"{medians['embedded client'] - medians['engine']:10.2f}"
    )
    for name, used in threads.items():
        shares = ", ".join(
            f"{thread} {seconds * 1000 / len(cpu[name]):.2f}"
            for thread, seconds in sorted(used.items(), key=lambda item: -item[1])
            if seconds > 0
        )
        lines.append(f"{name} CPU ms per {kind} by thread: {shares}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
