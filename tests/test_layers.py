"""The package's arrows point one way: nothing imports a layer above it, and no module imports
itself through others.

SDK (cml._async/_sync clients, _core, ...) -> models; server -> engine -> storage / embeddings ->
models, errors. The server reaches storage, the embedders and the LLM client only through the
engine. Checked on the source (module-level, function-level and ``TYPE_CHECKING`` imports alike),
so a stray upward import fails here before it becomes a cycle.
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


SDK_MODULES = [
    "__init__.py",
    "_bulk.py",
    "_checks.py",
    "_concurrency.py",
    "_core.py",
    "_embedded.py",
    "config.py",
    "exceptions.py",
    *(f"{mode}/{path.name}" for mode in ("_async", "_sync") for path in (SRC / mode).glob("*.py")),
]


def test_sdk_modules_never_import_server_or_engine_at_module_level() -> None:
    assert "_sync/client.py" in SDK_MODULES
    for name in SDK_MODULES:
        path = SRC / name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                assert not (parts[0] == "cml" and len(parts) > 1 and parts[1] in SDK_FORBIDDEN), (
                    f"{name} imports {node.module} at module level"
                )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every module of ``src/cml`` and the modules of ``src/cml`` it imports.

    ``from package import name`` counts as importing the submodule ``package.name`` when there is
    one (not the package's ``__init__``, which Python has already begun to run), else the
    package. Imports inside functions and under ``TYPE_CHECKING`` count too.
    """
    modules = {_module_name(path): path for path in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:  # relative: from the package, up level - 1 packages
                    base = package.split(".")[: package.count(".") + 2 - node.level]
                    module = ".".join([*base, module] if module else base)
                submodules = {f"{module}.{alias.name}" for alias in node.names}
                found |= submodules & modules.keys()
                if submodules - modules.keys() and module in modules:
                    found.add(module)
        graph[name] = found - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for target in graph[node]:
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            if group:
                found.append(sorted([node, *group]))

    for node in graph:
        if node not in order:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_cml_imports_itself_through_others() -> None:
    graph = import_graph()
    assert {"cml._async.client", "cml.models.routes", "cml.server.app"} <= graph.keys()
    assert "cml.models.routes" in graph["cml._core"]
    assert cycles(graph) == []
