"""Generate the sync client ``src/cml/client.py`` from the async one, ``src/cml/async_client.py``.

The two clients are twins: the async module is the source, the sync module a token-for-token
translation (``async def`` -> ``def``, ``await x`` -> ``x``, ``AsyncClient`` -> ``Client``, ...).
A test fails when the generated file is stale.

Usage:
    python scripts/unasync.py           # rewrite src/cml/client.py
    python scripts/unasync.py --check   # exit 1 if src/cml/client.py is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "cml" / "async_client.py"
TARGET = ROOT / "src" / "cml" / "client.py"

HEADER = (
    "# Generated from async_client.py by scripts/unasync.py: do not edit by hand;\n"
    "# change async_client.py and run `python scripts/unasync.py`.\n"
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


def unasync(source: str) -> str:
    """Translate the async client's source into the sync client's source.

    Args:
        source: Text of ``async_client.py``.

    Returns:
        Text of ``client.py``, header included.
    """
    return HEADER + translate(source)


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, verify) the generated client; return the exit status."""
    expected = unasync(SOURCE.read_text(encoding="utf-8"))
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != expected:
            print(f"{TARGET} is stale: run `python scripts/unasync.py`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
