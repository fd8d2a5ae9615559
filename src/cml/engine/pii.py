"""Personal data in the fields stored beside a memory's content.

Content is redacted by the write gate (:func:`cml.engine.write.gate.admit`). The other text a
memory keeps is redacted here, with the same patterns:

* metadata: every string value, at any depth, with the content's ``[REDACTED_<KIND>]``
  markers; keys (rarely personal, but sometimes an email used as a name) get the ids'
  pseudonyms below, so that two keys never merge into one; numbers, booleans and nulls are not
  text and stay;
* context tags: each tag, with the content's ``[REDACTED_<KIND>]`` markers;
* session and agent ids: each piece of personal data becomes a *pseudonym*,
  ``[REDACTED_<KIND>:<digest>]``, where the digest is the first 8 hex digits of the SHA-256 of
  the piece. Ids group memories and select them (a read or a forget by ``session_id``), so two
  different ids must stay different, and the same id, redacted again in a later request,
  must select the same memories.

Namespaces are not redacted: a namespace is a partition name of letters, digits, ``.``, ``_``
and ``-`` (no ``@``, no spaces), and rewriting it would move memories to another partition.

A pseudonym is not anonymisation: anyone holding the database and a list of candidate values
(phone numbers, say) can hash them and compare. Opaque ids are the way to keep ids private.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, TypeVar

from pydantic import BaseModel

from cml.engine.sensitive import redact_pii
from cml.engine.textnorm import normalize

__all__ = ["redact_fields", "redact_label", "redact_metadata", "redact_tags"]

T = TypeVar("T")

_LABELS = ("session_id", "agent_id")


def _pseudonym(kind: str, piece: str) -> str:
    digest = hashlib.sha256(normalize(piece).text.encode("utf-8")).hexdigest()[:8]
    return f"[REDACTED_{kind.upper()}:{digest}]"


def redact_label(value: str | None) -> str | None:
    """Replace personal data in a session or agent id with stable pseudonyms.

    Args:
        value: The id as the caller sent it (``None``: no id).

    Returns:
        The id to store or to select by: unchanged when it holds no personal data.

    Example:
        >>> redact_label("ann@example.com")
        '[REDACTED_EMAIL:71d4f55f]'
    """
    if value is None:
        return None
    return redact_pii(value, marker=_pseudonym)[0]


def redact_tags(tags: list[str]) -> list[str]:
    """Redact personal data in each context tag.

    Args:
        tags: The memory's tags.

    Returns:
        The tags with ``[REDACTED_<KIND>]`` markers in place of personal data.
    """
    return [redact_pii(tag)[0] for tag in tags]


def redact_metadata(value: T) -> T:
    """Redact personal data in every string of a metadata value, at any depth.

    Args:
        value: A metadata object, or any value inside one.

    Returns:
        A copy with ``[REDACTED_<KIND>]`` markers in the strings and pseudonyms in the keys.

    Example:
        >>> redact_metadata({"contact": {"phones": ["+44 20 7946 0958"]}, "n": 3})
        {'contact': {'phones': ['[REDACTED_PHONE]']}, 'n': 3}
    """
    # Metadata nesting is bounded at the wire (MAX_METADATA_DEPTH), so recursion is safe.
    if isinstance(value, str):
        redacted: Any = redact_pii(value)[0]
    elif isinstance(value, dict):
        redacted = {redact_label(key): redact_metadata(item) for key, item in value.items()}
    elif isinstance(value, list):
        redacted = [redact_metadata(item) for item in value]
    else:
        redacted = value
    return redacted  # type: ignore[no-any-return]


def redact_fields(target: T, *, enabled: bool = True) -> T:
    """Redact personal data in the stored fields of a request or a memory-to-be.

    Looks for ``metadata``, ``context_tags``, ``session_id`` and ``agent_id`` on ``target``;
    fields it does not have are skipped, so the same call serves writes, turns, updates, a
    batch's memories-to-be and, for the ids, reads and forgets (which select by the redacted
    id).

    Args:
        target: A request model or a dataclass (e.g. ``NewMemory``).
        enabled: The server's ``redact_pii`` setting; when off, ``target`` is returned as is.

    Returns:
        ``target`` itself when nothing changes, otherwise a copy with the fields redacted.
    """
    if not enabled:
        return target
    changes: dict[str, Any] = {}
    metadata = getattr(target, "metadata", None)
    if metadata:
        changes["metadata"] = redact_metadata(metadata)
    tags = getattr(target, "context_tags", None)
    if tags:
        changes["context_tags"] = redact_tags(list(tags))
    for name in _LABELS:
        label = getattr(target, name, None)
        if isinstance(label, str):
            changes[name] = redact_label(label)
    changes = {k: v for k, v in changes.items() if v != getattr(target, k)}
    if not changes:
        return target
    if isinstance(target, BaseModel):
        return target.model_copy(update=changes)
    if dataclasses.is_dataclass(target) and not isinstance(target, type):
        return dataclasses.replace(target, **changes)
    raise TypeError(f"cannot redact fields of {type(target).__name__}")
