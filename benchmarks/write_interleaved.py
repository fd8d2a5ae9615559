"""Two versions of py-cml writing to copies of one store, write by write: CPU and outcomes.

The write-side twin of ``read_interleaved.py``: each version runs in a process of its own
(``PYTHONPATH`` at its ``src``) on its own copy of one store, and the driver sends both the same
new text, one write at a time, alternating which goes first, so both see the same minutes of
load. Every text is new (the synthetic sentences of ``scale.py``'s writes, with a run id), so
every write embeds its content, searches for a near-duplicate and, when the text states a claim,
for memories it supersedes, and inserts. Each worker also embeds the write's own text alone just
before (``embed CPU``; the engine keeps no embedding of a written text, so the write embeds it
again), so that ``ratio`` is write CPU / the CPU of its own embedding (medians).
CPU is ``time.process_time`` (every thread of the process). The driver compares what the writes
did (deduplicated, type, how many memories each superseded): a change meant to save time must
leave every outcome as it was.

Usage::

    cp -r /path/to/100k-store /tmp/a; cp -r /path/to/100k-store /tmp/b
    python benchmarks/write_interleaved.py --writes 200 \\
        --before /work/main/src /tmp/a/scale.db --after src /tmp/b/scale.db
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _interleave import alternate, start
from latency import percentile, synthetic_texts

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TENANT = "default"


def worker(store: str, run: str, count: int) -> None:
    """Open an engine on ``store``; write the text of each index read from stdin, answer JSON."""
    from cml.engine import EngineConfig, open_engine
    from cml.models import ReadRequest, WriteRequest

    texts = synthetic_texts(count, seed=99)
    engine = open_engine(EngineConfig(database_url=f"sqlite:///{store}"))
    try:
        engine.memories.read(TENANT, ReadRequest(query="a first read to warm up", max_results=10))
        wait = getattr(engine.store, "wait_for_vector_graphs", None)
        if wait is not None:
            wait()
        print("ready", flush=True)
        for line in sys.stdin:
            i = int(line)
            content = f"new {run} {i}: {texts[i]}"
            cpu = time.process_time()
            engine.embedder.embed([content])
            embed = time.process_time() - cpu
            request = WriteRequest(content=content)
            cpu, wall = time.process_time(), time.perf_counter()
            response = engine.memories.write(TENANT, request)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            outcome = [response.deduplicated, response.memory_type, len(response.superseded)]
            print(json.dumps([cpu * 1000, wall * 1000, embed * 1000, outcome]), flush=True)
    finally:
        engine.close()


def main() -> None:
    """Run both workers write by write and print each one's CPU and wall percentiles."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=200, help="writes (each text new)")
    parser.add_argument("--before", nargs=2, metavar=("SRC", "STORE"), help="first version")
    parser.add_argument("--after", nargs=2, metavar=("SRC", "STORE"), help="second version")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        store, run, count = args.worker
        worker(store, run, int(count))
        return
    if not args.before or not args.after:
        parser.error("--before and --after are both needed")
    run = uuid.uuid4().hex[:8]
    workers = [
        start(__file__, src, "--worker", store, run, str(args.writes))
        for src, store in (args.before, args.after)
    ]
    cpu: list[list[float]] = [[], []]
    wall: list[list[float]] = [[], []]
    embed: list[list[float]] = [[], []]
    differing = 0
    load = os.getloadavg()[0]
    for answers in alternate(workers, args.writes):
        for k in (0, 1):
            cpu[k].append(float(answers[k][0]))
            wall[k].append(float(answers[k][1]))
            embed[k].append(float(answers[k][2]))
        differing += answers[0][3] != answers[1][3]
    print(
        f"{args.writes} writes, each embedding its content; load average {load:.1f} -> "
        f"{os.getloadavg()[0]:.1f}; outcomes that differ: {differing}"
    )
    print(
        f"{'version':<10}{'CPU p50':>9}{'CPU p95':>9}{'CPU mean':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'embed CPU':>10}{'ratio':>7}"
    )
    for k, name in enumerate(["before", "after"]):
        embedding = percentile(embed[k], 50)
        print(
            f"{name:<10}{percentile(cpu[k], 50):9.2f}{percentile(cpu[k], 95):9.2f}"
            f"{sum(cpu[k]) / len(cpu[k]):9.2f}{percentile(wall[k], 50):9.2f}"
            f"{percentile(wall[k], 95):9.2f}{embedding:10.2f}"
            f"{percentile(cpu[k], 50) / embedding:7.2f}"
        )


if __name__ == "__main__":
    main()
