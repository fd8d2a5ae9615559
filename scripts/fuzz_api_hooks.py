"""A schemathesis check for `scripts/fuzz_api.sh`: valid data is accepted, stated exceptions aside.

schemathesis' own ``positive_data_acceptance`` fails any request the OpenAPI document allows and
the server refuses. A few refusals depend on something no JSON schema can say (what the server
issued, what a host resolves to, what a text looks like, how two fields compare); this check is
that one, except that a 422 whose every detail is one of :data:`UNSTATABLE` passes. Each entry is
explained in docs/decisions.md ("Refusals the OpenAPI document cannot state"); anything else the
document allows and the server refuses fails the run.

Loaded by schemathesis through ``SCHEMATHESIS_HOOKS=fuzz_api_hooks`` (``scripts`` on the path).
"""

from __future__ import annotations

import json

import schemathesis
from schemathesis import Case
from schemathesis.checks import CheckContext
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import positive_data_acceptance

UNSTATABLE: tuple[tuple[str, str], ...] = (
    # (error code, a fragment of the detail's message)
    ("validation_error", "The cursor is not one this server issued."),
    ("validation_error", "Give page or cursor, not both."),
    ("validation_error", "does not resolve"),
    ("validation_error", "resolves to"),
    ("validation_error", "since must not be later than until"),
    ("validation_error", "give at least one of text, confidence, importance, metadata, feedback"),
    ("validation_error", "to say what to forget"),
    ("validation_error", "Unknown query parameter"),
    ("validation_error", "nests deeper than"),
    ("validation_error", "bytes as JSON; the limit is"),
    ("validation_error", "must not contain NUL characters"),
    ("validation_error", "must not hold NaN or Infinity"),
    ("secret_detected", ""),
)
"""Refusals the document cannot state: (error code, fragment every detail's message holds)."""


def _unstatable(response: Response) -> bool:
    if response.status_code != 422:
        return False
    try:
        error = json.loads(response.text)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    messages = [d.get("message", "") for d in error.get("details") or []] or [error["message"]]
    code = error.get("code")
    return all(any(code == c and f in m for c, f in UNSTATABLE) for m in messages)


@schemathesis.check
def valid_data_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """``positive_data_acceptance``, except for the refusals of :data:`UNSTATABLE`."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        if _unstatable(response):
            return None
        raise
