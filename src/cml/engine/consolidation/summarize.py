"""Consolidation, stage 3 (and forgetting's COMPRESS): a short text standing for longer ones.

Without an LLM the summaries are extractive: the statements closest to the centre of a cluster
(by embedding), cleaned of speaker prefixes and deduplicated, phrased as what was said. With an
OpenAI-compatible LLM configured, the model writes them; any LLM failure falls back to the
extractive text, and after one failure the rest of the run stays extractive so that a dead
endpoint does not cost every cluster its retries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np

from cml.errors import UnavailableError
from cml.llm import ChatLLM
from cml.storage.base import MemoryRecord

__all__ = ["Summarizer", "clean_statement", "extractive_gist", "shorten"]

logger = logging.getLogger(__name__)

_MAX_GIST_CHARS = 400
_MAX_STATEMENT_CHARS = 200
_COMPRESSED_CHARS = 160
_SPEAKER = re.compile(r"^\s*([A-Z][\w .'-]{0,40}?):\s+(.+)$", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_GIST_SYSTEM = (
    "You condense related memories of one person or agent into one lasting fact. Answer with "
    "a single plain sentence of at most 40 words, no preamble, no quotes."
)
_COMPRESS_SYSTEM = (
    "You shorten a memory while keeping every name, number, date and commitment. Answer with "
    "at most 25 words, no preamble."
)


def clean_statement(content: str) -> str:
    """One statement of an episode, phrased as what was said.

    ``"Caroline: I went to a support group"`` becomes ``'Caroline said "I went to a support
    group"'``; a stored exchange (``User: ...`` / ``Assistant: ...``) keeps the user's part.

    Example:
        >>> clean_statement("Mel: Painting calms me down.")
        'Mel said "Painting calms me down."'
    """
    lines = [line.strip() for line in content.strip().splitlines() if line.strip()]
    kept = [line for line in lines if not line.lower().startswith("assistant:")] or lines
    text = " ".join(kept)
    match = _SPEAKER.match(text)
    if match:
        speaker, said = match.group(1).strip(), shorten(match.group(2), _MAX_STATEMENT_CHARS)
        speaker = "The user" if speaker.lower() == "user" else speaker
        return f'{speaker} said "{said}"'
    return shorten(text, _MAX_STATEMENT_CHARS)


def shorten(text: str, limit: int) -> str:
    """The leading sentences of ``text`` that fit in ``limit`` characters (cut with … if none)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    return kept or text[: limit - 1].rstrip() + "…"


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def extractive_gist(cluster: Sequence[MemoryRecord], statements: int) -> str:
    """The most central statements of a cluster, deduplicated, as one fact-like sentence.

    Args:
        cluster: Episodes with embeddings.
        statements: Most statements kept.

    Returns:
        The gist (at most about 400 characters).
    """
    vectors = [r.embedding for r in cluster if r.embedding is not None]
    order = list(range(len(cluster)))
    if len(vectors) == len(cluster) and vectors:
        matrix = np.stack(vectors)
        centroid = matrix.mean(axis=0)
        order = [int(i) for i in np.argsort(-(matrix @ centroid), kind="stable")]
    chosen: list[str] = []
    for index in order:
        statement = clean_statement(cluster[index].content)
        normal = _normal(statement)
        if not normal or any(normal in _normal(c) or _normal(c) in normal for c in chosen):
            continue
        chosen.append(statement)
        if len(chosen) >= statements:
            break
    gist = "; ".join(chosen)
    gist = gist[0].upper() + gist[1:] if gist else gist
    if gist and gist[-1] not in '.!?"':
        gist += "."
    return shorten(gist, _MAX_GIST_CHARS)


class Summarizer:
    """Gists and compressed texts: by the LLM when one is configured, extractive otherwise.

    Args:
        llm: The chat model, or ``None`` for extractive summaries only.
        gist_statements: Most statements an extractive gist keeps.
    """

    def __init__(self, llm: ChatLLM | None, *, gist_statements: int = 2) -> None:
        self._llm = llm
        self._statements = gist_statements
        self.llm_failures = 0

    @property
    def uses_llm(self) -> bool:
        """Whether the next summary will be asked of the LLM."""
        return self._llm is not None and self.llm_failures == 0

    def gist(self, cluster: Sequence[MemoryRecord]) -> tuple[str, str]:
        """One fact standing for a cluster of episodes.

        Returns:
            ``(text, method)`` where method is ``llm`` or ``extractive``.
        """
        fallback = extractive_gist(cluster, self._statements)
        statements = "\n".join(f"- {clean_statement(r.content)}" for r in cluster)
        prompt = f"Memories:\n{statements}\n\nThe lasting fact they support:"
        return self._ask(prompt, _GIST_SYSTEM, fallback, _MAX_GIST_CHARS)

    def compress(self, content: str) -> tuple[str, str]:
        """A shorter version of one memory's content.

        Returns:
            ``(text, method)`` where method is ``llm`` or ``extractive``.
        """
        fallback = shorten(content, _COMPRESSED_CHARS)
        return self._ask(f"Memory:\n{content}\n\nShortened:", _COMPRESS_SYSTEM, fallback, 400)

    def _ask(self, prompt: str, system: str, fallback: str, limit: int) -> tuple[str, str]:
        if self._llm is None or self.llm_failures:
            return fallback, "extractive"
        try:
            answer = self._llm.complete(prompt, system=system, max_tokens=120)
        except UnavailableError as exc:
            self.llm_failures += 1
            logger.warning("LLM unavailable, using extractive summaries: %s", exc.message)
            return fallback, "extractive"
        return shorten(answer, limit), "llm"
