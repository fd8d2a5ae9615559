"""The sync and async clients (and the integrations' helpers) are twins: same methods, same
signatures, same docs; the sync ones are generated, and the generated files are current."""

from __future__ import annotations

import dataclasses
import inspect
from types import ModuleType

import pytest

import cml
import cml.integrations as integrations

PAIRS = [
    (cml.CognitiveMemoryLayer, cml.AsyncCognitiveMemoryLayer),
    (cml.EmbeddedCognitiveMemoryLayer, cml.AsyncEmbeddedCognitiveMemoryLayer),
    (integrations.CMLOpenAIHelper, integrations.AsyncCMLOpenAIHelper),
    (integrations.CMLMemoryProvider, integrations.AsyncCMLMemoryProvider),
    (integrations.MemoryProvider, integrations.AsyncMemoryProvider),
    (integrations.MemoryToolDispatcher, integrations.AsyncMemoryToolDispatcher),
]
# No I/O, so plain methods on both twins.
PLAIN_METHODS = {"set_tenant", "with_namespace"}
SYNC_ONLY_DUNDERS = {"__init__", "__enter__", "__exit__"}
ASYNC_ONLY_DUNDERS = {"__init__", "__aenter__", "__aexit__"}


def _public(cls: type, dunders: set[str]) -> set[str]:
    # Dunders are compared only where defined (a helper is no context manager); a dataclass's
    # fields are compared through the signature of its __init__.
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    public = {name for name in dir(cls) if not name.startswith("_") and name not in fields}
    return public | (dunders & set(dir(cls)))


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


def test_generated_sync_modules_are_current(unasync: ModuleType) -> None:
    plan = unasync.plan()
    assert plan.problems == []
    stale = [str(path) for path in unasync.stale(plan)]
    assert stale == [], "run `python scripts/unasync.py`"


def test_every_async_source_has_its_generated_twin(unasync: ModuleType) -> None:
    plan = unasync.plan()
    names = {path.relative_to(unasync.SRC).as_posix() for path in plan.files}
    assert {
        "_sync/client.py",
        "_sync/transport.py",
        "integrations/_sync/provider.py",
        "integrations/_sync/tools.py",
    } <= names
    for path in plan.files:
        header = path.read_text(encoding="utf-8").splitlines()[:2]
        source = header[0].removeprefix("# Generated from ").split(" by ")[0]
        assert "/_async/" in source
        assert (unasync.ROOT / source).exists(), header  # the header names the file to edit
        assert "Do not edit" in header[1]


def test_the_generator_refuses_an_unused_substitution(unasync: ModuleType) -> None:
    rules = [*unasync.SUBSTITUTIONS, (r"\bno_such_name_anywhere\b", "x")]

    problems = unasync.plan(rules).problems

    assert len(problems) == 1
    assert "no_such_name_anywhere" in problems[0]
    assert "changed nothing" in problems[0]


def test_a_namespaced_client_is_a_client_of_the_same_class() -> None:
    for cls in (cml.CognitiveMemoryLayer, cml.AsyncCognitiveMemoryLayer):
        client = cls(api_key="k", base_url="http://cml.test")
        scoped = client.with_namespace("a")
        assert type(scoped) is cls
        assert type(scoped.with_namespace("b")) is cls
        assert scoped.namespace == "a"
        assert client.namespace is None
        assert "Self" in str(inspect.signature(cls.with_namespace).return_annotation)
