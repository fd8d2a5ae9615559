"""Two versions of py-cml in processes of their own, sent the same steps in alternating order.

The driver of ``read_interleaved.py`` and ``write_interleaved.py``: each version is a worker
process importing py-cml from its own ``src`` (``PYTHONPATH``) that prints ``ready`` once its
engine is open, then answers each step index read from stdin with one JSON line. Step ``i``
goes to both workers, the first one first when ``i`` is even and the second one first when it
is odd, so that both see the same minutes of load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def start(script: str, src: str, *args: str) -> subprocess.Popen[str]:
    """Run ``script`` with ``args`` importing py-cml from ``src``; return once it is ready."""
    env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
    process = subprocess.Popen(
        [sys.executable, script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker for {src} did not start")
    return process


def alternate(workers: list[subprocess.Popen[str]], steps: int) -> Iterator[list[Any]]:
    """Each step's two answers (the first worker's, then the second's); closes the workers."""
    try:
        for i in range(steps):
            answers: list[Any] = [None, None]
            for k in (0, 1) if i % 2 == 0 else (1, 0):
                process = workers[k]
                assert process.stdin is not None
                assert process.stdout is not None
                process.stdin.write(f"{i}\n")
                process.stdin.flush()
                answers[k] = json.loads(process.stdout.readline())
            yield answers
    finally:
        for process in workers:
            assert process.stdin is not None
            process.stdin.close()
            process.wait()
