"""Screenshots of every dashboard page for the docs (docs/img/dashboard-*.png).

Runs only when ``CML_UI_SCREENSHOTS`` names the directory to write them to:
``CML_UI_SCREENSHOTS=docs/img pytest tests/ui/test_screenshots.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .browser import ADMIN_KEY, Dashboard, running_server

MEMORIES = [
    ("Ana prefers window seats on long flights", "preference", "travel"),
    ("Ana is allergic to peanuts", "constraint", "health"),
    ("Ana moved to Lisbon in 2021", "semantic_fact", "profile"),
    ("Ana's sister Rita is a nurse in Porto", "semantic_fact", "family"),
    ("On Monday Ana booked a train to Madrid for the conference", "episodic_event", "travel"),
    ("On Tuesday Ana asked for vegetarian restaurants near the venue", "episodic_event", "travel"),
    ("To file expenses: photograph receipts, then upload them by Friday", "procedure", "work"),
    ("Ana is drafting the Q3 planning document", "task_state", "work"),
]


@pytest.fixture(scope="module")
def target() -> Path:
    wanted = os.environ.get("CML_UI_SCREENSHOTS")
    if not wanted:
        pytest.skip("set CML_UI_SCREENSHOTS=docs/img to take the docs' screenshots")
    path = Path(wanted)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server(target: Path, tmp_path_factory: pytest.TempPathFactory, launcher: Any) -> Iterator[Any]:
    # A server of its own, on the real local model, so that the search shown ranks as it would
    # for a user. Asks for target first: no server starts when no screenshot is wanted.
    with running_server(tmp_path_factory, launcher, CML_EMBEDDING_PROVIDER="local") as running:
        yield running


def test_take_screenshots(target: Path, dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    for text, kind, namespace in MEMORIES:
        dashboard.write(acme, text, memory_type=kind, namespace=namespace)
    dashboard.write(dashboard.key("globex"), "Globex's board meets on the first Monday")
    page = dashboard.page

    def shot(name: str) -> None:
        page.screenshot(path=target / f"dashboard-{name}.png", full_page=True)

    page.goto(f"{dashboard.origin}/ui/")
    page.get_by_test_id("api-key").wait_for()
    shot("sign-in")

    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("acme")
    expect(page.get_by_test_id("stats")).to_contain_text("Memories of acme")
    page.get_by_test_id("health").wait_for()
    shot("overview")

    dashboard.open("memories")
    page.get_by_test_id("search").fill("Where does Ana like to sit when she travels?")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("results-summary")).to_contain_text("memories for")
    page.get_by_test_id("memory-row").first.click()
    page.get_by_test_id("detail-text").wait_for()
    shot("memories")

    # Corrections: the move to Madrid retires the Lisbon fact, the move to Valencia the Madrid
    # one; the middle fact's page shows the chain both ways and its history.
    with dashboard.api(acme) as client:
        lisbon = client.get("/memories", params={"namespace": "profile"}).json()["items"][0]["id"]
    moved = dashboard.write(
        acme,
        "Ana moved to Madrid last month",
        memory_type="semantic_fact",
        namespace="profile",
        metadata={"source": "onboarding"},
    )
    again = dashboard.write(
        acme, "Ana moved to Valencia this week", memory_type="semantic_fact", namespace="profile"
    )
    # The middle of the chain: retired by the move to Valencia, and it retired Lisbon.
    page.goto(f"{dashboard.origin}/ui/#memory/{moved}")
    expect(page.get_by_test_id("superseded-by-link")).to_have_text(again)
    expect(page.get_by_test_id("retired-link")).to_have_text(lisbon)
    expect(page.get_by_test_id("history-row")).to_have_count(2)
    shot("memory")

    dashboard.open("memories")
    page.get_by_test_id("filter-metadata").fill("source=onboarding")
    page.get_by_test_id("filter-status").select_option("all")
    page.get_by_test_id("list-submit").click()
    expect(page.get_by_test_id("results-summary")).to_contain_text("Page 1: 1 memories")
    shot("list")

    # An old, unimportant note for the forgetting preview to plan for, written after the
    # search (a recall counts as activity).
    dashboard.write(
        acme,
        "Scratch: try the blue marker on the whiteboard",
        memory_type="scratch",
        timestamp="2019-03-01T09:00:00Z",
        importance=0.0,
        confidence=0.05,
    )
    dashboard.open("events")
    expect(page.get_by_test_id("stream-state")).to_have_text("live")
    live = dashboard.write(acme, "Ana confirmed the hotel in Madrid", namespace="travel")
    expect(page.get_by_test_id("event-row").first).to_contain_text(live)
    shot("events")

    dashboard.open("maintenance")
    page.get_by_test_id("forget-preview").click()
    page.get_by_test_id("forget-summary").wait_for()
    shot("maintenance")

    dashboard.open("keys")
    page.get_by_test_id("key-all-tenants").check()
    expect(page.get_by_test_id("key-row").first).to_be_visible()
    shot("keys")
