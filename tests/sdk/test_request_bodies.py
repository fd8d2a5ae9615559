"""Every SDK method that sends its arguments as the body names each of them like a model field.

A method passes ``locals()`` and the core keeps the arguments that are fields of the route's
request model, so a parameter named otherwise would silently never be sent: this test finds
every such call in the async source and compares the method's parameters with the model.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from cml._async._admin import AsyncAdminMethods
from cml._async._memories import AsyncMemoryMethods
from cml.models import routes

NOT_SENT = {"self", "idempotency_key"}
"""Parameters that are options of the call, not fields of its body."""


def _calls_with_locals() -> list[tuple[str, type, str]]:
    """(method name, class, route name) of every ``self._call(routes.X, locals(), ...)``."""
    found: list[tuple[str, type, str]] = []
    for cls in (AsyncMemoryMethods, AsyncAdminMethods):
        tree = ast.parse(Path(inspect.getfile(cls)).read_text(encoding="utf-8"))
        for method in ast.walk(tree):
            if not isinstance(method, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            for node in ast.walk(method):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "_call"
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Call)
                    and getattr(node.args[1].func, "id", None) == "locals"
                ):
                    assert isinstance(node.args[0], ast.Attribute)
                    found.append((method.name, cls, node.args[0].attr))
    return found


CALLS = _calls_with_locals()


def test_the_methods_that_send_their_arguments_are_found() -> None:
    names = {name for name, _, _ in CALLS}
    assert {"write", "read", "turn", "update", "forget", "restore"} <= names
    assert {"consolidate", "run_forgetting", "purge", "create_api_key"} <= names


@pytest.mark.parametrize(("name", "cls", "route"), CALLS, ids=[c[0] for c in CALLS])
def test_every_parameter_is_a_field_of_the_request_model(name: str, cls: type, route: str) -> None:
    request = getattr(routes, route).request
    assert request is not None, f"{route} takes no body"
    parameters = set(inspect.signature(getattr(cls, name)).parameters) - NOT_SENT
    assert parameters <= set(request.model_fields), parameters - set(request.model_fields)
