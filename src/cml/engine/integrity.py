"""The store's full integrity check, on demand and on a schedule, and its last result.

One check runs at a time per engine: a second request while one runs is refused with
``409 job_running`` rather than reading the whole store twice at once. A check that finds damage
leaves the store refusing every read and write (see the storage protocol's
``check_integrity``), so the damage is reported as what it is and never as a transient outage.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from cml.engine.jobs import JobRunningError
from cml.errors import DatabaseDamagedError
from cml.models import IntegrityReport
from cml.storage.base import MemoryStore

__all__ = ["IntegrityMonitor"]


class IntegrityMonitor:
    """Runs the store's full integrity check and remembers the last report.

    Args:
        store: The store to check.

    Attributes:
        last: The report of the last check that ran, ``None`` before the first.
    """

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._running = threading.Lock()
        self.last: IntegrityReport | None = None

    def check(self, trigger: str = "api") -> IntegrityReport:
        """Read the whole store and check its structure (seconds per GB; reads go on meanwhile).

        Args:
            trigger: Who asked (``api``, ``scheduler``, ``cli``), recorded in the report.

        Returns:
            The report; ``status`` ``damaged`` names the problems and how to recover.

        Raises:
            JobRunningError: A check is already running in this process.
            UnavailableError: The database cannot be read (this is not damage).
        """
        if not self._running.acquire(blocking=False):
            raise JobRunningError(
                "An integrity check is already running.",
                hint="Wait for it to finish; GET /api/v1/admin/components shows the last result.",
            )
        try:
            started = time.perf_counter()
            checked_at = datetime.now(UTC)
            findings = self._store.check_integrity()
            hint = None
            if findings.problems:
                try:
                    self._store.ping()
                except DatabaseDamagedError as exc:  # the backend's own words on recovery
                    hint = exc.hint
            report = IntegrityReport(
                status="damaged" if findings.problems else "intact",
                backend=self._store.backend,
                trigger=trigger,
                checked_at=checked_at,
                elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
                checks=list(findings.checks),
                problems=list(findings.problems),
                not_checked=list(findings.not_checked),
                hint=hint,
            )
            self.last = report
            return report
        finally:
            self._running.release()
