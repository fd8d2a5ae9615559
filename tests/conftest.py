"""Suite-wide settings: no network for models, and the engine's fast hash embedder by default."""

from __future__ import annotations

import os

# Nothing in the suite may reach a model hub; the local model ships as a package.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
