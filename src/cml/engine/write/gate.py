"""The write gate: what happens to content before it may become a memory.

Order matters: secrets are checked on the raw text (a redaction pass must not hide a key from the
check), then personal data is redacted, then the type and importance are guessed from the text
that will actually be stored. Everything here is a pure function of its inputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cml.engine.sensitive import find_secret, redact_pii
from cml.engine.write.classify import estimate_importance, infer_memory_type
from cml.errors import SecretRefusedError
from cml.models import MemoryType

__all__ = ["GateResult", "check_attributes", "check_secrets", "clean_text", "pass_gate"]

_SECRET_HINT = (
    "Store a reference to where the secret is kept (for example 'the deploy key is in the team "
    "vault under ci/deploy') instead of the secret itself."
)


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


def check_attributes(
    metadata: Mapping[str, Any] | None,
    context_tags: Sequence[str] = (),
    *,
    labels: Mapping[str, str | None] | None = None,
    prefix: str = "",
) -> None:
    """Refuse metadata, context tags or labels that hold a credential.

    They are stored and returned with the memory like its content (the namespace also goes into
    the event log), so they get the same secret check. Metadata is checked as JSON text, so that
    ``{"api_key": "..."}`` reads as the assignment it is. Personal data in them is left alone:
    structured fields are deliberate.

    Args:
        metadata: The memory's metadata (``None``: nothing to check).
        context_tags: The memory's tags.
        labels: Further short fields by name, e.g. ``{"namespace": ..., "session_id": ...}``.
        prefix: Prepended to the reported field, e.g. ``items.3.`` in a batch.

    Raises:
        SecretRefusedError: Naming the field, e.g. ``metadata`` or ``context_tags.2`` (never
            the secret).
    """
    if metadata:
        check_secrets(json.dumps(metadata, ensure_ascii=False), field=f"{prefix}metadata")
    for index, tag in enumerate(context_tags):
        check_secrets(tag, field=f"{prefix}context_tags.{index}")
    for name, value in (labels or {}).items():
        if value:
            check_secrets(value, field=f"{prefix}{name}")


def clean_text(
    text: str, *, refuse_secrets: bool, redact: bool, field: str = "content"
) -> tuple[str, list[str]]:
    """Apply the secret check and PII redaction to one text.

    Args:
        text: Text about to be stored.
        refuse_secrets: Refuse text that looks like it holds a credential.
        redact: Replace personal data with ``[REDACTED_<KIND>]`` markers.
        field: The request field the text came from (for error messages).

    Returns:
        The text to store and the kinds of personal data redacted.

    Raises:
        SecretRefusedError: If ``refuse_secrets`` is on and a secret was found.
    """
    if refuse_secrets:
        check_secrets(text, field=field)
    if redact:
        return redact_pii(text)
    return text, []


def pass_gate(
    content: str,
    *,
    memory_type: MemoryType | None = None,
    importance: float | None = None,
    refuse_secrets: bool = True,
    redact: bool = True,
    field: str = "content",
) -> GateResult:
    """Run content through the write gate.

    Args:
        content: The memory text as written by the caller.
        memory_type: The caller's type; inferred from the text when ``None``.
        importance: The caller's importance; estimated when ``None``.
        refuse_secrets: Refuse content that looks like it holds a credential.
        redact: Redact personal data.
        field: The request field the content came from (e.g. ``items.3.content``), reported
            when the content is refused.

    Returns:
        The content to store and the gate's decisions.

    Raises:
        SecretRefusedError: If the content holds a secret and ``refuse_secrets`` is on.

    Example:
        >>> pass_gate("I prefer tea, mail me at ann@example.com").redactions
        ['email']
    """
    text, redactions = clean_text(
        content, refuse_secrets=refuse_secrets, redact=redact, field=field
    )
    if memory_type is None:
        guess = infer_memory_type(text)
        chosen, reason = guess.memory_type, guess.reason
    else:
        chosen, reason = memory_type, "given"
    if importance is None:
        importance = estimate_importance(chosen, text)
    return GateResult(
        content=text,
        memory_type=chosen,
        importance=importance,
        redactions=redactions,
        type_reason=reason,
    )
