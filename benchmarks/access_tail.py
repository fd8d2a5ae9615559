"""The access-count write of each read in ``scale.py``'s measuring loop, timed apart.

Runs the loop of ``benchmarks/scale.py --child`` (200 reads, then the writes) on a store in place
with :meth:`cml.storage.sql.store.SQLStore.record_access` wrapped by a timer, and prints the
loop's JSON line followed by one line about the access-count writes of the reads: wall p50/p95
and maximum, how many took more than 2 ms of wall, CPU p50/p95. The wall time of that write is
where a read waits for the disk (a WAL write, or a checkpoint on ``main`` before decision 82).

Usage (on a copy: the loop writes)::

    cp -r /tmp/scale-q /tmp/rt-q
    python benchmarks/access_tail.py sqlite:////tmp/rt-q/scale.db /tmp/rt-q/truth.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import scale
from latency import percentile

from cml.storage.sql.store import SQLStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL of the store (a copy: the loop writes)")
    parser.add_argument("truth", type=Path, help="scale.py's truth.json for the store")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()

    timings: list[tuple[float, float]] = []
    record_access = SQLStore.record_access

    def timed(self: Any, *a: Any, **k: Any) -> None:
        t, c = time.perf_counter(), time.process_time()
        record_access(self, *a, **k)
        timings.append(((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000))

    SQLStore.record_access = timed  # type: ignore[method-assign]
    scale.child(args.url, args.reads, args.writes, args.truth, None, [])
    reads = timings[: args.reads + 1]  # the opening read and the loop's reads
    wall, cpu = [w for w, _ in reads], [c for _, c in reads]
    summary = {
        "access_writes": len(reads),
        "wall_p50": percentile(wall, 50),
        "wall_p95": percentile(wall, 95),
        "wall_max": max(wall),
        "over_2ms": sum(w > 2 for w in wall),
        "cpu_p50": percentile(cpu, 50),
        "cpu_p95": percentile(cpu, 95),
    }
    print(json.dumps({k: round(v, 2) for k, v in summary.items()}))


if __name__ == "__main__":
    main()
