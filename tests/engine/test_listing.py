"""The memory listing: keyset pages in id order, filters, opaque cursors, tenants apart."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from cml.engine import Engine, InvalidInputError, RecordNotFoundError
from cml.models import (
    BatchWriteItem,
    BatchWriteRequest,
    ForgetRequest,
    MemoryListQuery,
    MemoryType,
    UpdateRequest,
    WriteRequest,
)


def _seed(engine: Engine, tenant: str, count: int, **fields: str) -> list[str]:
    items = [
        BatchWriteItem(content=f"Note {i} about topic {i * 7}", **fields) for i in range(count)
    ]
    response = engine.memories.write_batch(tenant, BatchWriteRequest(items=items))
    return [r.memory_id for r in response.results if r.memory_id]


def _walk(engine: Engine, tenant: str, limit: int, **filters: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = engine.memories.list_memories(
            tenant, MemoryListQuery(cursor=cursor, per_page=limit, **filters)
        )
        assert len(page.items) <= limit
        seen.extend(item.id for item in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_pages_walk_every_memory_once_in_id_order(engine: Engine) -> None:
    ids = _seed(engine, "acme", 23)
    assert _walk(engine, "acme", 5) == sorted(ids)
    assert _walk(engine, "acme", 23) == sorted(ids)  # an exact fit has no empty last page


def test_items_carry_the_full_memory(engine: Engine) -> None:
    written = engine.memories.write(
        "acme",
        WriteRequest(
            content="Ana's flight lands at 18:40 " + "with a long tail " * 200,
            namespace="travel",
            session_id="s1",
            metadata={"source": "mail"},
            context_tags=["flights"],
        ),
    )
    page = engine.memories.list_memories("acme")
    (item,) = page.items
    assert item.id == written.memory_id
    assert item.text.startswith("Ana's flight lands at 18:40")
    assert len(item.text) > 3000
    assert (item.namespace, item.session_id, item.status) == ("travel", "s1", "active")
    assert item.metadata == {"source": "mail"}
    assert item.context_tags == ["flights"]
    assert item.version == 1
    assert page.next_cursor is None


def test_filters_by_status_type_and_namespace(engine: Engine) -> None:
    ids = _seed(engine, "acme", 4, namespace="a")
    _seed(engine, "acme", 2, namespace="b")
    engine.memories.write(
        "acme", WriteRequest(content="Never call after 9pm", memory_type=MemoryType.CONSTRAINT)
    )
    engine.memories.forget("acme", ForgetRequest(memory_ids=ids[:1]))

    assert len(_walk(engine, "acme", 100)) == 6
    assert len(_walk(engine, "acme", 100, namespace="a")) == 3
    assert _walk(engine, "acme", 100, status="deleted") == ids[:1]
    assert len(_walk(engine, "acme", 100, status="all")) == 7
    assert len(_walk(engine, "acme", 100, memory_types=["constraint"])) == 1


def test_a_cursor_not_issued_by_the_server_is_refused(engine: Engine) -> None:
    for bad in ("bTE6", "YWJj"):
        with pytest.raises(InvalidInputError) as caught:
            engine.memories.list_memories("acme", MemoryListQuery(cursor=bad))
        assert caught.value.field == "cursor"
    with pytest.raises(pydantic.ValidationError):  # not even the shape of a cursor
        MemoryListQuery(cursor="nonsense!")
    with pytest.raises(InvalidInputError):
        engine.memories.list_memories("acme", MemoryListQuery(status="sleeping"))


def test_tenants_never_see_each_other(engine: Engine) -> None:
    acme = _seed(engine, "acme", 3)
    globex = _seed(engine, "globex", 2)
    assert _walk(engine, "acme", 2) == sorted(acme)
    assert _walk(engine, "globex", 2) == sorted(globex)


def test_memories_written_and_deleted_during_a_walk(engine: Engine) -> None:
    ids = _seed(engine, "acme", 30)
    seen: list[str] = []
    page = engine.memories.list_memories("acme", MemoryListQuery(per_page=7))
    seen.extend(i.id for i in page.items)
    # Meanwhile: forget one already seen and one not yet reached, write new ones.
    engine.memories.forget("acme", ForgetRequest(memory_ids=[seen[0], ids[20]]))
    fresh = _seed(engine, "acme", 3)
    while page.next_cursor is not None:
        page = engine.memories.list_memories(
            "acme", MemoryListQuery(cursor=page.next_cursor, per_page=7)
        )
        seen.extend(i.id for i in page.items)
    assert len(seen) == len(set(seen))
    kept = set(ids) - {ids[20]}
    assert kept <= set(seen)
    assert ids[20] not in seen
    assert set(fresh) <= set(seen)


def test_update_through_another_namespace_is_not_found(engine: Engine) -> None:
    written = engine.memories.write("acme", WriteRequest(content="Budget is 10k", namespace="a"))
    assert written.memory_id is not None
    with pytest.raises(RecordNotFoundError) as caught:
        engine.memories.update(
            "acme", UpdateRequest(memory_id=written.memory_id, importance=0.9, namespace="b")
        )
    assert "namespace 'b'" in caught.value.message
    record = engine.store.get("acme", written.memory_id)
    assert record is not None
    assert record.version == 1
    updated = engine.memories.update(
        "acme", UpdateRequest(memory_id=written.memory_id, importance=0.9, namespace="a")
    )
    assert updated.version == 2
