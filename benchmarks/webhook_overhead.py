"""What webhooks cost a write: single-write latency with 0, 1 and 10 subscribed webhooks.

The outbox row of each matching webhook is written in the write's own transaction; sending
happens later, in the server's sender thread. So a write with webhooks should cost about the
same as one without, whatever the receivers do. This measures the engine's ``write`` on a SQLite
file (hash embedder by default, so the store is what is measured), with the receivers'
URLs pointing at a closed loopback port and no sender running: only the write path is timed.

Usage::

    python benchmarks/webhook_overhead.py --writes 300
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from cml.engine.config import EmbeddingProvider

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _measure(webhooks: int, writes: int, provider: EmbeddingProvider) -> tuple[float, float]:
    from cml.engine import open_engine
    from cml.engine.config import EngineConfig
    from cml.engine.webhooks import WebhookService
    from cml.models import CreateWebhookRequest, WriteRequest

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'cml.db'}"
        with open_engine(EngineConfig(database_url=url, embedding_provider=provider)) as engine:
            service = WebhookService(engine.store, allow_private=True)
            for number in range(webhooks):
                service.create("acme", CreateWebhookRequest(url=f"http://127.0.0.1:9/hook{number}"))
            timings = []
            for number in range(writes):
                request = WriteRequest(content=f"Note {number}: the shop opens at {number % 12} am")
                started = time.perf_counter()
                engine.memories.write("acme", request)
                timings.append(time.perf_counter() - started)
    timings.sort()
    return statistics.median(timings) * 1000, timings[int(len(timings) * 0.95)] * 1000


def main() -> None:
    """Print p50/p95 write latency per webhook count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--embedder", default="hash", choices=["hash", "local"])
    args = parser.parse_args()
    print(f"{'webhooks':>8}  {'p50 ms':>8}  {'p95 ms':>8}")
    for count in (0, 1, 10):
        p50, p95 = _measure(count, args.writes, args.embedder)
        print(f"{count:>8}  {p50:>8.2f}  {p95:>8.2f}")


if __name__ == "__main__":
    main()
