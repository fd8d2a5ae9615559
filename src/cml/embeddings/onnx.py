"""all-MiniLM-L6-v2 on ONNX Runtime: the same model as :mod:`cml.embeddings.local`, without torch.

The default ``int8`` graph ships with py-cml, so the ``server`` extra embeds with only
``onnxruntime``, ``tokenizers`` and numpy: no torch, no conversion, no download. The ``fp32``
graph is built from the model's original weights (the ``torch`` extra installs them) once per
weights file, by :mod:`cml.embeddings.convert`, which needs the ``onnx`` package but not torch.
``docs/benchmarks.md`` compares both with the PyTorch path.

Vectors match the PyTorch path to about 1e-6 (fp32), so a store written by one opens with the
other: all record the model name ``all-MiniLM-L6-v2``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cml.embeddings.convert import (
    PACKAGED_DIR,
    Precision,
    cached_graph,
    default_cache_dir,
    packaged_graph,
    weights_dir,
)
from cml.embeddings.local import DEFAULT_MODEL, require

__all__ = ["OnnxEmbedder", "Precision"]

_MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions, unit length) on ONNX Runtime.

    Args:
        precision: ``fp32`` (same vectors as PyTorch) or ``int8`` (dynamically quantized).
        threads: Threads of a forward pass over several texts; default: the machine's cores,
            at most 4. A single text (a read's query, a single write) runs on one thread:
            waking the others for each of the model's small operations costs more than they
            save on one short text (same vectors, less CPU and wall time; ``docs/benchmarks.md``).
        batch_size: Texts per forward pass.
        cache_dir: Where graphs converted from the weights are kept (default
            :func:`cml.embeddings.convert.default_cache_dir`).

    Raises:
        ImportError: ``onnxruntime`` or ``tokenizers`` is missing (the ``server`` extra).
    """

    model_name = DEFAULT_MODEL
    dimensions = 384

    def __init__(
        self,
        *,
        precision: Precision = "fp32",
        threads: int | None = None,
        batch_size: int = 32,
        cache_dir: Path | None = None,
    ) -> None:
        for module in ("onnxruntime", "tokenizers"):
            require(module, extra="server")
        self.precision: Precision = precision
        self.threads = threads or min(os.cpu_count() or 1, 4)
        self.batch_size = batch_size
        self.cache_dir = cache_dir or default_cache_dir()
        self._session: Any = None
        self._single: Any = None  # the one-thread session, for one text
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def model_path(self) -> Path:
        """The ONNX file this embedder runs.

        ``int8`` runs the graph shipped with py-cml; ``fp32`` (or ``int8`` in a tree without
        the shipped file) converts the installed weights once, into the cache.

        Raises:
            ImportError: A conversion is needed and the weights or ``onnx`` are missing.
        """
        if self.precision == "int8":
            shipped = packaged_graph()
            if shipped is not None:
                return shipped
        return cached_graph(weights_dir(), self.precision, self.cache_dir)

    def load(self) -> None:
        """Convert (if needed) and load the model now instead of on the first text.

        A server calls this at startup so that its first request does not pay for it.
        """
        with self._lock:
            self._load()

    def _load(self) -> None:
        if self._session is not None:
            return
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(PACKAGED_DIR / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._session = self._open(self.threads)
        # Opened now too, so that the first read does not pay for it.
        self._single = self._session if self.threads == 1 else self._open(1)
        self._tokenizer = tokenizer

    def _open(self, threads: int) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle worker threads would otherwise spin for a while after each run, taking the CPU
        # from the storage work that follows every embedding (a read, a duplicate check).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        return onnxruntime.InferenceSession(
            str(self.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def _forward(self, texts: list[str]) -> npt.NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        session = self._single if len(texts) == 1 else self._session
        (hidden,) = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        # Mean over the real tokens, then unit length (what the model's pooling config says).
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text (converts and loads the model on first use)."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        items = list(texts)
        # Similar lengths in one pass waste less padding; results go back in input order.
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        out = np.empty((len(items), self.dimensions), dtype=np.float32)
        with self._lock:
            self._load()
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                out[chunk] = self._forward([items[i] for i in chunk])
        return out

    def close(self) -> None:
        """Drop the inference session so its memory can be reclaimed."""
        with self._lock:
            self._session = None
            self._single = None
            self._tokenizer = None
