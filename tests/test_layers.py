"""The package's arrows point one way: nothing imports a layer above it.

SDK (cml.*client, _core, ...) -> models; server -> engine -> storage / embeddings -> models, errors.
The server reaches storage, the embedders and the LLM client only through the engine. Checked on
the source (module-level and function-level imports alike), so a stray upward import fails here
before it becomes a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cml"

# What each part of the package may import from cml (besides itself).
ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "errors": set(),
    "_version": set(),
    "storage": {"models", "errors"},
    "embeddings": {"models", "errors"},
    "llm": {"models", "errors"},
    "engine": {"models", "errors", "storage", "embeddings", "llm"},
    # The server reaches storage only through the engine (open_engine opens the store).
    "server": {"models", "errors", "engine", "_version"},
}
SDK_FORBIDDEN = {"server", "engine", "storage", "embeddings", "llm"}


def _part(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _cml_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "cml" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_lower_layers_import_nothing_above_them(part: str) -> None:
    files = [p for p in SRC.rglob("*.py") if _part(p) == part]
    assert files, f"no source files for {part}"
    for path in files:
        upward = _cml_imports(path) - ALLOWED[part] - {part}
        assert not upward, f"{path.relative_to(SRC)} imports cml.{sorted(upward)}"


def test_sdk_modules_never_import_server_or_engine_at_module_level() -> None:
    sdk = ["__init__.py", "_core.py", "config.py", "exceptions.py", "transport.py"]
    sdk += ["client.py", "async_client.py"]
    for name in sdk:
        path = SRC / name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (parts[0] == "cml" and len(parts) > 1 and parts[1] in SDK_FORBIDDEN), (
                    f"{name} imports {node.module} at module level"
                )
