"""Readiness: whether the server can serve a write now, part by part.

The app starts loading the embedding model in its lifespan, in a worker thread, so that
``/health`` answers at once (saying ``loading``) while ``/ready`` answers 503 until the model is
loaded and the database answers. An embedder without a ``load()`` step (the hash embedder, or a
remote API) is ready as soon as the engine is open.
"""

from __future__ import annotations

from typing import Literal

from fastapi.concurrency import run_in_threadpool

from cml.engine import Engine

__all__ = ["EmbedderState", "Readiness"]

EmbedderState = Literal["loading", "ready", "failed"]


class Readiness:
    """The embedder's state as the app's lifespan moves it: ``loading`` → ``ready`` or ``failed``.

    Attributes:
        embedder: ``loading`` until :meth:`load` finished, then ``ready`` (or ``failed``).
        error: Why loading failed, written for API callers (the exception's type and message).
    """

    def __init__(self) -> None:
        self.embedder: EmbedderState = "loading"
        self.error: str | None = None

    async def load(self, engine: Engine) -> None:
        """Load the engine's embedding model in a worker thread (see :meth:`load_now`).

        Args:
            engine: The engine the app serves.
        """
        await run_in_threadpool(self.load_now, engine)

    def load_now(self, engine: Engine) -> None:
        """Load the engine's embedding model, if it has a load step, and record how it went.

        The embedded client calls this as it opens (it runs no lifespan).

        Args:
            engine: The engine the app serves.
        """
        load = getattr(engine.embedder, "load", None)
        try:
            if callable(load):
                load()
        except Exception as exc:  # reported by /health and /ready, never raised into the app
            self.embedder = "failed"
            self.error = f"{type(exc).__name__}: {exc}"
            return
        self.embedder = "ready"
