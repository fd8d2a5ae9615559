"""Background jobs: consolidation and forgetting for every tenant, and the store's integrity check.

Consolidation and forgetting are off by default. ``CML_CONSOLIDATION_INTERVAL_SECONDS`` /
``CML_FORGETTING_INTERVAL_SECONDS`` turn each job on; every interval the scheduler walks the
tenants and runs the job for each one. The full integrity check of the store runs once a day by
default (``CML_INTEGRITY_CHECK_INTERVAL_SECONDS``, 0 = off), once for the whole store.
Each run takes the tenant's job lease first (see :mod:`cml.engine.jobs`), so with several
replicas, or a run triggered through the API at the same moment, a tenant's job runs in one
place and the others skip it. Background forgetting only plans (a dry run, logged) unless
``CML_FORGETTING_BACKGROUND_APPLY`` is on: deleting data unattended is an explicit decision.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cml.engine import Engine
from cml.engine.jobs import JobRunningError
from cml.engine.probes import span
from cml.models import IntegrityReport

__all__ = ["JobState", "Scheduler", "scheduler_health"]

logger = logging.getLogger(__name__)


@dataclass
class JobState:
    """What the scheduler knows about one job."""

    interval: float
    runs: int = 0
    skipped: int = 0
    failures: int = 0
    last_run: datetime | None = None
    last_error: str | None = None
    next_due: float = field(default=0.0)


class Scheduler:
    """Runs consolidation and forgetting for every tenant at fixed intervals.

    Args:
        engine: The engine to run the jobs on.
        consolidation_interval: Seconds between consolidation rounds; ``None``/0 = off.
        forgetting_interval: Seconds between forgetting rounds; ``None``/0 = off.
        forgetting_apply: Apply forgetting plans (otherwise dry runs).
        integrity_interval: Seconds between full integrity checks of the store; ``None``/0 = off.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        consolidation_interval: float | None,
        forgetting_interval: float | None,
        forgetting_apply: bool = False,
        integrity_interval: float | None = None,
    ) -> None:
        self._engine = engine
        self.forgetting_apply = forgetting_apply
        self.jobs: dict[str, JobState] = {}
        if consolidation_interval:
            self.jobs["consolidate"] = JobState(consolidation_interval)
        if forgetting_interval:
            self.jobs["forget"] = JobState(forgetting_interval)
        if integrity_interval:
            self.jobs["integrity"] = JobState(integrity_interval)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_tick: float | None = None

    @property
    def enabled(self) -> bool:
        """Whether any job is scheduled."""
        return bool(self.jobs)

    @property
    def alive(self) -> bool:
        """Whether the scheduler thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (the first round runs after one interval)."""
        if not self.enabled or self.alive:
            return
        now = time.monotonic()
        for state in self.jobs.values():
            state.next_due = now + state.interval
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cml-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for the current run to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_due(self) -> None:
        """Run every job whose time has come (one round over all tenants each)."""
        now = time.monotonic()
        self.last_tick = now
        for name, state in self.jobs.items():
            if now >= state.next_due and not self._stop.is_set():
                self.run_job(name)
                state.next_due = time.monotonic() + state.interval

    def run_job(self, name: str) -> None:
        """Run one job for every tenant (a tenant whose lease is taken is skipped), or the check."""
        state = self.jobs[name]
        if name == "integrity":
            self._check_integrity(state)
            return
        for tenant in self._engine.admin.list_tenants():
            if self._stop.is_set():
                return
            tenant_id = tenant.tenant_id
            try:
                with span("job", job=name, tenant=tenant_id):
                    if name == "consolidate":
                        self._engine.admin.consolidate(tenant_id, trigger="scheduler")
                    else:
                        report = self._engine.admin.run_forgetting(
                            tenant_id, dry_run=not self.forgetting_apply, trigger="scheduler"
                        )
                        logger.info("forgetting %s: %s", tenant_id, report.actions)
                state.runs += 1
            except JobRunningError:
                state.skipped += 1
            except Exception as exc:  # one tenant's failure must not stop the others
                state.failures += 1
                state.last_error = f"{type(exc).__name__}: {exc}"[:300]
                logger.exception("background %s failed for tenant %s", name, tenant_id)
        state.last_run = datetime.now(UTC)

    def _check_integrity(self, state: JobState) -> None:
        try:
            with span("job", job="integrity"):
                report = self._engine.integrity.check(trigger="scheduler")
            state.runs += 1
        except JobRunningError:
            state.skipped += 1
        except Exception as exc:  # e.g. the database unreachable: report, keep the thread
            state.failures += 1
            state.last_error = f"{type(exc).__name__}: {exc}"[:300]
            logger.exception("background integrity check failed")
        else:
            if report.status == "damaged":
                state.failures += 1
                state.last_error = "the store is damaged: " + "; ".join(report.problems[:3])
                logger.error("integrity check: the store is damaged: %s", report.problems)
        state.last_run = datetime.now(UTC)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # e.g. the store closed under us; keep the thread alive
                logger.exception("scheduler round failed")
            due = min(state.next_due for state in self.jobs.values())
            self._stop.wait(max(0.05, min(1.0, due - time.monotonic())))


def scheduler_health(
    scheduler: Scheduler | None, integrity: IntegrityReport | None = None
) -> dict[str, Any]:
    """The ``scheduler`` entry of component health, with the last integrity check's result."""
    started = time.perf_counter()
    if scheduler is None or not scheduler.enabled:
        return {
            "status": "disabled",
            "latency_ms": None,
            "details": {"reason": "no background job configured", **_last(integrity)},
            "error": None,
        }
    jobs = {
        name: {
            "interval_seconds": state.interval,
            "runs": state.runs,
            "skipped_busy": state.skipped,
            "failures": state.failures,
            "last_run": state.last_run.isoformat() if state.last_run else None,
            "last_error": state.last_error,
        }
        for name, state in scheduler.jobs.items()
    }
    alive = scheduler.alive
    return {
        "status": "healthy" if alive else "unhealthy",
        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        "details": {
            "jobs": jobs,
            "forgetting_applies": scheduler.forgetting_apply,
            **_last(integrity),
        },
        "error": None if alive else "the scheduler thread is not running",
    }


def _last(integrity: IntegrityReport | None) -> dict[str, Any]:
    if integrity is None:
        return {"last_integrity_check": None}
    return {"last_integrity_check": integrity.model_dump(mode="json")}
