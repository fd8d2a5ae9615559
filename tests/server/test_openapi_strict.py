"""The OpenAPI document is exactly as strict as the server.

A client generated from ``/api/v1/openapi.json`` must not send what the server refuses, and the
server must not take what the document forbids. Checked here field by field on the real app
(``scripts/fuzz_api.sh`` checks the same over generated requests against a real ``cml serve``):

- every pattern the document states agrees with the validator that enforces it, on generated
  strings (JSON Schema patterns are ECMA-262: ``$`` is the end of the text, so ``fullmatch``);
- a blank string in any text field of any body is refused by the server AND by the document;
- every operation's own example request is accepted (404 for the ids it makes up);
- ``X-Tenant-ID`` and both ways of sending the key are declared on every operation that reads them;
- a 405 lists in ``Allow`` every method the document gives the path;
- integers on the wire are JSON integers, and the document says so.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from cml.engine import Engine
from cml.engine.listing import _statuses
from cml.errors import InvalidInputError
from cml.models import _fields, lookup
from cml.models.routes import API_PREFIX, ROUTES, Route
from cml.server.app import create_app
from cml.server.routes._examples import EXAMPLES
from cml.server.settings import ServerSettings

from .server_helpers import ADMIN_KEY, auth

TEXT_CHARS = st.characters(codec="utf-8", categories=None)
"""Any character UTF-8 can carry, control characters and odd whitespace included."""
EDGE_CHARS = st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000a/-._\x00\x7f")
"""Whitespace of every kind, control characters and the separators of names."""


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = create_app(ServerSettings(embedding_provider="hash")).openapi()
    return document


def _accepts(kind: Any, value: object) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


def _schema_allows(schema: dict[str, Any], value: str) -> bool:
    if "anyOf" in schema:
        return any(_schema_allows(branch, value) for branch in schema["anyOf"])
    if schema.get("type") != "string":
        return False
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        return False
    return "pattern" not in schema or re.fullmatch(schema["pattern"], value) is not None


STRING_TYPES: dict[str, Any] = {
    "Label": _fields.Label,
    "Tag": _fields.Tag,
    "MemoryId": _fields.MemoryId,
    "Namespace": _fields.Namespace,
    "Content": _fields.Content,
    "QueryText": _fields.QueryText,
    "OptionalContent": _fields.OptionalContent,
    "OptionalQueryText": _fields.OptionalQueryText,
}


@pytest.mark.parametrize("name", sorted(STRING_TYPES))
@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.text(TEXT_CHARS, max_size=70),
        st.text(
            st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000a/-._\x00\x7f"), max_size=8
        ),
        st.from_regex(_fields.NAMESPACE_PATTERN, fullmatch=True),
    )
)
def test_each_stated_pattern_is_the_validators_rule(name: str, value: str) -> None:
    kind = STRING_TYPES[name]
    schema = TypeAdapter(kind).json_schema()
    assert _schema_allows(schema, value) == _accepts(kind, value), (name, value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(TEXT_CHARS, max_size=130), st.just(1), max_size=18))
def test_the_metadata_filter_schema_is_the_validators_rule(value: dict[str, int]) -> None:
    kind: Any = _fields.MetadataFilter
    schema = TypeAdapter(kind).json_schema()["anyOf"][0]
    stated = schema["minProperties"] <= len(value) <= schema["maxProperties"] and all(
        re.fullmatch(schema["propertyNames"]["pattern"], key) for key in value
    )
    assert stated == _accepts(kind, value), value


@pytest.mark.parametrize("status", ["active", "all", "deleted", "superseded", "nope", "", "ALL"])
def test_the_listing_status_pattern_names_what_the_listing_takes(status: str) -> None:
    try:
        _statuses(status)
        taken = True
    except InvalidInputError:
        taken = False
    assert bool(re.fullmatch(lookup.STATUS_FILTER_PATTERN, status)) == taken


# -- blank fields: the server and the document agree ---------------------------------------------


def _string_fields(model: type[BaseModel]) -> list[str]:
    # Date-times are left to schemathesis: JSON Schema's "format" is checked by generators.
    schema = model.model_json_schema()
    fields = []
    for name, prop in schema["properties"].items():
        branches = prop.get("anyOf", [prop])
        if any(b.get("type") == "string" and "format" not in b for b in branches):
            fields.append(name)
    return fields


BLANK_CASES = [
    (route, field)
    for route in ROUTES
    if route.request is not None and route in EXAMPLES
    for field in _string_fields(route.request)
]


def _path(route: Route[Any]) -> str:
    made_up = "0192f0c4-9b2f-7d4c-8e3f-6a7b8c9d0e1f"
    return route.path.format(webhook_id=made_up, key_id=made_up, memory_id=made_up)


@pytest.mark.parametrize(
    ("route", "field"), BLANK_CASES, ids=[f"{r.path}:{f}" for r, f in BLANK_CASES]
)
@pytest.mark.parametrize("blank", ["", "   "])
async def test_a_blank_string_field_is_refused_by_the_server_exactly_when_the_document_says(
    client: httpx.AsyncClient, spec: dict[str, Any], route: Route[Any], field: str, blank: str
) -> None:
    operation = spec["paths"][API_PREFIX + route.path][route.method.lower()]
    body = {**(EXAMPLES[route].request or {}), field: blank}
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    document = jsonschema.Draft202012Validator({**schema, "components": spec["components"]})
    response = await client.request(route.method, _path(route), json=body, headers=auth(ADMIN_KEY))
    details = response.json()["error"]["details"] if response.status_code == 422 else []
    refused = field in [detail["field"] for detail in details]
    assert refused != document.is_valid(body), (field, blank, response.text)


# -- the document's own examples are accepted ------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_every_operations_example_request_is_accepted(
    app: FastAPI, engine: Engine, client: httpx.AsyncClient, route: Route[Any]
) -> None:
    app.state.readiness.load_now(engine)  # as the lifespan would, so that /ready answers 200
    if route.stream:
        pytest.skip("a stream follows the log; its refusals are tested with the admin routes")
    example = EXAMPLES[route]
    response = await client.request(
        route.method, _path(route), json=example.request, headers=auth(ADMIN_KEY)
    )
    if response.status_code == 422:
        # A webhook's URL must resolve: the example's host (example.com) does not here.
        assert "does not resolve" in response.text, response.text
    else:
        assert response.status_code in (200, 201, 202, 404), response.text


# -- headers and methods -------------------------------------------------------------------------


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_every_keyed_operation_declares_the_key_and_x_tenant_id(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "in": "header", "name": "X-API-Key"}
    assert schemes["Bearer"]["scheme"] == "bearer"
    keyed = [(p, m, op) for p, m, op in _operations(spec) if op.get("security")]
    assert len(keyed) >= 30
    for path, method, operation in keyed:
        assert operation["security"] == [{"ApiKey": []}, {"Bearer": []}], (method, path)
        tenant = [p for p in operation["parameters"] if p["name"] == "X-Tenant-ID"]
        assert [p["in"] for p in tenant] == ["header"], (method, path)
        assert tenant[0]["schema"]["pattern"] == _fields.NAME_PATTERN


async def test_a_declared_x_tenant_id_outside_its_pattern_is_refused(
    client: httpx.AsyncClient,
) -> None:
    for bad in ["../etc", "a/b", "x" * 65, "-lead"]:
        response = await client.get("/whoami", headers=auth(ADMIN_KEY, **{"X-Tenant-ID": bad}))
        assert response.status_code == 422, bad
    ok = await client.get("/whoami", headers=auth(ADMIN_KEY, **{"X-Tenant-ID": "globex"}))
    assert ok.status_code == 200
    assert ok.headers["x-cml-tenant"] == "globex"


def test_no_parameter_is_documented_as_null(spec: dict[str, Any]) -> None:
    # A query string or header has no null: an optional parameter is one that may be left out.
    for path, method, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            assert "null" not in str(parameter["schema"]), (method, path, parameter["name"])


async def test_a_405_allows_every_method_the_document_gives_the_path(
    app: FastAPI, client: httpx.AsyncClient, spec: dict[str, Any]
) -> None:
    for path, item in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "0192f0c4-9b2f-7d4c-8e3f-6a7b8c9d0e1f", path)
        response = await client.options(concrete.removeprefix(API_PREFIX))
        assert response.status_code == 405, path
        documented = sorted(method.upper() for method in item)
        assert response.headers["allow"] == ", ".join(documented), path
    keys = await client.options("/admin/keys")
    assert keys.headers["allow"] == "GET, POST"


# -- strict types on the wire --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["10", True, 10.5, None])
async def test_an_integer_must_be_a_json_integer(
    client: httpx.AsyncClient, spec: dict[str, Any], value: Any
) -> None:
    schema = spec["components"]["schemas"]["ReadRequest"]["properties"]["max_results"]
    assert schema["type"] == "integer"
    response = await client.post(
        "/memory/read", json={"query": "seats", "max_results": value}, headers=auth(ADMIN_KEY)
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "max_results"


async def test_an_integral_number_is_an_integer_as_json_schema_says(
    client: httpx.AsyncClient,
) -> None:
    # JSON has one kind of number; JSON Schema's "integer" takes 10.0, so the server does too.
    response = await client.post(
        "/memory/read", json={"query": "seats", "max_results": 10.0}, headers=auth(ADMIN_KEY)
    )
    assert response.status_code == 200, response.text
