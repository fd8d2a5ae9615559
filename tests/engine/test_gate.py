"""The write gate as a whole."""

from __future__ import annotations

import pytest

from cml.engine.write.gate import pass_gate
from cml.errors import SecretRefusedError
from cml.models import MemoryType


def test_secret_is_refused_with_field_reason_and_hint() -> None:
    with pytest.raises(SecretRefusedError) as caught:
        pass_gate("the deploy token is ghp_" + "x1" * 20)
    error = caught.value
    assert error.field == "content"
    assert "GitHub token" in error.message
    assert "ghp_x1" not in error.message  # the secret itself is never echoed
    assert error.hint is not None
    assert "reference" in error.hint


def test_secret_check_can_be_turned_off() -> None:
    result = pass_gate("password: hunter2", refuse_secrets=False)
    assert result.content == "password: hunter2"


def test_pii_is_redacted_before_classification() -> None:
    result = pass_gate("I prefer email at ann@example.com")
    assert result.content == "I prefer email at [REDACTED_EMAIL]"
    assert result.redactions == ["email"]
    assert result.memory_type is MemoryType.PREFERENCE


def test_redaction_can_be_turned_off() -> None:
    result = pass_gate("mail ann@example.com", redact=False)
    assert result.content == "mail ann@example.com"
    assert result.redactions == []


def test_explicit_type_and_importance_win() -> None:
    result = pass_gate("I prefer tea", memory_type=MemoryType.SEMANTIC_FACT, importance=0.11)
    assert result.memory_type is MemoryType.SEMANTIC_FACT
    assert result.importance == 0.11
    assert result.type_reason == "given"
