"""Generate the sync modules of py-cml from their async sources, whole directories at a time.

Every ``.py`` file of an async directory is translated into the same file name of its sync
directory (``src/cml/_async/`` -> ``src/cml/_sync/``, ``src/cml/integrations/_async/`` ->
``src/cml/integrations/_sync/``): ``async def`` -> ``def``, ``await x`` -> ``x``,
``AsyncCognitiveMemoryLayer`` -> ``CognitiveMemoryLayer``, ``sleep_async`` -> ``sleep_sync``,
and the few other rules of :data:`SUBSTITUTIONS`, applied line by line. A sync file that has no
async source is an error, and so is a rule that no line used (it is stale: delete it). A test
fails when a generated file is out of date.

Usage:
    python scripts/unasync.py           # rewrite the generated modules
    python scripts/unasync.py --check   # exit 1 if one of them is out of date
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "cml"

DIRECTORIES = [
    (SRC / "_async", SRC / "_sync"),
    (SRC / "integrations" / "_async", SRC / "integrations" / "_sync"),
]
"""Every (async source directory, generated sync directory) pair."""

HEADER = (
    "# Generated from {source} by scripts/unasync.py.\n"
    "# Do not edit: change that file and run `python scripts/unasync.py`.\n"
)

SUBSTITUTIONS: list[tuple[str, str]] = [
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    # AsyncCognitiveMemoryLayer, httpx.AsyncClient, AsyncIterator, AsyncOpenAI, ...
    (r"\bAsync(?=[A-Z])", ""),
    # The primitives that differ (cml._concurrency, cml._embedded): sleep_async -> sleep_sync.
    (r"\b([A-Za-z]\w*)_async\b", r"\1_sync"),
    # Imports of the async modules themselves: cml._async.client -> cml._sync.client.
    (r"\._async\b", "._sync"),
    (r"\bAwaitable\[(\w+)\]", r"\1"),
    # ... and then its import, unused.
    (r"\bAwaitable, ", ""),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\baiter_lines\b", "iter_lines"),
    (r"\baread\b", "read"),
]
"""(pattern, replacement) rules, applied in this order to every line."""

Rules = list[tuple[str, str]]


def translate(text: str, rules: Rules | None = None, used: set[int] | None = None) -> str:
    """Translate async code or prose (a signature, a docstring) into its sync twin.

    Args:
        text: Async source text.
        rules: The substitutions to apply; :data:`SUBSTITUTIONS` when omitted.
        used: If given, the indices of the rules that changed something are added to it.

    Returns:
        The sync text.
    """
    compiled = [(re.compile(pattern), new) for pattern, new in rules or SUBSTITUTIONS]
    lines = []
    for line in text.splitlines(keepends=True):
        for index, (pattern, replacement) in enumerate(compiled):
            changed = pattern.sub(replacement, line)
            if used is not None and changed != line:
                used.add(index)
            line = changed
        lines.append(line)
    return "".join(lines)


def unasync(
    source: str, source_name: str, rules: Rules | None = None, used: set[int] | None = None
) -> str:
    """The generated sync module for one async module's source.

    Args:
        source: Text of the async module.
        source_name: Its path relative to the repository, quoted in the header.
        rules: The substitutions (see :func:`translate`).
        used: Collects the indices of the rules used (see :func:`translate`).

    Returns:
        Text of the sync module, header included.
    """
    return HEADER.format(source=source_name) + translate(source, rules, used)


@dataclass
class Plan:
    """What the generated tree should be: every sync file's expected text, and the problems."""

    files: dict[Path, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def plan(rules: Rules | None = None) -> Plan:
    """Translate every async source; report orphaned sync files and unused rules.

    Args:
        rules: The substitutions; :data:`SUBSTITUTIONS` when omitted.

    Returns:
        The expected sync files (path -> text) and the problems found.
    """
    rules = rules or SUBSTITUTIONS
    result = Plan()
    used: set[int] = set()
    for source_dir, target_dir in DIRECTORIES:
        sources = sorted(source_dir.rglob("*.py"))
        if not sources:
            result.problems.append(f"{source_dir.relative_to(ROOT)} has no async sources")
        for source in sources:
            target = target_dir / source.relative_to(source_dir)
            name = source.relative_to(ROOT).as_posix()
            text = source.read_text(encoding="utf-8")
            result.files[target] = unasync(text, name, rules, used)
        for existing in sorted(target_dir.rglob("*.py")):
            if existing not in result.files:
                result.problems.append(
                    f"{existing.relative_to(ROOT)} has no async source: delete it"
                )
    for index, (pattern, replacement) in enumerate(rules):
        if index not in used:
            result.problems.append(
                f"substitution {pattern!r} -> {replacement!r} changed nothing: remove it"
            )
    return result


def stale(expected: Plan) -> list[Path]:
    """The generated files whose text differs from what the sources give (or that are missing)."""
    return [
        path
        for path, text in expected.files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, verify) the generated modules; return the exit status."""
    expected = plan()
    for problem in expected.problems:
        print(problem, file=sys.stderr)
    if "--check" in argv:
        outdated = stale(expected)
        for path in outdated:
            print(f"{path.relative_to(ROOT)} is stale: run `python scripts/unasync.py`")
        return 1 if outdated or expected.problems else 0
    if expected.problems:
        return 1
    for path, text in expected.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
