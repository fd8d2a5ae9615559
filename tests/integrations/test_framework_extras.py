"""The framework adapters: `import cml` loads no framework, and a missing one names its extra."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ADAPTERS = [
    ("cml.integrations.langgraph", "langgraph", "langgraph"),
    ("cml.integrations.langchain", "langchain_core", "langchain"),
    ("cml.integrations.llamaindex", "llama_index", "llamaindex"),
]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CML_")}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_importing_cml_and_its_integrations_imports_no_framework() -> None:
    frameworks = sorted({package for _, package, _ in ADAPTERS})
    done = _python(
        "import sys, cml, cml.integrations\n"
        f"print(sorted(m for m in {frameworks!r} if m in sys.modules))"
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("module", "package", "extra"), ADAPTERS)
def test_an_adapter_without_its_framework_names_the_extra(
    module: str, package: str, extra: str
) -> None:
    done = _python(f"import sys\nsys.modules[{package!r}] = None\nimport {module}")

    assert done.returncode != 0
    assert f"pip install 'py-cml[{extra}]'" in done.stderr
