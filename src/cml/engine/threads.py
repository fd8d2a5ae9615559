"""One BLAS thread for the engine's small matrix products.

The engine's products are small (a query against a tenant's vectors, a batch against a
shortlist). OpenBLAS splits them over every core anyway, and its threads spin while they wait
for each other: on a machine whose cores are busy with other requests, a 10,000 x 384 product
took 32 ms of wall time threaded against 0.6 ms on one thread (``docs/benchmarks.md``).
:func:`limit_blas_threads` sets the BLAS libraries numpy loaded to :data:`VARIABLE` threads
(default 1) when an engine opens; ``0`` leaves them as they are. The setting is the process's:
an application embedding py-cml that wants threaded BLAS for its own work sets the variable.
"""

from __future__ import annotations

import logging
import os
import threading

__all__ = ["VARIABLE", "limit_blas_threads"]

VARIABLE = "CML_BLAS_THREADS"
"""Environment variable: BLAS threads for the process (default 1; 0 leaves them alone)."""

logger = logging.getLogger("cml.engine")

_done = threading.Lock()
_applied: list[int] = []


def limit_blas_threads() -> int | None:
    """Apply :data:`VARIABLE` once per process; return the thread count set (``None``: none).

    Raises:
        ValueError: The variable is not a whole number of at least 0.
    """
    raw = os.environ.get(VARIABLE, "1").strip()
    if not raw.isdigit():
        raise ValueError(f"{VARIABLE}={raw!r}: use a whole number (0 leaves BLAS threads alone)")
    threads = int(raw)
    with _done:
        if _applied and _applied[-1] == threads:
            return threads
        _applied.append(threads)
        if threads == 0:
            return None
        from threadpoolctl import ThreadpoolController

        ThreadpoolController().limit(limits=threads, user_api="blas")
    logger.debug("BLAS limited to %d thread(s)", threads)
    return threads
