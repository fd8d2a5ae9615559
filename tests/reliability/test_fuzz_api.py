"""Schema-driven fuzzing of the HTTP API from its own OpenAPI document (schemathesis).

Every operation of ``/api/v1`` is called with requests generated from the document: valid ones
and, in negative mode, ones that break it (wrong types, out-of-range numbers, bad patterns,
missing fields, extra properties, odd unicode). The calls go to the real app in-process, on a
temp SQLite file with the hash embedder, with a valid key: the tenant key on ``/memory/*``, the
admin key on ``/admin/*``. For every response:

- no 5xx, ever;
- no Python traceback or exception text in any body;
- the status is one the document lists for that operation (refusals included), and the body
  matches the schema documented for that status: for every refusal, the error envelope;
- a refusal carries a non-empty code and message, and the request id of its ``X-Request-ID``;
- data that breaks the document is refused with a 4xx.

Generation is deterministic (fixed seed, derandomized, no example database), so a run repeats
exactly; the count per operation is :data:`MAX_EXAMPLES` per mode plus schemathesis' coverage
cases (boundaries, missing and extra fields).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import ASGIApp, ASGIClient, get_client
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from cml.server.app import create_app

from .hostile_app import World, hostile_settings, open_world

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
"""Generated cases per operation and generation mode; ``FUZZ_EXAMPLES=500`` for a deeper run."""
SEED = 20240808

# The document is the app's own: build an app (nothing is opened until it serves) and ask it.
_SPEC = create_app(hostile_settings(Path("never-opened"))).openapi()
_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # Generating texts that match their patterns (non-blank, no NUL) is slower; on a loaded
        # machine hypothesis' speed check then fails a run that found nothing wrong.
        "suppress-health-check": ["too_slow"],
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The key is the caller's (see headers_for), not something to generate or leave out.
            "with-security-parameters": False,
        },
        # Stateful runs are not wanted here: single requests are what is being fuzzed.
        "phases": {"stateful": {"enabled": False}},
        # The refusals this API uses for data that breaks its document.
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 409, 413, 415, 422]
            }
        },
    }
)
schema = schemathesis.openapi.from_dict(_SPEC, config=_CONFIG)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# What a leaked stack trace or exception would look like in a body.
LEAK_MARKERS = (
    "Traceback (most recent call last)",
    'File "/',
    "Error(",
    "Exception(",
    '.py", line',
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with open_world(tmp_path_factory.mktemp("fuzz-api")) as opened:
        yield opened


@pytest.fixture(scope="module")
def tally() -> Iterator[Counter[tuple[str, int]]]:
    """Responses by operation and status; printed at the end (``pytest -s`` shows it)."""
    counts: Counter[tuple[str, int]] = Counter()
    yield counts
    print(f"\nfuzzed {counts.total()} requests over {len({op for op, _ in counts})} operations")
    for (operation, status), count in sorted(counts.items()):
        print(f"  {operation}  {status}: {count}")


@pytest.fixture(scope="module")
def session(world: World) -> Iterator[ASGIClient]:
    # Used without `with`: no lifespan is started, the app serves the engine it was given.
    # Load its model as the lifespan (or the embedded client) would, so that /ready says 200.
    world.app.state.readiness.load_now(world.engine)
    client = get_client(cast(ASGIApp, world.app))
    yield client
    client.close()


@schema.parametrize()
def test_every_operation_answers_fuzzed_requests_within_its_document(
    case: Case, world: World, session: ASGIClient, tally: Counter[tuple[str, int]]
) -> None:
    # A generous bound: a hang still fails, but a heavy batch on a busy machine does not.
    response = case.call_and_validate(
        session=session, headers=world.headers_for(case.path), checks=CHECKS, timeout=60
    )
    tally[(case.operation.label, response.status_code)] += 1
    text = response.text
    repro = case.as_curl_command()
    assert response.status_code < 500, repro
    for marker in LEAK_MARKERS:
        assert marker not in text, f"{marker!r} in the body of {repro}"
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"], repro
        assert error["message"].strip(), repro
        assert error["request_id"] == response.headers["x-request-id"][0], repro


# -- what the fuzzing found, pinned ------------------------------------------------------------


def test_every_refusal_in_the_document_is_the_error_envelope() -> None:
    envelope = {"$ref": "#/components/schemas/ErrorResponse"}
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in _SPEC["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 20
    for label, operation in operations:
        refusals = {k: v for k, v in operation["responses"].items() if int(k) >= 400}
        assert "503" in refusals, label
        for status, response in refusals.items():
            assert response["description"].strip(), (label, status)
            assert response["content"]["application/json"]["schema"] == envelope, (label, status)
        if operation.get("security"):
            assert {"401", "403", "422", "429"} <= set(refusals), label
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= set(refusals), label
    assert "HTTPValidationError" not in _SPEC["components"]["schemas"]
    assert "404" in _SPEC["paths"]["/api/v1/memory/update"]["post"]["responses"]
    assert "409" in _SPEC["paths"]["/api/v1/admin/consolidate"]["post"]["responses"]


@pytest.fixture
def http(world: World) -> Iterator[ASGIClient]:
    client = get_client(cast(ASGIApp, world.app))
    client.base_url = "http://testserver/api/v1/"
    yield client
    client.close()


def refusal(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    details = response.json()["error"]["details"]
    assert field in [detail["field"] for detail in details], details


def test_an_event_page_past_any_store_is_empty_not_a_crash(world: World, http: ASGIClient) -> None:
    # Found: page=999999999999999999 overflowed SQLite's 64-bit OFFSET (500).
    response = http.get(
        "admin/events",
        params={"page": 10**18, "per_page": 500},
        headers=world.headers_for("/admin/"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def test_a_last_event_id_past_64_bits_is_refused(world: World, http: ASGIClient) -> None:
    # Found: the stream had started when the id overflowed SQLite (a broken connection).
    response = http.get(
        "admin/events/stream",
        headers={**world.headers_for("/admin/"), "Last-Event-ID": str(2**63)},
    )
    refusal(response, 422, "Last-Event-ID")


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_timestamp_outside_years_1_to_9999_in_utc_is_refused(
    world: World, http: ASGIClient, when: str
) -> None:
    # Found: converting to UTC raised OverflowError inside validation (500).
    body = {"content": "a very late meeting", "timestamp": when}
    refusal(
        http.post("memory/write", json=body, headers=world.headers_for("/memory/")),
        422,
        "timestamp",
    )
    since = http.get("admin/events", params={"since": when}, headers=world.headers_for("/admin/"))
    refusal(since, 422, "since")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("memory/write", {"content": "numeric time", "timestamp": 1700000000}, "timestamp"),
        ("memory/forget", {"before": 0}, "before"),
        ("admin/purge", {"older_than": 0}, "older_than"),
        ("admin/forget", {"dry_run": 0}, "dry_run"),
        ("memory/forget", {"session_id": "s", "hard": "yes"}, "hard"),
        ("memory/read", {"query": "q", "include_silent": 1}, "include_silent"),
    ],
)
def test_numbers_for_times_and_flags_are_refused(
    world: World, http: ASGIClient, path: str, body: dict[str, Any], field: str
) -> None:
    # Found: lax parsing read 0 as 1970-01-01 and as false, so "dry_run": 0 applied forgetting.
    refusal(http.post(path, json=body, headers=world.headers_for(f"/{path}")), 422, field)
    since = http.get("admin/events", params={"since": "0.5"}, headers=world.headers_for("/admin/"))
    refusal(since, 422, "since")
