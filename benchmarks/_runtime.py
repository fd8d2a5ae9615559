"""The ``--runtime`` option shared by the benchmarks: how the local model runs.

The choice travels in ``CML_EMBEDDING_RUNTIME``, so embedded clients, engines built directly and
``cml serve`` child processes of one benchmark run all use the same runtime.
"""

from __future__ import annotations

import argparse
import os
from typing import get_args

from cml.engine.config import EmbeddingRuntime, EngineConfig

VARIABLE = "CML_EMBEDDING_RUNTIME"


def add_runtime_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--runtime {onnx-int8,onnx,torch}`` (default: the server's default)."""
    parser.add_argument(
        "--runtime",
        choices=get_args(EmbeddingRuntime),
        default=None,
        help=f"how the local model runs (default: ${VARIABLE} or the server default)",
    )


def apply_runtime(args: argparse.Namespace) -> str:
    """Export the chosen runtime for everything this run starts; return the runtime in effect."""
    if args.runtime:
        os.environ[VARIABLE] = args.runtime
    return os.environ.get(VARIABLE, EngineConfig.embedding_runtime)


def current_runtime() -> EmbeddingRuntime:
    """The runtime in effect, for engines built directly from an ``EngineConfig``."""
    value = os.environ.get(VARIABLE, EngineConfig.embedding_runtime)
    if value not in get_args(EmbeddingRuntime):
        raise SystemExit(f"{VARIABLE}={value!r}: use one of {get_args(EmbeddingRuntime)}")
    return value  # type: ignore[return-value]
