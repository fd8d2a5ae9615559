"""An engine runs numpy's BLAS on one thread unless told otherwise (CML_BLAS_THREADS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from threadpoolctl import threadpool_info
from cml.engine import EngineConfig, open_engine
def numpy_blas():
    # numpy's own BLAS: a library loaded later (faiss bundles another OpenBLAS) is not counted.
    return [
        p["num_threads"]
        for p in threadpool_info()
        if p["user_api"] == "blas" and "numpy" in p["filepath"]
    ]
before = numpy_blas()
with open_engine(EngineConfig(database_url=sys.argv[1], embedding_provider="hash")):
    after = numpy_blas()
print(json.dumps({"before": before, "after": after}))
"""


def _threads(tmp_path: Path, setting: str | None) -> dict[str, list[int]]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("CML_BLAS_THREADS", "OPENBLAS_NUM_THREADS")
    }
    env["OPENBLAS_NUM_THREADS"] = "2"  # what numpy would pick on a two-core machine
    if setting is not None:
        env["CML_BLAS_THREADS"] = setting
    done = subprocess.run(
        [sys.executable, "-c", PROBE, f"sqlite:///{tmp_path / 'cml.db'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, list[int]] = json.loads(done.stdout.strip().splitlines()[-1])
    if not found["before"]:
        pytest.skip("numpy here is not linked to a BLAS that threadpoolctl controls")
    return found


def test_an_engine_limits_blas_to_one_thread(tmp_path: Path) -> None:
    found = _threads(tmp_path, None)
    assert found["before"] == [2]
    assert found["after"] == [1]


def test_zero_leaves_blas_threads_alone(tmp_path: Path) -> None:
    assert _threads(tmp_path, "0")["after"] == [2]


def test_a_chosen_count_is_applied(tmp_path: Path) -> None:
    assert _threads(tmp_path, "2")["after"] == [2]
    assert _threads(tmp_path, "1")["after"] == [1]
