"""The embedder interface: text in, unit-length float32 vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    model_name: str
    """Identifies the model; a store records it and refuses to open with another."""
    dimensions: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts`` as one ``(len(texts), dimensions)`` array, batched internally."""
        ...

    def close(self) -> None:
        """Release model memory or HTTP connections."""
        ...
