"""batch_write vs single writes, embedded and over HTTP, against the embedder's own throughput.

For the same texts (synthetic conversational sentences, or LoCoMo turns with ``--data``), in one
run, this measures:

- ``embedder``: the embedding model alone, ``embed(texts)`` in its own batches: the ceiling;
- ``embedded write``: one ``write`` per text through the embedded sync client;
- ``embedded batch_write``: one ``batch_write(texts)`` (the client sends chunks of 500);
- the same two over HTTP, against a real ``cml serve`` process on loopback.

Single writes and batch writes go to different tenants of one store (switched with
``set_tenant``), so neither deduplicates against the other's memories.

Usage::

    python benchmarks/batch_write.py                      # 1,000 texts, local MiniLM
    python benchmarks/batch_write.py --data ../shared/data/locomo-dev.json
    python benchmarks/batch_write.py --embedder hash      # plumbing only, no model
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _runtime import add_runtime_argument, apply_runtime, current_runtime
from latency import synthetic_texts

from cml.engine.config import EmbeddingProvider

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ADMIN_KEY = "bench-admin-key"

Row = tuple[float, int]
"""Seconds taken and memories stored."""


def locomo_turns(path: Path, count: int) -> list[str]:
    """The first ``count`` distinct dialogue turns of a LoCoMo JSON file, as "Speaker: text"."""
    turns: list[str] = []
    for sample in json.loads(path.read_text(encoding="utf-8")):
        conversation = sample["conversation"]
        sessions = sorted(
            (k for k in conversation if k.startswith("session_") and k[8:].isdigit()),
            key=lambda k: int(k[8:]),
        )
        for session in sessions:
            for turn in conversation[session]:
                text = f"{turn['speaker']}: {turn['text']}"
                if text not in turns:
                    turns.append(text)
                if len(turns) == count:
                    return turns
    return turns


def timed(action: Callable[[], object], label: str = "") -> float:
    """Seconds ``action`` takes (printed as it finishes when ``label`` is given)."""
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    if label:
        print(f"  {label}: {seconds:.2f} s", flush=True)
    return seconds


def measure_embedder(texts: list[str], provider: EmbeddingProvider) -> float:
    """Seconds the embedder alone takes for ``texts`` (after a warm-up)."""
    from cml.engine import EngineConfig
    from cml.engine.embedder import make_embedder

    embedder = make_embedder(
        EngineConfig(embedding_provider=provider, embedding_runtime=current_runtime())
    )
    # In a worker thread, as the server and the embedded client run the engine: PyTorch's
    # CPU throughput differs between the main thread and others, so measure like for like.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            pool.submit(embedder.embed, ["warm up the model"]).result()
            return timed(lambda: pool.submit(embedder.embed, texts).result(), "embedder alone")
        finally:
            embedder.close()


def measure_client(memory: object, texts: list[str]) -> tuple[Row, Row]:
    """Single writes, then one batch write, through one sync client, in two tenants.

    Returns:
        ``(seconds, memories stored)`` of each; near-duplicates are merged by the server, the
        same way in both, so "stored" may be below the number of texts.
    """
    from cml import CognitiveMemoryLayer

    assert isinstance(memory, CognitiveMemoryLayer)
    memory.set_tenant("single")
    memory.write("warm up the model and the store")
    single = timed(lambda: [memory.write(text) for text in texts], "write x N")
    single_stored = memory.stats().total_memories - 1
    memory.set_tenant("batch")
    memory.write("warm up the model and the store")
    batch = timed(lambda: memory.batch_write([{"content": text} for text in texts]), "batch_write")
    batch_stored = memory.stats().total_memories - 1
    return (single, single_stored), (batch, batch_stored)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def measure_http(texts: list[str], provider: str, data_dir: Path) -> tuple[Row, Row]:
    """(single writes, batch write) seconds over HTTP against a real ``cml serve``."""
    from cml import CognitiveMemoryLayer

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(
        CML_DATA_DIR=str(data_dir),
        CML_EMBEDDING_PROVIDER=provider,
        CML_EMBEDDING_RUNTIME=current_runtime(),
        CML_RATE_LIMIT_PER_SECOND="0",  # measure the server, not the limiter
        CML_ADMIN_API_KEY=ADMIN_KEY,
        CML_LOG_LEVEL="warning",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "cml", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("cml serve did not start")
            time.sleep(0.2)
        with CognitiveMemoryLayer(api_key=ADMIN_KEY, base_url=url, timeout=300) as memory:
            return measure_client(memory, texts)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    """Parse arguments, measure, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000, help="memories per measurement")
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    add_runtime_argument(parser)
    parser.add_argument("--data", type=Path, help="a LoCoMo JSON file to take turns from")
    parser.add_argument("--no-http", action="store_true", help="skip the cml serve runs")
    args = parser.parse_args()
    runtime = apply_runtime(args)

    texts = locomo_turns(args.data, args.count) if args.data else synthetic_texts(args.count, 7)
    source = f"LoCoMo turns from {args.data}" if args.data else "synthetic sentences"
    print(f"{len(texts)} {source}, embedder={args.embedder} ({runtime}), {os.cpu_count()} CPUs")

    from cml import EmbeddedCognitiveMemoryLayer

    first = measure_embedder(texts, args.embedder)
    rows: list[tuple[str, Row]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "embedded.db"
        with EmbeddedCognitiveMemoryLayer(db, embedding_provider=args.embedder) as memory:
            single, batch = measure_client(memory, texts)
        rows += [("embedded write x N", single), ("embedded batch_write", batch)]
        if not args.no_http:
            single, batch = measure_http(texts, args.embedder, Path(tmp) / "server")
            rows += [("HTTP write x N", single), ("HTTP batch_write", batch)]

    # Measured again at the end: on a shared machine the faster run is the fairer ceiling.
    embedder = min(first, measure_embedder(texts, args.embedder))
    rows.insert(0, ("embedder alone", (embedder, len(texts))))
    ceiling = len(texts) / embedder
    print(
        f"\n{'mode':<22} {'seconds':>8} {'texts/s':>9} {'of embedder':>12} {'vs single':>10}"
        f" {'stored':>7}"
    )
    singles = {name.split()[0]: s for name, (s, _) in rows if name.endswith("x N")}
    for name, (seconds, stored) in rows:
        rate = len(texts) / seconds
        share = f"{100 * rate / ceiling:.0f} %"
        speedup = ""
        if name.endswith("batch_write"):
            speedup = f"{singles[name.split()[0]] / seconds:.1f} x"
        print(f"{name:<22} {seconds:>8.2f} {rate:>9.1f} {share:>12} {speedup:>10} {stored:>7}")


if __name__ == "__main__":
    main()
