"""The sync and async clients are twins: same methods, same signatures, same docs."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType

import pytest

import cml

PAIRS = [
    (cml.CognitiveMemoryLayer, cml.AsyncCognitiveMemoryLayer),
    (cml.EmbeddedCognitiveMemoryLayer, cml.AsyncEmbeddedCognitiveMemoryLayer),
]
SYNC_ONLY_DUNDERS = {"__init__", "__enter__", "__exit__"}
ASYNC_ONLY_DUNDERS = {"__init__", "__aenter__", "__aexit__"}


def _public(cls: type, dunders: set[str]) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")} | dunders


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda cls: cls.__name__)
def test_same_public_names(sync: type, async_: type) -> None:
    sync_names = _public(sync, SYNC_ONLY_DUNDERS)
    async_names = _public(async_, ASYNC_ONLY_DUNDERS)

    renamed = {"__aenter__": "__enter__", "__aexit__": "__exit__"}
    assert {renamed.get(n, n) for n in async_names} == sync_names


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda cls: cls.__name__)
def test_same_signatures_and_docstrings(sync: type, async_: type, unasync: ModuleType) -> None:
    renamed = {"__aenter__": "__enter__", "__aexit__": "__exit__"}
    for async_name in _public(async_, ASYNC_ONLY_DUNDERS):
        sync_name = renamed.get(async_name, async_name)
        async_member = inspect.getattr_static(async_, async_name)
        sync_member = inspect.getattr_static(sync, sync_name)
        if isinstance(async_member, property):
            assert isinstance(sync_member, property), sync_name
            assert sync_member.fget is not None
            assert async_member.fget is not None
            assert inspect.signature(sync_member.fget) == inspect.signature(async_member.fget)
            assert inspect.getdoc(sync_member) == inspect.getdoc(async_member)
            continue
        async_function = getattr(async_, async_name)
        sync_function = getattr(sync, sync_name)
        where = f"{sync.__name__}.{sync_name}"
        expected = unasync.translate(str(inspect.signature(async_function)))
        assert str(inspect.signature(sync_function)) == expected, where
        async_doc = unasync.translate(inspect.getdoc(async_function) or "")
        assert (inspect.getdoc(sync_function) or "") == async_doc, where
        if async_name != "__init__" and callable(async_function):
            assert inspect.iscoroutinefunction(async_function), f"{async_.__name__}.{async_name}"
            assert not inspect.iscoroutinefunction(sync_function), where


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda cls: cls.__name__)
def test_class_docstrings_match(sync: type, async_: type, unasync: ModuleType) -> None:
    assert inspect.getdoc(sync) == unasync.translate(inspect.getdoc(async_) or "")


def test_every_public_method_is_documented_and_annotated() -> None:
    for cls in [cls for pair in PAIRS for cls in pair]:
        for name in _public(cls, set()):
            member = getattr(cls, name)
            assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"
            function = member.fget if isinstance(member, property) else member
            assert function is not None
            signature = inspect.signature(function)
            assert signature.return_annotation is not inspect.Signature.empty, name
            for parameter in list(signature.parameters.values())[1:]:
                assert parameter.annotation is not inspect.Parameter.empty, (name, parameter)


def test_embedded_clients_are_the_http_clients() -> None:
    assert issubclass(cml.EmbeddedCognitiveMemoryLayer, cml.CognitiveMemoryLayer)
    assert issubclass(cml.AsyncEmbeddedCognitiveMemoryLayer, cml.AsyncCognitiveMemoryLayer)


def test_generated_sync_client_is_current(unasync: ModuleType) -> None:
    source = Path(unasync.SOURCE).read_text(encoding="utf-8")
    current = Path(unasync.TARGET).read_text(encoding="utf-8")

    assert current == unasync.unasync(source), "run `python scripts/unasync.py`"
