"""Consolidation, the "sleep cycle": recent episodes become semantic facts.

Stages, one module each: :mod:`.sampler` (which episodes), :mod:`.cluster` (which belong
together), :mod:`.summarize` (one gist per group), :mod:`.align` (does the tenant know this
already?), :mod:`.migrate` (the writes); :mod:`.run` strings them together. Where the facts
appear in reads is the read stage's business (:mod:`cml.engine.read.placement`).
"""

from __future__ import annotations

from cml.engine.consolidation.run import consolidate_tenant
from cml.engine.consolidation.sampler import EPISODIC_TYPES, ConsolidationSettings
from cml.engine.consolidation.summarize import Summarizer

__all__ = ["EPISODIC_TYPES", "ConsolidationSettings", "Summarizer", "consolidate_tenant"]
