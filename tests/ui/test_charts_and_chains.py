"""The overview's charts over real counts, forgetting one memory from the forgetting preview,
and a memory's supersession chain in both directions."""

from __future__ import annotations

from playwright.sync_api import expect

from .browser import ADMIN_KEY, Dashboard


def _tenant_key(dashboard: Dashboard, tenant: str) -> str:
    """A read+write key of a tenant of its own, so that its counts are the test's alone."""
    with dashboard.api(ADMIN_KEY) as client:
        made = client.post("/admin/keys", json={"tenant_id": tenant, "name": f"{tenant} app"})
        made.raise_for_status()
        return str(made.json()["key"])


def test_the_overview_charts_show_the_tenants_real_counts(dashboard: Dashboard) -> None:
    key = _tenant_key(dashboard, "initech")
    written = [
        ("Ana prefers window seats on long flights", "preference"),
        ("Ben takes his coffee black", "preference"),
        ("The quarterly review moved to Thursday", "episodic_event"),
        ("Printer on floor 3 jammed during the demo", "episodic_event"),
        ("Initech's fiscal year starts in April", "semantic_fact"),
    ]
    ids = [dashboard.write(key, text, memory_type=kind) for text, kind in written]
    with dashboard.api(key) as client:
        client.post("/memory/forget", json={"memory_ids": [ids[3]]}).raise_for_status()
        stats = client.get("/memory/stats").json()
    assert stats["by_type"] == {"episodic_event": 1, "preference": 2, "semantic_fact": 1}

    page = dashboard.page
    dashboard.sign_in(key)
    timeline = page.get_by_test_id("chart-timeline")
    columns = timeline.get_by_test_id("timeline-bucket")
    expect(columns).to_have_count(30)
    # Today's column holds the four memories not forgotten; the days before hold none.
    expect(columns.nth(29)).to_have_attribute("data-total", "4")
    assert {columns.nth(n).get_attribute("data-total") for n in range(29)} == {"0"}
    legend = page.get_by_test_id("chart-timeline-legend")
    for memory_type, count in stats["by_type"].items():
        expect(legend.locator(f"[data-type={memory_type}]")).to_have_text(f"{memory_type}: {count}")
    status = page.get_by_test_id("chart-status")
    expect(status).to_contain_text("deleted: 1")
    expect(status).to_contain_text("active: 4")
    # A tenant key does not see the size of the store every tenant shares.
    expect(page.get_by_test_id("store-size")).to_have_count(0)

    page.get_by_test_id("timeline-week").click()
    expect(columns).to_have_count(12)
    expect(columns.nth(11)).to_have_attribute("data-total", "4")
    expect(page.get_by_test_id("timeline-week")).to_have_class("current")

    page.get_by_test_id("sign-out").click()
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("initech")
    expect(page.get_by_test_id("stats")).to_contain_text("Memories of initech")
    expect(columns.nth(29)).to_have_attribute("data-total", "4")
    expect(page.get_by_test_id("store-size")).to_contain_text("iB")


def test_one_memory_is_forgotten_from_the_forgetting_preview(dashboard: Dashboard) -> None:
    key = _tenant_key(dashboard, "hooli")
    stale = {
        "first": "A scratch note from long ago: call the plumber",
        "second": "A scratch note from long ago: buy printer toner",
    }
    ids = {
        name: dashboard.write(
            key,
            text,
            memory_type="scratch",
            timestamp="2001-01-01T00:00:00Z",
            importance=0.0,
            confidence=0.05,
        )
        for name, text in stale.items()
    }
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("hooli")
    dashboard.open("maintenance")
    page.get_by_test_id("forget-preview").click()
    first = page.locator(f"[data-testid=forget-decision][data-id='{ids['first']}']")
    second = page.locator(f"[data-testid=forget-decision][data-id='{ids['second']}']")
    expect(first).to_be_visible()

    # Cancelled: nothing happens.
    second.get_by_test_id("forget-one").click()
    page.get_by_test_id("confirm-cancel").click()
    # Confirmed: that memory alone is forgotten, through the public forget route.
    first.get_by_test_id("forget-one").click()
    expect(page.get_by_test_id("confirm")).to_contain_text(ids["first"])
    dashboard.confirm()
    expect(first).to_contain_text("forgotten")
    expect(first.get_by_test_id("forget-one")).to_be_disabled()
    expect(page.get_by_test_id("forget-summary")).to_contain_text("Preview:")
    with dashboard.api(key) as client:
        assert client.get(f"/memories/{ids['first']}").json()["status"] == "deleted"
        assert client.get(f"/memories/{ids['second']}").json()["status"] == "active"
    with dashboard.api(ADMIN_KEY, **{"X-Tenant-ID": "hooli"}) as client:
        events = client.get("/admin/events", params={"event_type": "memory.forget"}).json()
    assert [event["memory_ids"] for event in events["items"]] == [[ids["first"]]]


def test_the_memory_page_shows_the_chain_in_both_directions(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    chain = []
    for text in ("Erin lives in Oslo", "Erin moved to Bergen", "Erin moved to Trondheim"):
        chain.append(dashboard.write(acme, text, memory_type="semantic_fact"))
    oslo, bergen, trondheim = chain
    page = dashboard.page
    dashboard.sign_in(acme)

    # The oldest: retired by Bergen, which Trondheim retired in turn.
    page.goto(f"{dashboard.origin}/ui/#memory/{oslo}")
    expect(page.get_by_test_id("detail-text")).to_have_text("Erin lives in Oslo")
    expect(page.get_by_test_id("superseded-by-link")).to_have_text(bergen)
    expect(page.get_by_test_id("successor-link")).to_have_text([bergen, trondheim])
    expect(page.get_by_test_id("successors")).to_contain_text("Erin moved to Trondheim")
    expect(page.get_by_test_id("retired")).to_have_text("It retired no other memory.")

    # The newest: it retired Bergen, which had retired Oslo.
    page.get_by_test_id("successor-link").nth(1).click()
    expect(page.get_by_test_id("detail-text")).to_have_text("Erin moved to Trondheim")
    expect(page.get_by_test_id("superseded-by")).to_have_text("Not superseded.")
    retired = page.get_by_test_id("retired")
    expect(retired.get_by_test_id("retired-link")).to_have_text([bergen, oslo])
    expect(retired.locator("li[data-depth='1']")).to_contain_text("Erin lives in Oslo")
    expect(retired.locator("li[data-depth='0']")).to_contain_text("superseded")
