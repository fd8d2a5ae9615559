"""The event log pages like the memory listing: by cursor, never skipping or repeating an event
while others are logged; page numbers still work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cml

from .clients import KINDS, Client, make_client


@pytest.fixture(params=KINDS)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    async with make_client(request.param, tmp_path) as made:
        yield made


async def test_a_cursor_walk_sees_every_event_once_while_others_are_logged(
    client: Client,
) -> None:
    for i in range(7):
        await client.call("write", f"Before the walk, note {i}")

    page = await client.call("get_events", limit=3, event_type="memory.write")
    assert isinstance(page, cml.EventPage)
    assert (page.page, page.total, page.total_pages) == (1, 7, 3)
    seen = [e.id for e in page.items]
    while page.next_cursor is not None:
        # New events arrive at the top of the log between pages: the walk must not notice.
        await client.call("write", f"Written during the walk after {len(seen)} events")
        page = await client.call(
            "get_events", limit=3, cursor=page.next_cursor, event_type="memory.write"
        )
        assert page.page is None
        seen += [e.id for e in page.items]

    assert len(seen) == 7
    assert seen == sorted(seen, reverse=True)  # newest first, each once
    assert len(set(seen)) == 7


async def test_page_numbers_still_work(client: Client) -> None:
    for i in range(5):
        await client.call("write", f"Paged note {i}")

    first = await client.call("get_events", limit=2, page=1)
    third = await client.call("get_events", limit=2, page=3)
    everything = await client.call("get_events", limit=500)

    ids = [e["id"] for e in everything["items"]]  # dict-style, as first documented
    assert [e.id for e in first.items] == ids[:2]
    assert [e.id for e in third.items] == ids[4:6]
    assert third.next_cursor is None
    assert first.next_cursor is not None
    after_first = await client.call("get_events", limit=2, cursor=first.next_cursor)
    assert [e.id for e in after_first.items] == ids[2:4]


async def test_cursor_and_page_together_or_a_forged_cursor_are_refused(client: Client) -> None:
    await client.call("write", "Just one note")
    first = await client.call("get_events", limit=1)

    with pytest.raises(cml.ValidationError) as both:
        await client.call("get_events", page=1, cursor=first.next_cursor or "x")
    assert both.value.details[0].field == "cursor"
    with pytest.raises(cml.ValidationError, match="not one this server issued"):
        await client.call("get_events", cursor="bm90LWEtY3Vyc29y")
