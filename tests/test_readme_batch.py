"""The README's batch, tenant and namespace snippets run unchanged and print what they claim."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SECTION = "## Batch operations, tenant switching and namespaces"


def _blocks() -> list[str]:
    start = README.index(SECTION + "\n")
    end = README.find("\n## ", start + len(SECTION))
    return re.findall(r"```python\n(.*?)```", README[start:end], flags=re.DOTALL)


def _run(code: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_batch_namespace_and_iteration_snippets(tmp_path: Path) -> None:
    batch, namespaces, iteration = _blocks()

    lines = _run(batch, tmp_path).splitlines()
    assert lines[0].count("'") == 6  # three ids
    assert lines[1] == "Where does Ana live? -> Ana moved to Lisbon in 2021"
    assert lines[2] == "How does Ana travel? -> Ana prefers trains to planes"

    lines = _run(namespaces, tmp_path).splitlines()
    assert lines == ["['The quarterly review is on the 14th']", "1"]

    lines = _run(iteration, tmp_path).splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("None Ana moved to Lisbon in 2021")
