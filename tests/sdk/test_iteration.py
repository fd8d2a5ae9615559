"""iter_memories: every matching memory exactly once, in full, even while the store changes."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import httpx
import pytest
from fastapi import FastAPI

import cml
from cml.config import CMLConfig

from .scripted import API_KEY, BASE_URL, NO_WAIT

Client = cml.AsyncCognitiveMemoryLayer


async def _seed(memory: Client, count: int, label: str = "seed") -> list[str]:
    items = [
        {"content": f"{label} memory {i}: the kettle in room {i} is blue"} for i in range(count)
    ]
    return [str(r.memory_id) for r in await memory.batch_write(items)]


async def test_yields_every_memory_once_in_full(server_client: Client) -> None:
    ids = await _seed(server_client, 23)
    items = [item async for item in server_client.iter_memories(batch_size=5)]
    assert [i.id for i in items] == ids  # creation order
    assert items[3].text == "seed memory 3: the kettle in room 3 is blue"
    assert items[3].status == "active"


async def test_writes_and_deletes_during_the_iteration(server_client: Client) -> None:
    ids = await _seed(server_client, 60)
    deleted_ahead = ids[40:45]
    seen: list[str] = []
    fresh: list[str] = []
    async for item in server_client.iter_memories(batch_size=7):
        seen.append(item.id)
        if len(seen) == 10:
            await server_client.forget(memory_ids=[*seen[:3], *deleted_ahead])
            fresh += await _seed(server_client, 5, label="fresh")
        if len(seen) == 30:
            fresh += await _seed(server_client, 5, label="later")
    assert len(seen) == len(set(seen))  # nothing twice
    untouched = set(ids) - set(deleted_ahead)
    assert untouched <= set(seen)  # nothing that stayed active was skipped
    assert not set(deleted_ahead) & set(seen)  # deleted before reached: not yielded
    assert set(fresh) <= set(seen)  # written meanwhile: yielded (once)


async def test_concurrent_writers_do_not_disturb_the_iteration(server_client: Client) -> None:
    ids = await _seed(server_client, 80)
    seen: list[str] = []

    async def iterate() -> None:
        async for item in server_client.iter_memories(batch_size=9):
            seen.append(item.id)
            await anyio.lowlevel.checkpoint()

    async def write_and_delete() -> None:
        for round_ in range(6):
            await _seed(server_client, 4, label=f"round {round_}")
            await server_client.forget(memory_ids=[ids[round_]])

    async with anyio.create_task_group() as group:
        group.start_soon(iterate)
        group.start_soon(write_and_delete)
    assert len(seen) == len(set(seen))
    assert set(ids[6:]) <= set(seen)


async def test_filters(server_client: Client) -> None:
    await server_client.write("Never schedule calls on Friday", memory_type="constraint")
    await server_client.write("Prefers oat milk", memory_type="preference")
    forgotten = await server_client.write(
        "Old phone number was replaced", memory_type="semantic_fact"
    )
    await server_client.forget(memory_ids=[str(forgotten.memory_id)])
    types = [i.type async for i in server_client.iter_memories(memory_types=["constraint"])]
    assert types == ["constraint"]
    assert len([i async for i in server_client.iter_memories()]) == 2
    assert len([i async for i in server_client.iter_memories(status="all")]) == 3
    deleted = [i async for i in server_client.iter_memories(status="deleted")]
    assert [i.id for i in deleted] == [forgotten.memory_id]


async def test_bad_arguments_are_refused_before_sending(server_client: Client) -> None:
    for kwargs, field in [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 501}, "batch_size"),
        ({"status": "sleeping"}, "status"),
        ({"memory_types": ["gossip"]}, "memory_types"),
        ({"namespace": "a b"}, "namespace"),
    ]:
        with pytest.raises(cml.ValidationError) as caught:
            _ = [i async for i in server_client.iter_memories(**kwargs)]  # type: ignore[arg-type]
        assert caught.value.details[0].field == field


async def test_a_user_key_is_told_an_admin_key_is_needed(server_app: FastAPI) -> None:
    config = CMLConfig(api_key=API_KEY, base_url=BASE_URL, max_retries=0, **NO_WAIT)
    transport = httpx.ASGITransport(app=server_app)
    async with cml.AsyncCognitiveMemoryLayer(config=config, transport=transport) as memory:
        with pytest.raises(cml.AuthorizationError) as caught:
            _ = [i async for i in memory.iter_memories()]
    assert "admin" in str(caught.value)
