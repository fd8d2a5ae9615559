"""The write gate: what happens to a memory before it may be stored.

One call per request: :func:`admit` for a new memory (``write``, each item of ``batch_write``,
the exchange of ``turn``) and :func:`admit_update` for the new text and metadata of ``update``.
Order matters: secrets are checked on the raw text (a redaction pass must not hide a key from the
check), then on the metadata, tags and labels, then personal data is redacted, then the type and
importance are guessed from the text that will actually be stored. Everything here is a pure
function of its inputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, overload

from cml.engine.config import EngineConfig
from cml.engine.sensitive import find_secret, redact_pii
from cml.engine.write.classify import estimate_importance, infer_memory_type
from cml.errors import SecretRefusedError
from cml.models import MemoryType, UpdateRequest, WriteRequest

__all__ = ["Draft", "GateResult", "admit", "admit_update", "check_secrets"]

_SECRET_HINT = (
    "Store a reference to where the secret is kept (for example 'the deploy key is in the team "
    "vault under ci/deploy') instead of the secret itself."
)


@dataclass(frozen=True)
class Draft:
    """One memory as a request asks for it, before the gate."""

    tenant_id: str
    """Owner of the memory."""
    content: str
    """The text as the caller wrote it. The gate checks it for secrets before it redacts personal
    data, so that a redaction cannot hide a key from the check."""
    memory_type: MemoryType | None = None
    """The caller's type; ``None``: inferred from the text as it will be stored (redacted)."""
    importance: float | None = None
    """The caller's importance, from 0 to 1; ``None``: estimated from the type and the text."""
    namespace: str | None = None
    """Where the memory goes. Checked for secrets like the content: it is stored, and it goes
    into the event log."""
    session_id: str | None = None
    """The conversation it belongs to (checked for secrets likewise)."""
    agent_id: str | None = None
    """The agent that wrote it (checked for secrets likewise)."""
    context_tags: list[str] = field(default_factory=list)
    """Tags stored with the memory (each checked for secrets)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Metadata stored with the memory (checked for secrets as JSON text)."""
    timestamp: datetime | None = None
    """When it happened; ``None``: the time of the write."""
    confidence: float | None = None
    """The caller's confidence, from 0 to 1; ``None``: a default by type."""
    field_prefix: str = ""
    """Prepended to the field a refusal names, e.g. ``items.3.`` for an item of a batch."""

    @classmethod
    def of(cls, tenant_id: str, request: WriteRequest, *, field_prefix: str = "") -> Draft:
        """The draft of a write request, or of one item of a batch.

        A draft's fields are those of :class:`~cml.models.WriteRequest`, plus the owner and the
        prefix of the fields a refusal names.

        Args:
            tenant_id: Owner of the memory.
            request: The write (a ``BatchWriteItem`` is one).
            field_prefix: E.g. ``items.3.`` for the fourth item of a batch.
        """
        return cls(tenant_id=tenant_id, field_prefix=field_prefix, **dict(request))


@dataclass(frozen=True)
class GateResult:
    """Content that passed the gate, with what the gate decided about it.

    Attributes:
        content: The text to store (personal data redacted when redaction is on).
        memory_type: The given type, or the inferred one.
        importance: The given importance, or the estimate.
        redactions: Kinds of personal data removed, e.g. ``["email", "phone"]``.
        type_reason: Why this type was chosen (``"given"`` when the caller set it).
    """

    content: str
    memory_type: MemoryType
    importance: float
    redactions: list[str] = field(default_factory=list)
    type_reason: str = "given"


def check_secrets(text: str, *, field: str = "content") -> None:
    """Refuse ``text`` if it looks like it contains a credential.

    Args:
        text: Text about to be stored.
        field: The request field the text came from, reported with the error.

    Raises:
        SecretRefusedError: Naming the kind of secret found (never the secret itself).
    """
    match = find_secret(text)
    if match is not None:
        raise SecretRefusedError(
            f"Refused to store {field}: it appears to contain {match.description}.",
            field=field,
            hint=_SECRET_HINT,
        )


@overload
def admit(
    draft: Draft, config: EngineConfig, *, skip_secret_content: Literal[False] = False
) -> GateResult: ...


@overload
def admit(
    draft: Draft, config: EngineConfig, *, skip_secret_content: Literal[True]
) -> GateResult | None: ...


def admit(
    draft: Draft, config: EngineConfig, *, skip_secret_content: bool = False
) -> GateResult | None:
    """Run a new memory through the write gate.

    Args:
        draft: The memory as the request asks for it.
        config: ``refuse_secrets`` and ``redact_pii``.
        skip_secret_content: A secret in the content keeps the memory out (``None`` is
            returned) instead of refusing the request; a secret in its metadata, tags or labels
            still refuses it. A turn stores its exchange this way.

    Returns:
        The content to store and the gate's decisions (``None``: skipped, see above).

    Raises:
        SecretRefusedError: A secret in the content (when ``refuse_secrets`` is on), then in the
            metadata, a tag, the namespace, session or agent id; ``field`` names which, with
            the draft's prefix (e.g. ``items.3.context_tags.0``).

    Example:
        >>> admit(Draft("acme", "I prefer tea, mail me at ann@example.com"), EngineConfig()).content
        'I prefer tea, mail me at [REDACTED_EMAIL]'
    """
    cleaned: tuple[str, list[str]] | None = None
    try:
        cleaned = _clean_text(draft.content, config, field=f"{draft.field_prefix}content")
    except SecretRefusedError:
        if not skip_secret_content:
            raise
    if config.refuse_secrets:
        labels = {
            "namespace": draft.namespace,
            "session_id": draft.session_id,
            "agent_id": draft.agent_id,
        }
        _check_attributes(draft.metadata, draft.context_tags, labels, prefix=draft.field_prefix)
    if cleaned is None:
        return None
    text, redactions = cleaned
    if draft.memory_type is None:
        guess = infer_memory_type(text)
        chosen, reason = guess.memory_type, guess.reason
    else:
        chosen, reason = draft.memory_type, "given"
    importance = draft.importance
    if importance is None:
        importance = estimate_importance(chosen, text)
    return GateResult(
        content=text,
        memory_type=chosen,
        importance=importance,
        redactions=redactions,
        type_reason=reason,
    )


def admit_update(request: UpdateRequest, config: EngineConfig) -> str | None:
    """Run the new text and metadata of an update through the write gate.

    Args:
        request: The update.
        config: ``refuse_secrets`` and ``redact_pii``.

    Returns:
        The new text to store (personal data redacted when redaction is on), or ``None`` when
        the update keeps the memory's text.

    Raises:
        SecretRefusedError: The metadata (``field`` ``metadata``) or the new text (``text``)
            looks like it holds a credential.
    """
    if config.refuse_secrets:
        _check_attributes(request.metadata)
    if request.text is None:
        return None
    text, _ = _clean_text(request.text, config, field="text")
    return text


def _check_attributes(
    metadata: Mapping[str, Any] | None,
    context_tags: Sequence[str] = (),
    labels: Mapping[str, str | None] | None = None,
    *,
    prefix: str = "",
) -> None:
    # Metadata, tags and labels are stored and returned with the memory like its content (the
    # namespace also goes into the event log), so they get the same secret check. Metadata is
    # checked as JSON text, so that {"api_key": "..."} reads as the assignment it is. Personal
    # data in them is left alone: structured fields are deliberate.
    if metadata:
        check_secrets(json.dumps(metadata, ensure_ascii=False), field=f"{prefix}metadata")
    for index, tag in enumerate(context_tags):
        check_secrets(tag, field=f"{prefix}context_tags.{index}")
    for name, value in (labels or {}).items():
        if value:
            check_secrets(value, field=f"{prefix}{name}")


def _clean_text(text: str, config: EngineConfig, *, field: str) -> tuple[str, list[str]]:
    # The secret check sees the raw text: redaction must not hide a key from it.
    if config.refuse_secrets:
        check_secrets(text, field=field)
    if config.redact_pii:
        return redact_pii(text)
    return text, []
