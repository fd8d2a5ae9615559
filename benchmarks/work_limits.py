"""Limit and deadline trials: four heavy ``batch_read``s from one key against a real server.

Builds a store of ``--memories`` memories (hash embeddings), then, for each scenario, starts
``cml serve`` on it and sends, at the same moment, four ``batch_read``s of 100 queries of 4,000
characters with one key, while a second key sends short reads one after the other. It prints,
per scenario, what each heavy request got (status, code, seconds), how long the server was busy
with them, and the latency of the light reads meanwhile.

Scenarios: ``off`` (no rate limit, no cap, no deadline: the behaviour the limits replace),
``on`` (the defaults: work-based rate limit, 2 batches per key, a 30 s deadline) and ``cap`` (the
defaults without the rate limit, to see the concurrency cap and the deadline at work).

Usage::

    python benchmarks/work_limits.py --memories 2000
    python benchmarks/work_limits.py --scenario cap --deadline 10
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

HEAVY_KEY = "bench-heavy-key-0123456789"
LIGHT_KEY = "bench-light-key-0123456789"
WORDS = ["harbour", "lantern", "orchard", "quarry", "saddle", "thimble", "violin", "walrus"]


def _text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(f"{rng.choice(WORDS)}{rng.randrange(1000)}")
    return " ".join(words)[:chars]


def build(directory: Path, memories: int) -> None:
    """A store of ``memories`` memories of ~600 characters in ``directory``."""
    from cml.engine import open_engine
    from cml.engine.config import EngineConfig
    from cml.models import BatchWriteItem, BatchWriteRequest

    url = f"sqlite:///{directory / 'cml.db'}"
    engine = open_engine(EngineConfig(database_url=url, embedding_provider="hash"))
    rng = random.Random(18)
    for start in range(0, memories, 500):
        count = min(500, memories - start)
        items = [BatchWriteItem(content=_text(rng, 600)) for _ in range(count)]
        engine.memories.write_batch("default", BatchWriteRequest(items=items))
    engine.close()


@contextmanager
def serve(data_dir: Path, extra: dict[str, str]) -> Iterator[str]:
    """``cml serve`` on a free loopback port; yields its ``/api/v1`` URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(
        CML_DATA_DIR=str(data_dir),
        CML_EMBEDDING_PROVIDER="hash",
        CML_API_KEY=HEAVY_KEY,
        CML_ADMIN_API_KEY=LIGHT_KEY,  # the second key: its own bucket and batch slots
        CML_LOG_LEVEL="warning",
        CML_INTEGRITY_CHECK_INTERVAL_SECONDS="0",
        **extra,
    )
    command = [sys.executable, "-m", "cml", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def run(url: str, seed: int) -> dict[str, Any]:
    """Four heavy batch reads at once with one key, short reads with another meanwhile."""
    rng = random.Random(seed)
    bodies = [
        {"queries": [{"query": _text(rng, 4000), "format": "list"} for _ in range(100)]}
        for _ in range(4)
    ]
    barrier = threading.Barrier(5)
    heavy: list[tuple[int, str, float]] = []
    done = threading.Event()
    light: list[float] = []
    light_errors: list[int] = []

    def send(body: dict[str, Any]) -> None:
        with httpx.Client(base_url=url, timeout=900) as http:
            barrier.wait()
            started = time.monotonic()
            answer = http.post("/memory/batch_read", json=body, headers={"X-API-Key": HEAVY_KEY})
            code = answer.json().get("error", {}).get("code", "") if answer.is_error else ""
            heavy.append((answer.status_code, code, time.monotonic() - started))

    def short_reads() -> None:
        with httpx.Client(base_url=url, timeout=900) as http:
            barrier.wait()
            while not done.is_set():
                started = time.monotonic()
                answer = http.post(
                    "/memory/read",
                    json={"query": "violin lantern", "format": "list"},
                    headers={"X-API-Key": LIGHT_KEY},
                )
                light.append(time.monotonic() - started)
                if answer.status_code != 200:
                    light_errors.append(answer.status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    reader = threading.Thread(target=short_reads)
    for thread in [*threads, reader]:
        thread.start()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    busy = time.monotonic() - started
    done.set()
    reader.join()
    return {"heavy": heavy, "busy": busy, "light": light, "light_errors": light_errors}


SCENARIOS = {
    "off": {
        "CML_RATE_LIMIT_PER_SECOND": "0",
        "CML_MAX_CONCURRENT_BATCHES_PER_KEY": "0",
        "CML_REQUEST_DEADLINE_SECONDS": "0",
    },
    "on": {},
    "cap": {"CML_RATE_LIMIT_PER_SECOND": "0"},
}


def main() -> None:
    """Build the store, run the scenarios, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--memories", type=int, default=2000)
    parser.add_argument("--scenario", choices=["off", "on", "cap", "all"], default="all")
    parser.add_argument("--deadline", type=float, help="CML_REQUEST_DEADLINE_SECONDS (not `off`)")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        build(data_dir, args.memories)
        print(f"{args.memories} memories; 4 x batch_read of 100 queries x 4,000 chars, one key")
        for name in names:
            extra = dict(SCENARIOS[name])
            if name != "off" and args.deadline is not None:
                extra["CML_REQUEST_DEADLINE_SECONDS"] = f"{args.deadline:g}"
            with serve(data_dir, extra) as url:
                result = run(url, args.seed)
            heavy = sorted(result["heavy"], key=lambda item: item[2])
            shown = ", ".join(f"{s} {c or 'ok'} {t:.1f}s" for s, c, t in heavy)
            light = result["light"]
            p50 = statistics.median(light) if light else float("nan")
            p95 = sorted(light)[int(len(light) * 0.95)] if light else float("nan")
            print(
                f"[{name}] heavy: {shown}; server busy {result['busy']:.1f} s; light reads of "
                f"another key meanwhile: {len(light)}, p50 {p50 * 1000:.0f} ms, p95 "
                f"{p95 * 1000:.0f} ms, errors {len(result['light_errors'])}"
            )


if __name__ == "__main__":
    main()
