"""Embedders: text in, unit-length float32 vectors out.

The engine picks one with :func:`cml.engine.embedder.make_embedder`.

Importing this package never imports torch; the local model loads on first use.
"""

from __future__ import annotations

from cml.embeddings.base import Embedder
from cml.embeddings.hashing import HashEmbedder
from cml.embeddings.local import LocalEmbedder
from cml.embeddings.onnx import OnnxEmbedder
from cml.embeddings.openai_compat import OpenAIEmbedder

__all__ = ["Embedder", "HashEmbedder", "LocalEmbedder", "OnnxEmbedder", "OpenAIEmbedder"]
