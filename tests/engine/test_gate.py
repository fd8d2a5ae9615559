"""The write gate as a whole."""

from __future__ import annotations

import pytest

from cml.engine.config import EngineConfig
from cml.engine.write.gate import Draft, admit
from cml.errors import SecretRefusedError
from cml.models import MemoryType

DEFAULTS = EngineConfig()


def test_secret_is_refused_with_field_reason_and_hint() -> None:
    with pytest.raises(SecretRefusedError) as caught:
        admit(Draft("acme", "the deploy token is ghp_" + "x1" * 20), DEFAULTS)
    error = caught.value
    assert error.field == "content"
    assert "GitHub token" in error.message
    assert "ghp_x1" not in error.message  # the secret itself is never echoed
    assert error.hint is not None
    assert "reference" in error.hint


def test_secret_check_can_be_turned_off() -> None:
    result = admit(Draft("acme", "password: hunter2"), EngineConfig(refuse_secrets=False))
    assert result.content == "password: hunter2"


def test_pii_is_redacted_before_classification() -> None:
    result = admit(Draft("acme", "I prefer email at ann@example.com"), DEFAULTS)
    assert result.content == "I prefer email at [REDACTED_EMAIL]"
    assert result.redactions == ["email"]
    assert result.memory_type is MemoryType.PREFERENCE


def test_redaction_can_be_turned_off() -> None:
    result = admit(Draft("acme", "mail ann@example.com"), EngineConfig(redact_pii=False))
    assert result.content == "mail ann@example.com"
    assert result.redactions == []


def test_explicit_type_and_importance_win() -> None:
    draft = Draft("acme", "I prefer tea", memory_type=MemoryType.SEMANTIC_FACT, importance=0.11)
    result = admit(draft, DEFAULTS)
    assert result.memory_type is MemoryType.SEMANTIC_FACT
    assert result.importance == 0.11
    assert result.type_reason == "given"


def test_attributes_are_checked_in_the_same_call_and_named_with_the_prefix() -> None:
    token = "ghp_" + "x1" * 20
    for draft, field in (
        (Draft("acme", "Harmless", metadata={"token": token}), "metadata"),
        (Draft("acme", "Harmless", context_tags=["ok", token]), "context_tags.1"),
        (Draft("acme", "Hi", session_id=token, field_prefix="items.4."), "items.4.session_id"),
    ):
        with pytest.raises(SecretRefusedError) as caught:
            admit(draft, DEFAULTS)
        assert caught.value.field == field
    relaxed = EngineConfig(refuse_secrets=False)
    assert admit(Draft("acme", "Harmless", namespace=token), relaxed).content == "Harmless"


def test_a_turn_skips_secret_content_but_still_refuses_a_secret_label() -> None:
    token = "ghp_" + "x1" * 20
    exchange = Draft("acme", f"User: my token is {token}", memory_type=MemoryType.CONVERSATION)
    assert admit(exchange, DEFAULTS, skip_secret_content=True) is None
    both = Draft("acme", exchange.content, namespace=token)
    with pytest.raises(SecretRefusedError) as caught:
        admit(both, DEFAULTS, skip_secret_content=True)
    assert caught.value.field == "namespace"
    with pytest.raises(SecretRefusedError) as refused:
        admit(both, DEFAULTS)
    assert refused.value.field == "content"  # the content is checked first
