"""Generate the sync modules of the SDK from their async sources.

``src/cml/client.py`` comes from ``src/cml/async_client.py`` and ``src/cml/namespaced.py`` from
``src/cml/async_namespaced.py``. Each pair are twins: the async module is the source, the sync
module a token-for-token translation (``async def`` -> ``def``, ``await x`` -> ``x``,
``AsyncClient`` -> ``Client``, ...). A test fails when a generated file is stale.

Usage:
    python scripts/unasync.py           # rewrite the generated modules
    python scripts/unasync.py --check   # exit 1 if one of them is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "cml" / "async_client.py"
TARGET = ROOT / "src" / "cml" / "client.py"
FILES = [
    (SOURCE, TARGET),
    (ROOT / "src" / "cml" / "async_namespaced.py", ROOT / "src" / "cml" / "namespaced.py"),
]
"""Every (async source, generated sync module) pair."""

HEADER = (
    "# Generated from {source} by scripts/unasync.py: do not edit by hand;\n"
    "# change {source} and run `python scripts/unasync.py`.\n"
)

# Whole identifiers renamed from the async world to the sync one.
NAMES = {
    "AsyncCognitiveMemoryLayer": "CognitiveMemoryLayer",
    "AsyncEmbeddedCognitiveMemoryLayer": "EmbeddedCognitiveMemoryLayer",
    "AsyncClient": "Client",
    "AsyncBaseTransport": "BaseTransport",
    "send_async": "send_sync",
    "aclose": "close",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "async_client": "client",
    "AsyncNamespacedClient": "NamespacedClient",
    "async_namespaced": "namespaced",
    "AsyncIterator": "Iterator",
    "gather_async": "gather_sync",
    "stream_async": "stream_sync",
}

# Keywords dropped; order matters only in that these never overlap.
KEYWORDS = [
    (re.compile(r"\basync def\b"), "def"),
    (re.compile(r"\basync with\b"), "with"),
    (re.compile(r"\basync for\b"), "for"),
    (re.compile(r"\bawait "), ""),
]

_NAME_RE = re.compile(r"\b(" + "|".join(re.escape(name) for name in NAMES) + r")\b")


def translate(text: str) -> str:
    """Translate async code or prose (a signature, a docstring) into its sync twin.

    Args:
        text: Async source text.

    Returns:
        The sync text.
    """
    text = _NAME_RE.sub(lambda match: NAMES[match.group(1)], text)
    for pattern, replacement in KEYWORDS:
        text = pattern.sub(replacement, text)
    return text


def unasync(source: str, source_name: str = "async_client.py") -> str:
    """Translate an async module's source into its sync twin's source.

    Args:
        source: Text of the async module (``async_client.py`` by default).
        source_name: File name of the async module, quoted in the header.

    Returns:
        Text of the sync module, header included.
    """
    return HEADER.format(source=source_name) + translate(source)


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, verify) the generated modules; return the exit status."""
    status = 0
    for source, target in FILES:
        expected = unasync(source.read_text(encoding="utf-8"), source.name)
        if "--check" in argv:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != expected:
                print(f"{target} is stale: run `python scripts/unasync.py`", file=sys.stderr)
                status = 1
            continue
        target.write_text(expected, encoding="utf-8")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
