"""Every operation of the API docs has a real summary and an example valid for its models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter

from cml.models.routes import API_PREFIX, ROUTES, Route
from cml.server.app import create_app
from cml.server.routes._examples import EXAMPLES
from cml.server.settings import ServerSettings


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = create_app(ServerSettings(embedding_provider="hash")).openapi()
    return document


def _operation(spec: dict[str, Any], route: Route[Any]) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][API_PREFIX + route.path][route.method.lower()]
    return operation


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_summary_is_the_handlers_first_line_not_its_name(
    spec: dict[str, Any], route: Route[Any]
) -> None:
    summary = _operation(spec, route)["summary"]
    assert 10 <= len(summary) <= 60, summary
    assert summary[0].isupper()
    assert not summary.endswith(".")
    assert "``" not in summary
    assert ":mod:" not in _operation(spec, route).get("description", "")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_has_an_example_the_models_accept(
    spec: dict[str, Any], route: Route[Any]
) -> None:
    assert route in EXAMPLES, f"add an example for {route.method} {route.path} to _examples.py"
    operation = _operation(spec, route)
    success = next(code for code in operation["responses"] if code.startswith("2"))
    content = operation["responses"][success]["content"]
    if route.stream:
        message = content["text/event-stream"]["example"]
        data = next(line for line in message.splitlines() if line.startswith("data: "))
        answer = json.loads(data.removeprefix("data: "))
    else:
        answer = content["application/json"]["example"]
    TypeAdapter(route.response).validate_python(answer)
    if route.request is not None:
        body = operation["requestBody"]["content"]["application/json"]["example"]
        route.request.model_validate(body)
