"""The sync and async clients (and their namespaced views) are twins: same methods, same
signatures, same docs."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType

import pytest

import cml

PAIRS = [
    (cml.CognitiveMemoryLayer, cml.AsyncCognitiveMemoryLayer),
    (cml.EmbeddedCognitiveMemoryLayer, cml.AsyncEmbeddedCognitiveMemoryLayer),
    (cml.NamespacedClient, cml.AsyncNamespacedClient),
]
# No I/O, so plain methods on both twins.
PLAIN_METHODS = {"set_tenant", "with_namespace"}
SYNC_ONLY_DUNDERS = {"__init__", "__enter__", "__exit__"}
ASYNC_ONLY_DUNDERS = {"__init__", "__aenter__", "__aexit__"}


def _public(cls: type, dunders: set[str]) -> set[str]:
    # Dunders are compared only where defined (a namespaced view is no context manager).
    return {name for name in dir(cls) if not name.startswith("_")} | (dunders & set(dir(cls)))


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
            expected = unasync.translate(str(inspect.signature(async_member.fget)))
            assert str(inspect.signature(sync_member.fget)) == expected, sync_name
            assert inspect.getdoc(sync_member) == unasync.translate(
                inspect.getdoc(async_member) or ""
            )
            continue
        async_function = getattr(async_, async_name)
        sync_function = getattr(sync, sync_name)
        where = f"{sync.__name__}.{sync_name}"
        expected = unasync.translate(str(inspect.signature(async_function)))
        assert str(inspect.signature(sync_function)) == expected, where
        async_doc = unasync.translate(inspect.getdoc(async_function) or "")
        assert (inspect.getdoc(sync_function) or "") == async_doc, where
        if async_name in PLAIN_METHODS:
            assert not inspect.iscoroutinefunction(async_function), async_name
            assert not inspect.isasyncgenfunction(async_function), async_name
        elif async_name != "__init__" and callable(async_function):
            # Iterators (iter_memories) are async generators: iterated, not awaited.
            assert inspect.iscoroutinefunction(async_function) or inspect.isasyncgenfunction(
                async_function
            ), f"{async_.__name__}.{async_name}"
            assert not inspect.iscoroutinefunction(sync_function), where
            assert not inspect.isasyncgenfunction(sync_function), where


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


@pytest.mark.parametrize("index", [0, 1], ids=["client", "namespaced"])
def test_generated_sync_modules_are_current(unasync: ModuleType, index: int) -> None:
    source_path, target_path = unasync.FILES[index]
    source = Path(source_path).read_text(encoding="utf-8")
    current = Path(target_path).read_text(encoding="utf-8")

    assert current == unasync.unasync(source, Path(source_path).name), (
        "run `python scripts/unasync.py`"
    )


def test_namespaced_views_cover_every_scoped_method() -> None:
    # Every client method taking a namespace is either wrapped by the view (which fixes the
    # namespace) or deliberately left to the client; a new one must be decided on here.
    scoped = {
        name
        for name in _public(cml.AsyncCognitiveMemoryLayer, set())
        if callable(getattr(cml.AsyncCognitiveMemoryLayer, name))
        and "namespace"
        in inspect.signature(getattr(cml.AsyncCognitiveMemoryLayer, name)).parameters
    }
    wrapped = set(vars(cml.AsyncNamespacedClient))
    assert scoped <= wrapped
    for name in scoped - {"with_namespace"}:
        assert (
            "namespace"
            not in inspect.signature(getattr(cml.AsyncNamespacedClient, name)).parameters
        )


def test_views_are_made_by_with_namespace() -> None:
    sync_view = inspect.signature(cml.CognitiveMemoryLayer.with_namespace).return_annotation
    async_view = inspect.signature(cml.AsyncCognitiveMemoryLayer.with_namespace).return_annotation
    assert "NamespacedClient" in str(sync_view)
    assert "AsyncNamespacedClient" in str(async_view)
