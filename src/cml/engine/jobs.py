"""Background-job exclusion: a tenant's consolidation or forgetting runs in one place at a time.

Every run — triggered through the API or by the scheduler, on any replica — first takes the
store lease ``consolidate:<tenant>`` or ``forget:<tenant>`` (an atomic step in the database, see
:meth:`~cml.storage.base.Leases.try_acquire_lease`). A run that finds the lease taken
fails with :class:`JobRunningError` (409) instead of waiting. The lease expires on its own
after ``ttl`` seconds, so a crashed process cannot block a tenant for longer than that.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from cml.errors import RequestConflictError
from cml.storage.base import Leases
from cml.storage.ids import new_id

__all__ = ["DEFAULT_LEASE_TTL", "JobRunningError", "job_lease", "process_owner"]

DEFAULT_LEASE_TTL = 3600.0
"""Seconds a run may hold its lease before another process may take it over."""

_OWNER = f"{socket.gethostname()}:{os.getpid()}"


class JobRunningError(RequestConflictError):
    """The tenant's job is already running (here or on another replica)."""

    code = "job_running"


def process_owner() -> str:
    """A lease owner name unique to this run: host, process, thread and a fresh id."""
    return f"{_OWNER}:{threading.get_ident()}:{new_id()}"


@contextmanager
def job_lease(
    store: Leases, job: str, tenant_id: str, *, ttl: float = DEFAULT_LEASE_TTL
) -> Iterator[str]:
    """Hold the lease ``<job>:<tenant_id>`` for the duration of the block.

    Args:
        store: Where the lease lives (shared by every replica).
        job: ``consolidate`` or ``forget``.
        tenant_id: The tenant the job runs for.
        ttl: Seconds before an unreleased lease expires.

    Yields:
        The lease name.

    Raises:
        JobRunningError: Someone else holds the lease.
    """
    name = f"{job}:{tenant_id}"
    owner = process_owner()
    if not store.try_acquire_lease(name, owner, ttl, datetime.now(UTC)):
        raise JobRunningError(
            f"A {job} run for tenant {tenant_id!r} is already in progress.",
            hint="Wait for it to finish and try again; only one run per tenant at a time.",
        )
    try:
        yield name
    finally:
        store.release_lease(name, owner)
