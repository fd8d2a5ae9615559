"""get and history: one memory by id, its states newest first, in keyset pages; tenants apart."""

from __future__ import annotations

import pytest

from cml.engine import Engine, InvalidInputError, RecordNotFoundError
from cml.models import ForgetRequest, UpdateRequest, WriteRequest


def _write(engine: Engine, tenant: str, text: str, **fields: str) -> str:
    memory_id = engine.memories.write(tenant, WriteRequest(content=text, **fields)).memory_id
    assert memory_id is not None
    return memory_id


def _walk(engine: Engine, memory_id: str, limit: int, *, between: int | None = None) -> list[int]:
    versions: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = engine.memories.history("acme", memory_id, cursor=cursor, limit=limit)
        versions += [state.version for state in page.items]
        pages += 1
        if pages == between:  # a change while the walk is under way
            engine.memories.update("acme", UpdateRequest(memory_id=memory_id, importance=0.1))
        if page.next_cursor is None:
            return versions
        cursor = page.next_cursor


def test_history_pages_never_skip_or_repeat_even_while_the_memory_changes(engine: Engine) -> None:
    memory_id = _write(engine, "acme", "The meeting room is Ada")
    for i in range(6):
        engine.memories.update("acme", UpdateRequest(memory_id=memory_id, importance=i / 10))
    assert _walk(engine, memory_id, 2) == [7, 6, 5, 4, 3, 2, 1]
    # A state recorded during the walk is not seen (it is newer than the first page), and no
    # state the walk had yet to reach is skipped or repeated.
    assert _walk(engine, memory_id, 3, between=1) == [7, 6, 5, 4, 3, 2, 1]
    assert _walk(engine, memory_id, 100)[0] == 8


def test_get_and_history_are_confined_to_tenant_and_namespace(engine: Engine) -> None:
    memory_id = _write(engine, "acme", "The launch is in June", namespace="work")
    assert engine.memories.get("acme", memory_id).text == "The launch is in June"
    assert engine.memories.get("acme", memory_id, namespace="work").id == memory_id
    for tenant, namespace in (("globex", None), ("acme", "home"), ("acme", "work/sub")):
        with pytest.raises(RecordNotFoundError):
            engine.memories.get(tenant, memory_id, namespace=namespace)
        with pytest.raises(RecordNotFoundError):
            engine.memories.history(tenant, memory_id, namespace=namespace)


def test_get_shows_a_forgotten_memory_with_its_status(engine: Engine) -> None:
    memory_id = _write(engine, "acme", "The old office was in Leeds")
    engine.memories.forget("acme", ForgetRequest(memory_ids=[memory_id]))
    assert engine.memories.get("acme", memory_id).status == "deleted"
    engine.memories.forget("acme", ForgetRequest(memory_ids=[memory_id], hard=True))
    with pytest.raises(RecordNotFoundError):
        engine.memories.get("acme", memory_id)


def test_a_forged_history_cursor_is_refused(engine: Engine) -> None:
    memory_id = _write(engine, "acme", "The car is blue")
    for cursor in ("nonsense", "bTE6MDE5", "aDE6LTE"):
        with pytest.raises(InvalidInputError) as refused:
            engine.memories.history("acme", memory_id, cursor=cursor)
        assert refused.value.field == "cursor"
