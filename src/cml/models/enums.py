"""The enums of the wire contract: kinds of memory, their states, read formats, feedback, scopes."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Feedback", "MemoryStatus", "MemoryType", "ReadFormat", "Scope"]


class MemoryType(StrEnum):
    """What kind of memory a record is; inferred from the content when a write does not say."""

    EPISODIC_EVENT = "episodic_event"
    SEMANTIC_FACT = "semantic_fact"
    PREFERENCE = "preference"
    PROCEDURE = "procedure"
    CONSTRAINT = "constraint"
    HYPOTHESIS = "hypothesis"
    TASK_STATE = "task_state"
    CONVERSATION = "conversation"
    MESSAGE = "message"
    TOOL_RESULT = "tool_result"
    REASONING_STEP = "reasoning_step"
    SCRATCH = "scratch"
    KNOWLEDGE = "knowledge"
    OBSERVATION = "observation"
    PLAN = "plan"


class MemoryStatus(StrEnum):
    """Lifecycle state of a memory. Reads return ``active`` (and ``compressed``) by default."""

    ACTIVE = "active"
    SILENT = "silent"
    COMPRESSED = "compressed"
    ARCHIVED = "archived"
    DELETED = "deleted"
    SUPERSEDED = "superseded"
    """Retired by a newer memory or by ``feedback="outdated"``: kept, out of default reads."""


class ReadFormat(StrEnum):
    """Shape of a read response."""

    PACKET = "packet"
    """Ranked list plus buckets (facts, preferences, episodes, ...) and an LLM context block."""
    LIST = "list"
    """Ranked list only."""
    LLM_CONTEXT = "llm_context"
    """Ranked list plus a markdown context block within a token budget."""


class Feedback(StrEnum):
    """Feedback on a memory given through ``update``."""

    CORRECT = "correct"
    """Raises confidence."""
    INCORRECT = "incorrect"
    """Drops confidence sharply and silences the memory."""
    OUTDATED = "outdated"
    """Lowers confidence and archives the memory (kept, no longer recalled)."""


class Scope(StrEnum):
    """Permission carried by an API key.

    ``admin`` administers the key's own tenant and its extra tenants; ``operator`` (a global
    operator key) administers every tenant. Each implies the scopes above it.
    """

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    OPERATOR = "operator"
