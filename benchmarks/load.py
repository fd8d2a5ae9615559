"""Load run on loopback: concurrent writers and readers of several tenants against one server.

Starts a real ``cml serve`` on 127.0.0.1, creates one API key per tenant, then runs writers and
readers concurrently (asyncio, one SDK async client per tenant, retries on; every write carries
the idempotency key the SDK generates). Afterwards it lists every memory of every tenant with
``iter_memories`` and checks that:

- every acknowledged write is stored exactly once (matched by the unique marker in its metadata),
  and no write that failed is stored more than once;
- no read ever returned a memory of another tenant (readers also search with words that occur
  only in other tenants' memories, to tempt a leak);
- no tenant's listing holds another tenant's memory.

It prints, per operation: calls, HTTP requests, errors, 429 answers retried, throughput and
p50/p95/p99 latency as the caller sees it (retries and ``Retry-After`` waits included).

By default two scenarios run, each against a fresh server: ``open`` (no rate limit: latency and
throughput) and ``limited`` (a small per-key limit, so that 429s happen and are retried).

Usage::

    python benchmarks/load.py                          # hash embedder, both scenarios (~1 min)
    python benchmarks/load.py --embedder local         # real MiniLM embeddings
    python benchmarks/load.py --scenario limited --rate-limit 10 --burst 5
    python benchmarks/load.py --writers 8 --readers 8 --ops 100 --tenants 3

The functions are also used by ``tests/reliability/test_load.py`` on a smaller plan.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import cml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ADMIN_KEY = "load-admin-key"
OPERATIONS = ("write", "read")

# Contents are random phrases over this vocabulary: far enough apart that no write is taken for
# a near-duplicate of another (which would store it once for two markers), without digits that
# the PII redaction could take for a phone number.
_VOCABULARY = (
    "apple harbor violet canyon lantern meadow orbit pepper quartz river saddle thunder "
    "umbrella velvet walnut yarrow zenith amber basil cedar dune ember fjord glacier hazel "
    "indigo juniper kettle lagoon maple nectar olive pebble quill raven sierra tulip "
    "willow acorn bramble cobalt dahlia elm fennel garnet heron iris jasper kelp lilac "
    "mango nutmeg onyx poppy quince rosemary sage thistle urchin vanilla wren yew zinnia "
    "anchor beacon compass drift estuary ferry gale hull island jetty keel lighthouse "
    "mast narrows oar pier quay reef sail tide voyage wharf bakery cellar dormer eave "
    "foyer gable hearth larder mantel nook parlor rafter scullery turret veranda "
    "banjo cello drum fiddle guitar harp lute mandolin oboe piano sitar trumpet viola"
)
_WORDS = _VOCABULARY.split()
_TENANT_WORDS = ("zorvex", "quibble", "xanthor", "plimsoll", "grommet", "wobbegong")


@dataclass(frozen=True)
class LoadPlan:
    """How much load to generate.

    Attributes:
        tenants: Number of tenants, each with its own API key (at most 6).
        writers: Concurrent writers, spread over the tenants round-robin.
        readers: Concurrent readers, spread over the tenants round-robin.
        ops: Operations per writer and per reader.
        max_retries: The SDK's ``max_retries`` for the load clients.
        max_seconds: No operation starts after this many seconds (the run is bounded in time).
        seed: Seed of the random phrases and queries.
    """

    tenants: int = 3
    writers: int = 6
    readers: int = 6
    ops: int = 100
    max_retries: int = 10
    max_seconds: float = 120.0
    seed: int = 8

    def tenant_ids(self) -> list[str]:
        """The tenants of the run."""
        if not 1 <= self.tenants <= len(_TENANT_WORDS):
            raise ValueError(f"tenants must be 1-{len(_TENANT_WORDS)}, got {self.tenants}")
        return [f"load-{_TENANT_WORDS[i]}" for i in range(self.tenants)]


@dataclass
class OpStats:
    """What one kind of operation did during a run."""

    calls: int = 0
    errors: int = 0
    requests: int = 0
    rate_limited: int = 0
    final_rate_limited: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def retried_429(self) -> int:
        """429 answers that the SDK retried (not those that ended a call as an error)."""
        return self.rate_limited - self.final_rate_limited


@dataclass
class LoadResult:
    """The outcome of :func:`run_load`, before verification.

    Attributes:
        stats: Per operation (``write``, ``read``).
        seconds: Wall time of the run.
        acknowledged: Per tenant, marker -> memory id of every write that returned success.
        failed: Per tenant, markers of writes that raised (stored at most once, maybe not).
        read_ids: Per reading tenant, every memory id its reads returned.
        foreign_reads: Descriptions of read results that belonged to another tenant.
        error_samples: A few error messages, for the report.
        cut_short: Whether the time bound stopped the run before every operation was done.
    """

    stats: dict[str, OpStats]
    seconds: float = 0.0
    acknowledged: dict[str, dict[str, str]] = field(default_factory=dict)
    failed: dict[str, set[str]] = field(default_factory=dict)
    read_ids: dict[str, set[str]] = field(default_factory=dict)
    foreign_reads: list[str] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    cut_short: bool = False


@dataclass
class Verification:
    """What the store holds after a run, compared with what was acknowledged.

    Attributes:
        stored: Memories of this run found, per tenant.
        missing: Acknowledged writes not stored (tenant:marker).
        duplicated: Markers stored more than once (tenant:marker x count).
        wrong_id: Acknowledged writes stored under another id than the one returned.
        misplaced: Memories listed under a tenant that wrote none of them.
        foreign_reads: Read results of another tenant (from the run).
    """

    stored: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    wrong_id: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)
    foreign_reads: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Exactly once, and nothing crossed a tenant boundary."""
        return not (
            self.missing or self.duplicated or self.wrong_id or self.misplaced or self.foreign_reads
        )


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(
    data_dir: Path, *, embedder: str = "hash", rate_limit: float = 0.0, burst: int = 10
) -> dict[str, str]:
    """The environment of the load server: admin bootstrap key, embedder, rate limit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    env.update(
        CML_DATA_DIR=str(data_dir),
        CML_EMBEDDING_PROVIDER=embedder,
        CML_ADMIN_API_KEY=ADMIN_KEY,
        CML_RATE_LIMIT_PER_SECOND=str(rate_limit),
        CML_RATE_LIMIT_BURST=str(burst),
        CML_LOG_LEVEL="warning",
    )
    return env


@contextmanager
def serve(env: dict[str, str], log_path: Path, *, startup_seconds: float = 120.0) -> Iterator[str]:
    """Run ``cml serve`` on a free loopback port; yields its base URL (without ``/api/v1``).

    Output goes to ``log_path`` (a pipe nobody reads would fill up and stall the server).
    """
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cml", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_seconds
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"cml serve exited with {process.returncode}:\n{log_path.read_text()}"
                    )
                try:
                    if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cml serve did not answer within {startup_seconds} s")
                time.sleep(0.1)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def create_tenant_keys(base_url: str, tenants: list[str]) -> dict[str, str]:
    """One read/write API key per tenant, created with the admin bootstrap key."""
    async with cml.AsyncCognitiveMemoryLayer(
        admin_api_key=ADMIN_KEY, base_url=base_url, max_retries=10
    ) as admin:
        keys = {}
        for tenant in tenants:
            created = await admin.create_api_key(tenant, scopes=["read", "write"], name="load")
            keys[tenant] = created.key
        return keys


# ---------------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------------


def _operation(path: str) -> str | None:
    for name in OPERATIONS:
        if path.endswith(f"/memory/{name}"):
            return name
    return None


def _counting_client(stats: dict[str, OpStats]) -> httpx.AsyncClient:
    """An httpx client that counts every HTTP attempt (retries included) and every 429."""

    async def on_response(response: httpx.Response) -> None:
        name = _operation(response.request.url.path)
        if name is None:
            return
        stats[name].requests += 1
        if response.status_code == 429:
            stats[name].rate_limited += 1

    return httpx.AsyncClient(timeout=30.0, event_hooks={"response": [on_response]})


def _phrase(rng: random.Random, tenant_word: str) -> str:
    words = rng.sample(_WORDS, 9)
    return f"The {tenant_word} note mentions {' '.join(words)}"


def _record_error(result: LoadResult, stats: OpStats, exc: cml.CMLError) -> None:
    stats.errors += 1
    if isinstance(exc, cml.RateLimitError):
        stats.final_rate_limited += 1
    if len(result.error_samples) < 5:
        result.error_samples.append(f"{type(exc).__name__}: {exc}")


async def _writer(
    client: cml.AsyncCognitiveMemoryLayer,
    tenant: str,
    number: int,
    plan: LoadPlan,
    run_id: str,
    result: LoadResult,
    deadline: float,
) -> None:
    rng = random.Random(f"{plan.seed}-w{number}")
    tenant_word = _TENANT_WORDS[plan.tenant_ids().index(tenant)]
    stats = result.stats["write"]
    for i in range(plan.ops):
        if time.monotonic() > deadline:
            result.cut_short = True
            return
        marker = f"{run_id}:{tenant}:w{number}:{i}"
        started = time.perf_counter()
        try:
            written = await client.write(
                _phrase(rng, tenant_word), metadata={"load_marker": marker, "load_tenant": tenant}
            )
        except cml.CMLError as exc:
            _record_error(result, stats, exc)
            result.failed[tenant].add(marker)
            continue
        finally:
            stats.calls += 1
            stats.latencies.append(time.perf_counter() - started)
        if written.memory_id is None or written.deduplicated:
            # Not a new memory: it cannot be counted as stored once, so it is a failure here.
            result.failed[tenant].add(marker)
            if len(result.error_samples) < 5:
                result.error_samples.append(f"write {marker} not stored as new: {written!r}")
            stats.errors += 1
            continue
        result.acknowledged[tenant][marker] = written.memory_id


async def _reader(
    client: cml.AsyncCognitiveMemoryLayer,
    tenant: str,
    number: int,
    plan: LoadPlan,
    result: LoadResult,
    deadline: float,
) -> None:
    rng = random.Random(f"{plan.seed}-r{number}")
    tenants = plan.tenant_ids()
    stats = result.stats["read"]
    for _ in range(plan.ops):
        if time.monotonic() > deadline:
            result.cut_short = True
            return
        # Every other query names another tenant's own word: only that tenant's memories hold
        # it, so a leak would rank them first.
        other = rng.choice(tenants)
        query = f"{_TENANT_WORDS[tenants.index(other)]} {' '.join(rng.sample(_WORDS, 3))}"
        started = time.perf_counter()
        try:
            found = await client.read(query, max_results=10, format="list")
        except cml.CMLError as exc:
            _record_error(result, stats, exc)
            continue
        finally:
            stats.calls += 1
            stats.latencies.append(time.perf_counter() - started)
        for item in found.memories:
            result.read_ids[tenant].add(item.id)
            owner = item.metadata.get("load_tenant")
            if owner != tenant:
                result.foreign_reads.append(f"{tenant} read {item.id} of {owner!r}")


async def run_load(base_url: str, keys: dict[str, str], plan: LoadPlan) -> LoadResult:
    """Run the writers and readers of ``plan`` concurrently against the server at ``base_url``.

    Args:
        base_url: The server, e.g. ``http://127.0.0.1:8000``.
        keys: Tenant -> API key with read and write scopes (from :func:`create_tenant_keys`).
        plan: How much load.

    Returns:
        Counts, latencies, and what each tenant wrote and read.
    """
    tenants = plan.tenant_ids()
    result = LoadResult(stats={name: OpStats() for name in OPERATIONS})
    for tenant in tenants:
        result.acknowledged[tenant] = {}
        result.failed[tenant] = set()
        result.read_ids[tenant] = set()
    run_id = f"r{random.Random(plan.seed).getrandbits(32):x}{os.getpid():x}"
    http = _counting_client(result.stats)
    clients = {
        tenant: cml.AsyncCognitiveMemoryLayer(
            keys[tenant], base_url=base_url, max_retries=plan.max_retries, http_client=http
        )
        for tenant in tenants
    }
    started = time.monotonic()
    deadline = started + plan.max_seconds
    try:
        tasks = [
            _writer(clients[tenants[n % len(tenants)]], tenants[n % len(tenants)], n, plan,
                    run_id, result, deadline)
            for n in range(plan.writers)
        ] + [
            _reader(clients[tenants[n % len(tenants)]], tenants[n % len(tenants)], n, plan,
                    result, deadline)
            for n in range(plan.readers)
        ]  # fmt: skip
        await asyncio.gather(*tasks)
    finally:
        result.seconds = time.monotonic() - started
        for client in clients.values():
            await client.close()
        await http.aclose()
    return result


async def verify(base_url: str, result: LoadResult) -> Verification:
    """List every memory of every tenant (admin key) and compare with ``result``.

    Args:
        base_url: The server the load ran against.
        result: What :func:`run_load` saw.

    Returns:
        The findings; ``ok`` when every acknowledged write is stored exactly once and nothing
        crossed a tenant boundary.
    """
    found = Verification(foreign_reads=list(result.foreign_reads))
    owner_of: dict[str, str] = {}
    for tenant, acknowledged in result.acknowledged.items():
        for memory_id in acknowledged.values():
            owner_of[memory_id] = tenant
    for tenant in result.acknowledged:
        async with cml.AsyncCognitiveMemoryLayer(
            admin_api_key=ADMIN_KEY, base_url=base_url, tenant_id=tenant, max_retries=10
        ) as admin:
            markers: Counter[str] = Counter()
            ids: dict[str, str] = {}
            async for item in admin.iter_memories(status="all", batch_size=500):
                marker = item.metadata.get("load_marker")
                if item.metadata.get("load_tenant") != tenant or not isinstance(marker, str):
                    found.misplaced.append(f"{tenant} lists {item.id}")
                    continue
                markers[marker] += 1
                ids[marker] = item.id
        found.stored[tenant] = sum(markers.values())
        for marker, memory_id in result.acknowledged[tenant].items():
            if markers[marker] == 0:
                found.missing.append(f"{tenant}:{marker}")
            elif ids[marker] != memory_id:
                found.wrong_id.append(f"{tenant}:{marker}")
        found.duplicated += [f"{tenant}:{m} x{n}" for m, n in markers.items() if n > 1]
        # Reads checked by id too, in case a leaked memory carried a forged tenant label.
        for memory_id in result.read_ids[tenant]:
            owner = owner_of.get(memory_id, tenant)
            if owner != tenant:
                found.foreign_reads.append(f"{tenant} read {memory_id} of {owner}")
    return found


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0-1) of ``values`` by the nearest-rank method; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def format_table(result: LoadResult) -> str:
    """The per-operation table: calls, requests, errors, 429s retried, throughput, latency."""
    head = (
        f"{'operation':<10}{'calls':>7}{'requests':>10}{'errors':>8}{'429 retried':>13}"
        f"{'calls/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    lines = [head, "-" * len(head)]
    everything = OpStats()
    for name, stats in [*result.stats.items(), ("total", everything)]:
        if name != "total":
            everything.calls += stats.calls
            everything.requests += stats.requests
            everything.errors += stats.errors
            everything.rate_limited += stats.rate_limited
            everything.final_rate_limited += stats.final_rate_limited
            everything.latencies += stats.latencies
        rate = stats.calls / result.seconds if result.seconds else 0.0
        p50, p95, p99 = (1000 * percentile(stats.latencies, q) for q in (0.50, 0.95, 0.99))
        lines.append(
            f"{name:<10}{stats.calls:>7}{stats.requests:>10}{stats.errors:>8}"
            f"{stats.retried_429:>13}{rate:>9.1f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}"
        )
    return "\n".join(lines)


def format_verification(found: Verification, result: LoadResult) -> str:
    """One paragraph: acknowledged vs stored per tenant, and every problem found."""
    acknowledged = sum(len(a) for a in result.acknowledged.values())
    failed = sum(len(f) for f in result.failed.values())
    lines = [
        f"acknowledged writes {acknowledged}, failed writes {failed}, stored "
        + ", ".join(f"{t} {n}" for t, n in found.stored.items()),
        f"exactly once: {'NO' if found.missing or found.duplicated or found.wrong_id else 'yes'}"
        f" (missing {len(found.missing)}, duplicated {len(found.duplicated)}, "
        f"wrong id {len(found.wrong_id)})",
        f"tenant isolation: {'yes' if not (found.misplaced or found.foreign_reads) else 'NO'} "
        f"(foreign read results {len(found.foreign_reads)}, misplaced {len(found.misplaced)}; "
        f"read results checked {sum(len(r) for r in result.read_ids.values())} distinct ids)",
    ]
    problems = found.missing + found.duplicated + found.wrong_id + found.misplaced
    problems += found.foreign_reads
    lines += [f"  ! {problem}" for problem in problems[:20]]
    lines += [f"  error: {sample}" for sample in result.error_samples]
    if result.cut_short:
        lines.append("  (stopped by --max-seconds before every operation ran)")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


async def _scenario(base_url: str, plan: LoadPlan) -> tuple[LoadResult, Verification]:
    keys = await create_tenant_keys(base_url, plan.tenant_ids())
    result = await run_load(base_url, keys, plan)
    return result, await verify(base_url, result)


def main() -> int:
    """Run the scenarios and print their tables; exit status 1 if a check failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", choices=["hash", "local"], default="hash")
    parser.add_argument("--scenario", choices=["both", "open", "limited"], default="both")
    parser.add_argument("--rate-limit", type=float, default=20.0, help="limited: per key, /s")
    parser.add_argument("--burst", type=int, default=10, help="limited: bucket size per key")
    parser.add_argument("--tenants", type=int, default=LoadPlan.tenants)
    parser.add_argument("--writers", type=int, default=LoadPlan.writers)
    parser.add_argument("--readers", type=int, default=LoadPlan.readers)
    parser.add_argument("--ops", type=int, default=LoadPlan.ops, help="per writer and reader")
    parser.add_argument("--max-retries", type=int, default=LoadPlan.max_retries)
    parser.add_argument("--max-seconds", type=float, default=LoadPlan.max_seconds)
    args = parser.parse_args()
    plan = LoadPlan(
        tenants=args.tenants,
        writers=args.writers,
        readers=args.readers,
        ops=args.ops,
        max_retries=args.max_retries,
        max_seconds=args.max_seconds,
    )
    scenarios = {"open": (0.0, args.burst), "limited": (args.rate_limit, args.burst)}
    chosen = list(scenarios) if args.scenario == "both" else [args.scenario]
    load = os.getloadavg()
    print(
        f"load run: embedder={args.embedder}, {plan.tenants} tenants, {plan.writers} writers + "
        f"{plan.readers} readers x {plan.ops} ops, SDK max_retries={plan.max_retries}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs"
    )
    all_ok = True
    for name in chosen:
        rate, burst = scenarios[name]
        limit = f"{rate:g}/s per key, burst {burst}" if rate > 0 else "off"
        with tempfile.TemporaryDirectory(prefix="cml-load-") as tmp:
            env = server_env(
                Path(tmp) / "data", embedder=args.embedder, rate_limit=rate, burst=burst
            )
            with serve(env, Path(tmp) / "server.log") as base_url:
                result, found = asyncio.run(_scenario(base_url, plan))
        print(f"\n[{name}] rate limit {limit}; {result.seconds:.1f} s")
        print(format_table(result))
        print(format_verification(found, result))
        all_ok = all_ok and found.ok
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
