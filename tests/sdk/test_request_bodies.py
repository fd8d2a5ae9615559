"""Every SDK method that sends its arguments names each of them like a field of the model.

A method passes ``locals()`` (to ``_call`` for the body, or to ``arguments_for`` for a query
model) and only the arguments that are fields of the model are kept, so a parameter named
otherwise would silently never be sent: this test finds every such call in the async source and
compares the method's parameters with the model.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pydantic
import pytest

from cml import models
from cml._async._admin import AsyncAdminMethods
from cml._async._memories import AsyncMemoryMethods
from cml.models import routes

NOT_SENT = {"self", "idempotency_key", "webhook_id"}
"""Parameters that are options of the call or sent in its path, not fields of what it sends."""


def _model(call: ast.Call) -> type[pydantic.BaseModel] | None:
    """The model whose fields a ``...(X, locals(), ...)`` call keeps, if it is one."""
    if len(call.args) < 2 or not isinstance(call.args[1], ast.Call):
        return None
    if getattr(call.args[1].func, "id", None) != "locals":
        return None
    func, target = call.func, call.args[0]
    if isinstance(func, ast.Attribute) and func.attr == "_call":
        assert isinstance(target, ast.Attribute)
        request = getattr(routes, target.attr).request
        assert request is not None, f"{target.attr} takes no body"
        return request
    if isinstance(func, ast.Name) and func.id == "arguments_for":
        assert isinstance(target, ast.Name)
        model: type[pydantic.BaseModel] = getattr(models, target.id)
        return model
    return None


def _calls_with_locals() -> list[tuple[str, type, type[pydantic.BaseModel]]]:
    """(method name, class, model) of every call that sends a method's ``locals()``."""
    found: list[tuple[str, type, type[pydantic.BaseModel]]] = []
    for cls in (AsyncMemoryMethods, AsyncAdminMethods):
        tree = ast.parse(Path(inspect.getfile(cls)).read_text(encoding="utf-8"))
        for method in ast.walk(tree):
            if not isinstance(method, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            for node in ast.walk(method):
                model = _model(node) if isinstance(node, ast.Call) else None
                if model is not None:
                    found.append((method.name, cls, model))
    return found


CALLS = _calls_with_locals()


def test_the_methods_that_send_their_arguments_are_found() -> None:
    names = {name for name, _, _ in CALLS}
    assert {"write", "read", "turn", "update", "forget", "restore", "list_memories"} <= names
    assert {"consolidate", "run_forgetting", "purge", "create_api_key"} <= names
    assert {"create_webhook", "update_webhook"} <= names


@pytest.mark.parametrize(("name", "cls", "model"), CALLS, ids=[c[0] for c in CALLS])
def test_every_parameter_is_a_field_of_the_model(
    name: str, cls: type, model: type[pydantic.BaseModel]
) -> None:
    parameters = set(inspect.signature(getattr(cls, name)).parameters) - NOT_SENT
    assert parameters <= set(model.model_fields), parameters - set(model.model_fields)
