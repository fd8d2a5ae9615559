"""Cosine agreement of the ONNX graphs with the sentence-transformers (torch) path.

Embeds the first N dialog turns of a LoCoMo file with torch (fp32, the reference) and with each
ONNX graph, and prints the minimum, 1st percentile and mean cosine per graph. Needs the
``torch`` extra (the reference) besides the ``server`` one.

    python scripts/compare_model.py --data locomo-dev.json [--texts 300] [--graph extra.onnx]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from cml.embeddings import LocalEmbedder, OnnxEmbedder


class _GraphFile(OnnxEmbedder):
    """The ONNX embedder on a given graph file (an older conversion, for comparison)."""

    def __init__(self, path: Path) -> None:
        super().__init__(precision="int8")
        self._path = path

    def model_path(self) -> Path:
        return self._path


def turns(data: Path, count: int) -> list[str]:
    texts: list[str] = []
    for sample in json.loads(data.read_text(encoding="utf-8")):
        conversation = sample["conversation"]
        for key in sorted(conversation, key=str):
            value = conversation[key]
            if key.startswith("session_") and isinstance(value, list):
                texts.extend(f"{turn['speaker']}: {turn['text']}" for turn in value)
    return texts[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="LoCoMo JSON file")
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--graph", type=Path, action="append", default=[], help="another graph")
    args = parser.parse_args()
    texts = turns(args.data, args.texts)
    reference = LocalEmbedder().embed(texts)
    with tempfile.TemporaryDirectory() as cache:
        candidates: dict[str, OnnxEmbedder] = {
            "onnx fp32 (built from the weights)": OnnxEmbedder(
                precision="fp32", cache_dir=Path(cache)
            ),
            "onnx int8 (shipped)": OnnxEmbedder(precision="int8"),
        }
        candidates.update({str(path): _GraphFile(path) for path in args.graph})
        print(f"{len(texts)} texts; cosine to the torch vectors: min / 1st pct / mean")
        for name, embedder in candidates.items():
            cosine = np.sum(embedder.embed(texts) * reference, axis=1)
            low, p1, mean = cosine.min(), np.percentile(cosine, 1), cosine.mean()
            print(f"  {name}: {low:.4f} / {p1:.4f} / {mean:.4f}")


if __name__ == "__main__":
    main()
