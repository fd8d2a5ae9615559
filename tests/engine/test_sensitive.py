"""Secret detection and PII redaction."""

from __future__ import annotations

import pytest

from cml.engine.sensitive import find_secret, redact_pii


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("db password: hunter2", "password"),
        ("login with pwd=s3cr3t!", "password"),
        ("My password is Tr0ub4dor&3", "password"),
        ("the wifi password is: correct-horse", "password"),
        ("use sk-proj-abcdefghijklmnopqrstuvwxyz123456", "openai_key"),
        ("aws key AKIAIOSFODNN7EXAMPLE in prod", "aws_access_key"),
        ("token ghp_" + "A1b2C3d4E5" * 4, "github_token"),
        ("token github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_token"),
        ("slack xoxb-123456789012-abcdefABCDEF", "slack_token"),
        ("Authorization: Bearer abcdef1234567890abcdef", "bearer_token"),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "jwt",
        ),
        ("config api_key=abcd1234efgh", "api_key"),
        ('{"client_secret": "zzz-top-secret"}', "api_key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=", "private_key"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private_key"),
    ],
)
def test_each_secret_kind_is_found(text: str, kind: str) -> None:
    match = find_secret(text)
    assert match is not None
    assert match.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password again",
        "Reset the password tomorrow morning",
        "boarding pass: gate 12",
        "The API key rotation is scheduled for Friday",
        "skip the sk-line on the map",
        "Meeting with the bearer of good news",
        "The token economy talk was great",
        "The router password is in the team vault",
        "My password is too weak, change it",
        "the wifi password is stored in 1Password",
    ],
)
def test_ordinary_text_is_not_a_secret(text: str) -> None:
    assert find_secret(text) is None


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("Mail ann.lee+work@example.co.uk today", "Mail [REDACTED_EMAIL] today", "email"),
        ("Call +44 20 7946 0958 after six", "Call [REDACTED_PHONE] after six", "phone"),
        ("Call +1 (555) 123-4567", "Call [REDACTED_PHONE]", "phone"),
        ("US office (555) 123-4567", "US office [REDACTED_PHONE]", "phone"),
        ("cell 555-123-4567.", "cell [REDACTED_PHONE].", "phone"),
        ("Card 4111 1111 1111 1111 expires", "Card [REDACTED_CARD] expires", "card"),
        ("Card 5500-0000-0000-0004", "Card [REDACTED_CARD]", "card"),
        ("Amex 378282246310005", "Amex [REDACTED_CARD]", "card"),
        ("SSN 123-45-6789 on file", "SSN [REDACTED_SSN] on file", "ssn"),
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [REDACTED_IBAN] please", "iban"),
        ("pay GB82WEST12345698765432", "pay [REDACTED_IBAN]", "iban"),
    ],
)
def test_each_pii_kind_is_redacted(text: str, expected: str, kind: str) -> None:
    assert redact_pii(text) == (expected, [kind])


@pytest.mark.parametrize(
    "text",
    [
        "On 2024-01-15 at 10:30 I paid $1,234.56 for 3 items",
        "Born in 1987, moved in 2019-2020",
        "Meeting at 2024-03-05T14:00:00Z in room 101",
        "Order 1234567890123 cost EUR 12.50",  # 13 digits, fails the Luhn check
        "Version 3.11.4, zip 94103, pi 3.14159265358979",
        "ISBN 978-3-16-148410-0",
        "Ran 10000 steps, 42 km, temperature 21.5",
        "Flight LH 400 departs 09:45",
    ],
)
def test_dates_amounts_and_ordinary_numbers_are_kept(text: str) -> None:
    assert redact_pii(text) == (text, [])


def test_several_kinds_are_reported_once_each_in_order() -> None:
    text, kinds = redact_pii("a@b.io or c@d.io, tel +33 1 42 68 53 00, ssn 123-45-6789")
    assert kinds == ["email", "ssn", "phone"]
    assert text.count("[REDACTED_EMAIL]") == 2
    assert "@" not in text


def test_card_number_failing_luhn_is_kept() -> None:
    assert redact_pii("ref 4111 1111 1111 1112") == ("ref 4111 1111 1111 1112", [])
