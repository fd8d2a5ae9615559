"""Active forgetting: score → plan → apply.

:mod:`.score` gives each memory a relevance in [0, 1], :mod:`.plan` turns it into KEEP, DECAY,
SILENCE, COMPRESS or DELETE (with the protections), :mod:`.apply` performs the plan, and
:mod:`.run` strings them together for one tenant (a dry run by default).
"""

from __future__ import annotations

from cml.engine.forgetting.plan import PROTECTED_TYPES, Action, action_for
from cml.engine.forgetting.run import forget_tenant
from cml.engine.forgetting.score import ForgettingWeights, relevance

__all__ = [
    "PROTECTED_TYPES",
    "Action",
    "ForgettingWeights",
    "action_for",
    "forget_tenant",
    "relevance",
]
