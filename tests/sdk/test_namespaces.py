"""Namespaced clients (``with_namespace``): isolation in both directions for every namespaced
call, nesting, refusals, and what they share with the client they were made from."""

from __future__ import annotations

from pathlib import Path

import pytest

import cml

Client = cml.AsyncCognitiveMemoryLayer
View = cml.AsyncCognitiveMemoryLayer

A_TEXT = "The launch budget for the robot arm is twelve thousand euros"
B_TEXT = "The launch party for the robot arm is on the rooftop terrace"


async def _seed(memory: Client) -> tuple[View, View, str, str]:
    a, b = memory.with_namespace("a"), memory.with_namespace("b")
    written_a = await a.write(A_TEXT)
    written_b = await b.write(B_TEXT)
    assert written_a.memory_id is not None
    assert written_b.memory_id is not None
    return a, b, written_a.memory_id, written_b.memory_id


async def test_reads_see_only_their_namespace(server_client: Client) -> None:
    a, b, id_a, id_b = await _seed(server_client)
    for view, mine, other in [(a, id_a, id_b), (b, id_b, id_a)]:
        found = await view.read("robot arm launch", max_results=10)
        assert [m.id for m in found.memories] == [mine]
        assert other not in {m.id for m in found.memories}
    everywhere = await server_client.read("robot arm launch")
    assert {m.id for m in everywhere.memories} == {id_a, id_b}


async def test_batch_reads_see_only_their_namespace(server_client: Client) -> None:
    a, b, id_a, id_b = await _seed(server_client)
    for view, mine in [(a, id_a), (b, id_b)]:
        answers = await view.batch_read(["robot arm budget", "robot arm party"])
        assert [[m.id for m in answer.memories] for answer in answers] == [[mine], [mine]]


async def test_turns_recall_and_store_in_their_namespace(server_client: Client) -> None:
    a, b, _, _ = await _seed(server_client)
    turn = await a.turn("How big is the robot arm launch budget?", assistant_response="12k EUR")
    assert "twelve thousand" in turn.memory_context
    assert "rooftop" not in turn.memory_context
    other = await b.turn("Where is the robot arm launch party?")
    assert "rooftop" in other.memory_context
    assert "twelve thousand" not in other.memory_context
    assert (await a.stats()).total_memories == 2  # the exchange was stored in a
    assert (await b.stats()).total_memories == 2


async def test_forget_cannot_reach_another_namespace(server_client: Client) -> None:
    a, b, id_a, id_b = await _seed(server_client)
    missed = await b.forget(memory_ids=[id_a])
    assert missed.affected_count == 0
    missed = await a.forget(query=B_TEXT, threshold=0.95)  # exact text lives in b
    assert missed.affected_count == 0
    assert (await a.stats()).active_memories == 1
    assert (await b.stats()).active_memories == 1
    done = await a.forget(memory_ids=[id_a, id_b])
    assert done.memory_ids == [id_a]
    assert (await b.stats()).active_memories == 1


async def test_updates_cannot_reach_another_namespace(server_client: Client) -> None:
    a, b, id_a, id_b = await _seed(server_client)
    with pytest.raises(cml.NotFoundError):
        await b.update(id_a, text="The launch budget is zero")
    with pytest.raises(cml.NotFoundError):
        await a.update(id_b, importance=0.1)
    updated = await a.update(id_a, importance=0.9)
    assert updated.version == 2
    (item,) = [m async for m in a.iter_memories()]
    assert item.text == A_TEXT
    assert item.version == 2


async def test_stats_and_iteration_count_only_their_namespace(server_client: Client) -> None:
    a, b, id_a, id_b = await _seed(server_client)
    await a.batch_write([{"content": f"Task {i} for the arm"} for i in range(4)])
    assert (await a.stats()).total_memories == 5
    assert (await b.stats()).total_memories == 1
    assert (await server_client.stats()).total_memories == 6
    listed_a = [m.id async for m in a.iter_memories(batch_size=2)]
    listed_b = [m.id async for m in b.iter_memories(batch_size=2)]
    assert len(listed_a) == 5
    assert id_a in listed_a
    assert listed_b == [id_b]
    assert {m.namespace async for m in a.iter_memories()} == {"a"}


async def test_nested_namespaces_are_separate_partitions(server_client: Client) -> None:
    a = server_client.with_namespace("a")
    nested = a.with_namespace("b")
    assert nested.namespace == "a/b"
    await a.write("Parent note about the quarterly plan")
    await nested.write("Child note about the quarterly plan")
    assert [m.text for m in (await a.read("quarterly plan")).memories] == [
        "Parent note about the quarterly plan"
    ]
    assert [m.text for m in (await nested.read("quarterly plan")).memories] == [
        "Child note about the quarterly plan"
    ]
    assert server_client.with_namespace("a/b").namespace == "a/b"


async def test_bad_names_are_refused_with_the_rule(server_client: Client) -> None:
    for bad in ["", " ", "a b", "/a", "a/", "a//b", "-a", "a/b/c/d/e", "x" * 65]:
        with pytest.raises(cml.ValidationError) as caught:
            server_client.with_namespace(bad)
        assert "1-4 segments" in caught.value.message, bad
        assert caught.value.details[0].field == "namespace"
    deep = server_client.with_namespace("a/b/c/d")
    with pytest.raises(cml.ValidationError):
        deep.with_namespace("e")


async def test_batch_items_may_not_name_another_namespace(server_client: Client) -> None:
    a = server_client.with_namespace("a")
    with pytest.raises(cml.ValidationError) as caught:
        await a.batch_write([{"content": "fine"}, {"content": "elsewhere", "namespace": "b"}])
    assert caught.value.details[0].field == "items.1.namespace"
    results = await a.batch_write([{"content": "same ns", "namespace": "a"}, {"content": "none"}])
    assert len(results) == 2
    assert (await server_client.stats(namespace="b")).total_memories == 0


async def test_everything_else_acts_as_on_the_client(server_client: Client) -> None:
    view = server_client.with_namespace("a")
    assert type(view) is type(server_client)
    assert (await view.health()).status == "ok"
    created = await view.create_api_key("default", name="made through a namespaced client")
    keys = await view.list_api_keys()  # not namespaced: the whole tenant's keys
    assert [k.id for k in keys] == [created.id]
    await view.write("A note in a")
    await server_client.write("A note in no namespace")
    assert (await view.list_tenants())[0].memory_count == 2  # admin calls see the whole tenant
    assert view.tenant_id == server_client.tenant_id == "default"


async def test_another_namespace_is_refused_before_sending(server_client: Client) -> None:
    view = server_client.with_namespace("a")
    for call in (
        view.write("x", namespace="b"),
        view.read("x", namespace="b"),
        view.stats(namespace="b"),
        view.batch_read(["x"], namespace="b"),
        view.batch_write([{"content": "x"}], namespace="b"),
    ):
        with pytest.raises(cml.ValidationError) as caught:
            await call
        assert caught.value.status_code is None  # nothing was sent
        assert caught.value.details[0].field == "namespace"
        assert "bound to 'a'" in caught.value.message
    assert (await view.write("same", namespace="a")).success  # its own name is fine
    assert (await server_client.stats(namespace="b")).total_memories == 0


async def test_the_connection_and_the_tenant_are_shared(server_client: Client) -> None:
    view = server_client.with_namespace("a")
    await view.close()  # closes nothing: the client it was made from owns the connection
    assert (await server_client.health()).status == "ok"
    assert (await view.health()).status == "ok"
    server_client.set_tenant("globex")
    assert view.tenant_id == "globex"
    with pytest.raises(cml.AuthorizationError, match="globex"):
        await view.write("A note for globex")  # the client's tenant, which this key may not use
    view.set_tenant("default")
    assert server_client.tenant_id == "default"
    await view.write("A note for default")
    assert (await server_client.stats(namespace="a")).total_memories == 1
    await server_client.close()  # one connection: closing the client closes it for the view
    with pytest.raises(RuntimeError, match="closed"):
        await view.health()


def test_sync_views_isolate_too(tmp_path: Path) -> None:
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "m.db", embedding_provider="hash") as memory:
        a, b = memory.with_namespace("a"), memory.with_namespace("b")
        assert type(a) is cml.EmbeddedCognitiveMemoryLayer
        written = a.write(A_TEXT)
        b.write(B_TEXT)
        assert [m.id for m in a.read("robot arm").memories] == [written.memory_id]
        assert [m.text for m in b.iter_memories()] == [B_TEXT]
        assert b.forget(memory_ids=[str(written.memory_id)]).affected_count == 0
        with pytest.raises(cml.NotFoundError):
            b.update(str(written.memory_id), importance=0.2)
        assert "twelve" not in b.turn("robot arm budget?").memory_context
        a.close()  # closes nothing: the engine stays open for the client and b
        assert b.stats().total_memories == 2
