"""The secret rules on their own: each shape that used to pass is refused, ordinary text is not.

The benign sample stands for what a memory store is fed: conversation turns in the style of
LoCoMo and LongMemEval (the benchmark data themselves are measured by
``benchmarks/gate_false_refusals.py``), the ids and hashes py-cml itself writes, and the
placeholders and expressions that technical chats put where a secret would go.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cml.engine.pii import redact_label, redact_metadata
from cml.engine.secret_rules import random_token, stand_in
from cml.engine.sensitive import find_secret, redact_pii
from cml.engine.write.dedup import content_hash
from cml.storage.ids import new_id

AZURE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

SHAPES: list[tuple[str, str, str]] = [
    (
        "aws secret access key with its label",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_key",
    ),
    (
        "aws secret access key, bare",
        "the key is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "high_entropy_string",
    ),
    (
        "postgresql url with a password",
        "connect with postgresql://app:S3cretPass@db.example.com:5432/prod",
        "database_url",
    ),
    (
        "jwt split across lines",
        "token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx\n"
        "MjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "jwt",
    ),
    ("aws key id with a zero-width space", "id AKIA\u200bIOSFODNN7EXAMPLE", "aws_access_key"),
    ("aws key id with a soft hyphen", "id AKIAIOSF\u00adODNN7EXAMPLE", "aws_access_key"),
    (
        "pem body without armour",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
        "private_key",
    ),
    ("npm token", "npm_" + "a1B2c3D4e5F6" * 3, "npm_token"),
    ("gitlab token", "glpat-xY9_zA8-Wb7Vc6Ud5Te4", "gitlab_token"),
    ("hugging face token", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz12345678", "huggingface_token"),
    ("twilio account sid", "AC" + "0123456789abcdef" * 2, "twilio_key"),
    (
        "azure storage connection string",
        f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={AZURE_KEY}",
        "azure_connection_string",
    ),
    (
        "azure service bus connection string",
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;"
        "SharedAccessKey=kL3mN9pQ2rS8tU1vW7xY4zA6bC0dE5fG+hIjK/LmNoP=",
        "azure_connection_string",
    ),
    ("sendgrid key (detect-secrets)", "SG." + "a" * 22 + "." + "b" * 43, "sendgrid_api_key"),
    ("fullwidth aws key id", "\uff21\uff2b\uff29\uff21IOSFODNN7EXAMPLE", "aws_access_key"),
]


@pytest.mark.parametrize(("text", "kind"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_each_shape_is_found(text: str, kind: str) -> None:
    match = find_secret(text)
    assert match is not None
    assert match.kind == kind
    # Metadata is checked as JSON text, where a line break is written "\n".
    in_json = find_secret(json.dumps({"note": text}, ensure_ascii=False))
    assert in_json is not None


BENIGN = [
    # Conversation in the style of LoCoMo and LongMemEval.
    "Hey Mel! Good to see you! How have you been?",
    "I went to a LGBTQ support group yesterday and it was so powerful.",
    "Caroline: I'm thinking of adopting, maybe next year once the move to Lyon is done.",
    "My password is too weak, so I changed it last week and stored it in 1Password.",
    "The wifi password is on the fridge, ask Jon.",
    "We booked flight LH1234 for 2023/05/07 (Sun) 14:30 and paid $1,234.56.",
    "User: what does pwd: do?\nAssistant: pwd: shows the current working directory.",
    # Code and instructions from technical chats.
    "Set `api_key: <API_KEY_1>` in config.yaml, then run it.",
    'app.config["SECRET_KEY"] = "secret_key_here"  # generate a real one',
    'string accessToken = responseData["access_token"];',
    "accessToken: req.body.accessToken,",
    "| password: str | the user's password |",
    "Default login: Username: admin, Password: password (or leave it blank).",
    "curl http://admin:admin@localhost:3000/api/datasources",
    "export DATABASE_URL=postgresql://localhost/app",
    "Use MP4ScreenSaverConfig and AVeryLongConfigKeyName12=abc in settings.",
    "SystemMaxFileSize=10M",
    '<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmci'
    'IHdpZHRoPSIyMDAiIGhlaWdodD0iMjAwIj48L3N2Zz4=">',
    "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIyMDAiIGhlaWdodD0iMjAwIj4=",
    "Docs: https://docs.google.com/document/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit",
    # Ids and hashes: UUIDs, SHA-256 digests, git commits.
    "request 550e8400-e29b-41d4-a716-446655440000 failed",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "commit fd67c38a4e5b0d2c9e1f3a7b6c8d9e0f1a2b3c4d",
    "See chapter 12: TheQuickBrownFoxJumpsOverTheLazyDog.",
    # Public values that look random: an ssh host key fingerprint, a Bitcoin address.
    "ED25519 key fingerprint is SHA256:gdD8jZnn7uZBMNcRA9ptCg+2Ws6r1nBd2bzekCA65yU.",
    '{"address": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "memo": "abc123"}',
]


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_text_is_not_refused(text: str) -> None:
    assert find_secret(text) is None, find_secret(text)


def test_ids_and_hashes_the_product_writes_are_not_refused() -> None:
    written = [new_id() for _ in range(200)] + [content_hash(f"memory {i}") for i in range(200)]
    refused = [value for value in written if find_secret(f"see {value}") is not None]
    assert refused == []


def test_the_entropy_check_catches_random_keys_without_a_prefix() -> None:
    # Fixed strings from a random generator: a check that caught none would fail here.
    keys = [
        "gdD8jZnn7uZBMNcRA9ptCg+2Ws6r1nBd2bzekCA65yU",
        "q7Vf2Lx9Tb4Rm1Wc8Ny3Hs6Kd0Pz5Gj",
        "Zx81bQ-kP3vN7tYw2Rc_9HmL4sFa6Ud0",
    ]
    assert [random_token(f"use {key} now") for key in keys] == [True, True, True]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<API_KEY>", True),
        ("YOUR_API_KEY", True),
        ("os.environ['TOKEN']", True),
        ("getenv(", True),
        ("*****", True),
        ("hunter2x", False),
        ("Sherel0ck", False),  # "here" inside a word is not a placeholder
        ("zzz-top-secret", False),
    ],
)
def test_stand_ins_are_told_from_values(value: str, expected: bool) -> None:
    assert stand_in(value) is expected


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("card 4111\u00a01111\u00a01111\u00a01111 ok", "card [REDACTED_CARD] ok", "card"),
        ("card 4111\u202f1111\u202f1111\u202f1111", "card [REDACTED_CARD]", "card"),
        ("SSN 123 45 6789 on file", "SSN [REDACTED_SSN] on file", "ssn"),
        ("SSN 123\u201145\u20116789", "SSN [REDACTED_SSN]", "ssn"),  # non-breaking hyphens
        ("mail ann@exa\u200bmple.com now", "mail [REDACTED_EMAIL] now", "email"),
        ("call +44\u00a020\u00a07946\u00a00958", "call [REDACTED_PHONE]", "phone"),
    ],
)
def test_separators_and_invisible_characters_do_not_hide_personal_data(
    text: str, expected: str, kind: str
) -> None:
    assert redact_pii(text) == (expected, [kind])


@pytest.mark.parametrize("text", ["2024 01 15", "123 45 67890", "12 345 6789", "Room 123 45 6"])
def test_spaced_numbers_that_are_not_ssns_stay(text: str) -> None:
    assert redact_pii(text) == (text, [])


def test_emoji_joiners_outside_personal_data_are_kept() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert redact_pii(f"{family} mail ann@example.com") == (
        f"{family} mail [REDACTED_EMAIL]",
        ["email"],
    )


def test_a_label_pseudonym_is_stable_and_distinct() -> None:
    first = redact_label("ann@example.com")
    assert first == redact_label("ann@example.com")
    assert first != redact_label("bob@example.com")
    assert first is not None
    assert first.startswith("[REDACTED_EMAIL:")
    assert redact_label("session-42") == "session-42"


def test_metadata_is_redacted_at_every_depth_keys_included() -> None:
    metadata: dict[str, Any] = {
        "people": [{"mail": "ann@example.com", "age": 41}],
        "ann@example.com": "friend",
        "bob@example.com": "colleague",
    }
    redacted = redact_metadata(metadata)
    assert redacted["people"] == [{"mail": "[REDACTED_EMAIL]", "age": 41}]
    keys = sorted(k for k in redacted if k != "people")
    assert len(keys) == 2  # two keys never merge into one
    assert all(k.startswith("[REDACTED_EMAIL:") for k in keys)
    assert sorted(redacted[k] for k in keys) == ["colleague", "friend"]
