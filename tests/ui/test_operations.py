"""Admin sections: live events, forgetting preview and apply, consolidation, keys."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .browser import ADMIN_KEY, Dashboard


def test_events_appear_live_and_the_stream_resumes(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    first = dashboard.write(acme, "Before the page opened: the boiler was serviced")
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("acme")
    dashboard.open("events")
    rows = page.get_by_test_id("event-row")
    expect(rows.filter(has_text=first)).to_have_count(1)
    state = page.get_by_test_id("stream-state")
    expect(state).to_have_text("live")

    live = dashboard.write(acme, "While watching: the lift inspection passed")
    expect(rows.filter(has_text=live)).to_have_count(1)
    expect(rows.first).to_contain_text("memory.write")

    # The server ends idle streams (after 2 s here); the page reconnects with Last-Event-ID
    # and neither misses nor repeats an event.
    expect(state).to_have_attribute("data-connections", re.compile(r"^[2-9]|\d\d"))
    later = [dashboard.write(acme, f"After a reconnect: meter reading {n} logged") for n in (1, 2)]
    for memory_id in later:
        expect(rows.filter(has_text=memory_id)).to_have_count(1)
    expect(rows.filter(has_text=live)).to_have_count(1)

    # Another tenant's events never show in this one's log.
    other = dashboard.write(dashboard.key("globex"), "Globex's canteen opens at noon")
    marker = dashboard.write(acme, "Acme's canteen opens at one")
    expect(rows.filter(has_text=marker)).to_have_count(1)
    expect(rows.filter(has_text=other)).to_have_count(0)


def test_forgetting_preview_then_apply(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    stale = dashboard.write(
        acme,
        "A scratch note from long ago: try the blue marker",
        memory_type="scratch",
        timestamp="2001-01-01T00:00:00Z",
        importance=0.0,
        confidence=0.05,
    )
    with dashboard.api(ADMIN_KEY, **{"X-Tenant-ID": "acme"}) as client:
        expected = client.post("/admin/forget", json={"dry_run": True}).json()
    planned = {m["memory_id"]: m["action"] for m in expected["memories"]}
    assert planned[stale] != "KEEP"
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("acme")
    dashboard.open("maintenance")
    page.get_by_test_id("forget-preview").click()
    summary = page.get_by_test_id("forget-summary")
    expect(summary).to_have_text(
        f"Preview: {expected['total_scored']} memories scored; nothing was changed."
    )
    chart = page.get_by_test_id("forget-actions")
    for action, count in expected["actions"].items():
        if count:
            expect(chart).to_contain_text(f"{action}: {count}")
    decision = page.get_by_test_id("forget-decision").filter(has_text=stale)
    expect(decision).to_contain_text(planned[stale])

    page.get_by_test_id("forget-apply").click()
    dashboard.confirm()
    expect(summary).to_contain_text("Applied:")
    expect(decision).to_contain_text("yes")
    with dashboard.api(ADMIN_KEY, **{"X-Tenant-ID": "acme"}) as client:
        listed = client.get("/admin/memories", params={"status": "all", "per_page": 500})
    after = next(m for m in listed.json()["items"] if m["id"] == stale)
    assert (after["status"], after["confidence"]) != ("active", 0.05)


def test_consolidation_shows_its_report(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    for text in (
        "Yesterday the team lunch was at the ramen place",
        "Yesterday the team lunch was at the ramen place near the station",
    ):
        dashboard.write(acme, text, memory_type="episodic_event", namespace="lunch")
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("acme")
    dashboard.open("maintenance")
    page.get_by_test_id("consolidate").click()
    dashboard.confirm()
    report = page.get_by_test_id("consolidate-report")
    expect(report).to_contain_text("Episodes sampled")
    expect(report).to_contain_text("Facts extracted")


def test_keys_are_created_once_shown_and_revoked(dashboard: Dashboard) -> None:
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.open("keys")
    page.get_by_test_id("key-tenant").fill("initech")
    page.get_by_test_id("key-name").fill("initech reports")
    page.get_by_test_id("key-create").click()
    secret = page.get_by_test_id("new-key-secret").inner_text()
    with dashboard.api(secret) as client:
        assert client.get("/memory/stats").json()["tenant_id"] == "initech"

    page.get_by_test_id("key-all-tenants").check()
    row = page.get_by_test_id("key-row").filter(has_text="initech reports")
    expect(row).to_contain_text("active")
    assert secret not in row.inner_text()
    row.get_by_test_id("revoke").click()
    dashboard.confirm()
    expect(row).to_contain_text("revoked")
    with dashboard.api(secret) as client:
        assert client.get("/memory/stats").status_code == 401


def test_purge_deletes_forgotten_memories_for_good(dashboard: Dashboard) -> None:
    with dashboard.api(ADMIN_KEY, **{"X-Tenant-ID": "globex"}) as client:
        kept = client.post("/memory/write", json={"content": "Globex's fiscal year ends in June"})
        gone = client.post("/memory/write", json={"content": "Globex's old fax number"})
        kept_id, gone_id = kept.json()["memory_id"], gone.json()["memory_id"]
        client.post("/memory/forget", json={"memory_ids": [gone_id]}).raise_for_status()
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("globex")
    dashboard.open("maintenance")
    page.get_by_test_id("purge").click()
    expect(page.get_by_test_id("confirm")).to_contain_text("cannot be undone")
    dashboard.confirm()
    expect(page.get_by_test_id("purge-result")).to_have_text("1 memories purged for good.")
    with dashboard.api(ADMIN_KEY, **{"X-Tenant-ID": "globex"}) as client:
        listed = client.get("/admin/memories", params={"status": "all", "per_page": 500})
        ids = [m["id"] for m in listed.json()["items"]]
        restored = client.post("/memory/restore", json={"memory_ids": [gone_id]}).json()
    assert kept_id in ids
    assert gone_id not in ids
    assert restored["affected_count"] == 0


def test_the_event_log_filters_by_type(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    memory_id = dashboard.write(acme, "The printer on floor 3 needs toner")
    with dashboard.api(acme) as client:
        client.post("/memory/forget", json={"memory_ids": [memory_id]}).raise_for_status()
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("acme")
    dashboard.open("events")
    page.get_by_test_id("event-type").select_option("memory.forget")
    rows = page.get_by_test_id("event-row")
    expect(rows.filter(has_text=memory_id)).to_have_count(1)
    expect(rows.filter(has_text="memory.write")).to_have_count(0)
    expect(page.get_by_test_id("stream-state")).to_have_text("live")
    # Live events of other types do not join the filtered view.
    written = dashboard.write(acme, "The printer on floor 4 works fine")
    with dashboard.api(acme) as client:
        client.post("/memory/forget", json={"memory_ids": [written]}).raise_for_status()
    expect(rows.filter(has_text=written)).to_have_count(1)
    expect(rows.filter(has_text="memory.write")).to_have_count(0)
