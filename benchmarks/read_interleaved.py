"""Two versions of py-cml reading the same store, read by read: CPU per read and same rankings.

On a shared machine a read's CPU time moves with the load by up to half between two runs, so a
before/after figure from two runs minutes apart says little. Here each version runs in a process
of its own (``PYTHONPATH`` at its ``src``) on its own copy of one store, and the driver sends
both the same question, one read at a time, alternating which goes first: both see the same
minutes of load. Every question is new (the prefixed questions of ``read_profile.py``), so
every read embeds its query. Each worker reports the read's CPU time (``time.process_time``,
every thread of the process) and wall time, and its ranking (ids and relevance), which the
driver compares: a change meant to save time must leave every ranking as it was.

Usage::

    cp -r /path/to/100k-store /tmp/a; cp -r /path/to/100k-store /tmp/b
    python benchmarks/read_interleaved.py --reads 400 \\
        --before /work/main/src /tmp/a/scale.db --after src /tmp/b/scale.db
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _interleave import alternate, start
from latency import NAMES, QUESTIONS, percentile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TENANT = "default"
PREFIXES = ["", "Remind me: ", "Tell me, ", "Quick question: ", "Do you know: ", "Say, "]


def question(i: int) -> str:
    """The ``i``-th question: one of ``latency.py``'s, with a name and a prefix."""
    prefix = PREFIXES[(i // len(QUESTIONS)) % len(PREFIXES)]
    return prefix + QUESTIONS[i % len(QUESTIONS)].format(name=NAMES[(i // 7) % len(NAMES)])


def worker(store: str) -> None:
    """Open an engine on ``store``; answer each question index read from stdin with a JSON line."""
    from cml.engine import EngineConfig, open_engine
    from cml.models import ReadRequest

    engine = open_engine(EngineConfig(database_url=f"sqlite:///{store}"))
    try:
        engine.memories.read(TENANT, ReadRequest(query="a first read to warm up", max_results=10))
        print("ready", flush=True)
        for line in sys.stdin:
            request = ReadRequest(query=question(int(line)), max_results=10)
            cpu, wall = time.process_time(), time.perf_counter()
            response = engine.memories.read(TENANT, request)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            ranking = [(m.id, m.relevance) for m in response.memories]
            print(json.dumps([cpu * 1000, wall * 1000, ranking]), flush=True)
    finally:
        engine.close()


def main() -> None:
    """Run both workers question by question and print each one's CPU and wall percentiles."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=400, help="questions (each one new)")
    parser.add_argument("--before", nargs=2, metavar=("SRC", "STORE"), help="first version")
    parser.add_argument("--after", nargs=2, metavar=("SRC", "STORE"), help="second version")
    parser.add_argument("--worker", metavar="STORE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if not args.before or not args.after:
        parser.error("--before and --after are both needed")
    workers = [start(__file__, src, "--worker", store) for src, store in (args.before, args.after)]
    cpu: list[list[float]] = [[], []]
    wall: list[list[float]] = [[], []]
    differing = 0
    load = os.getloadavg()[0]
    for answers in alternate(workers, args.reads):
        for k in (0, 1):
            cpu[k].append(float(answers[k][0]))
            wall[k].append(float(answers[k][1]))
        differing += answers[0][2] != answers[1][2]
    print(
        f"{args.reads} reads, each embedding its query; load average {load:.1f} -> "
        f"{os.getloadavg()[0]:.1f}; rankings that differ: {differing}"
    )
    print(f"{'version':<10}{'CPU p50':>9}{'CPU p95':>9}{'CPU mean':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for k, name in enumerate(["before", "after"]):
        print(
            f"{name:<10}{percentile(cpu[k], 50):9.2f}{percentile(cpu[k], 95):9.2f}"
            f"{sum(cpu[k]) / len(cpu[k]):9.2f}{percentile(wall[k], 50):9.2f}"
            f"{percentile(wall[k], 95):9.2f}"
        )


if __name__ == "__main__":
    main()
