"""Signing in: an admin key sees every tenant, a tenant key only its own."""

from __future__ import annotations

from playwright.sync_api import expect

from .browser import ADMIN_KEY, Dashboard


def test_an_admin_key_sees_every_tenant_and_component_health(dashboard: Dashboard) -> None:
    dashboard.write(dashboard.key("acme"), "Acme ships the anvils on Fridays")
    dashboard.write(dashboard.key("globex"), "Globex keeps its reactor at 40 percent")
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)

    # The picker starts on the admin key's own tenant and offers the others.
    expect(page.get_by_test_id("tenant")).to_have_value("default")
    tenants = page.get_by_test_id("tenant-row")
    expect(tenants.filter(has_text="acme")).to_have_count(1)
    expect(tenants.filter(has_text="globex")).to_have_count(1)
    health = page.get_by_test_id("health")
    expect(health.get_by_test_id("component-database")).to_contain_text("healthy")
    expect(health.get_by_test_id("component-embedder")).to_contain_text("healthy")

    dashboard.pick_tenant("globex")
    expect(page.get_by_test_id("stats")).to_contain_text("Memories of globex")
    # The key never appears in an address.
    assert ADMIN_KEY not in page.url

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("api-key")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_a_tenant_key_sees_only_its_tenant(dashboard: Dashboard) -> None:
    # The same namespace in both tenants: only the tenant tells them apart.
    dashboard.write(
        dashboard.key("globex"),
        "Globex's launch code is kept in the blue binder",
        namespace="launch",
    )
    dashboard.write(
        dashboard.key("acme"), "Acme's launch party is in the blue room", namespace="launch"
    )
    page = dashboard.page
    dashboard.sign_in(dashboard.key("acme"))

    expect(page.get_by_test_id("stats")).to_contain_text("Memories of acme")
    expect(page.get_by_test_id("whoami")).to_have_text("tenant acme")
    # No tenant picker, no admin sections, no tenants list or health panel.
    expect(page.get_by_test_id("tenant")).to_be_hidden()
    expect(page.get_by_test_id("nav-events")).to_have_count(0)
    expect(page.get_by_test_id("nav-keys")).to_have_count(0)
    expect(page.get_by_test_id("tenant-row")).to_have_count(0)
    expect(page.get_by_test_id("health")).to_have_count(0)

    dashboard.open("memories")
    # The listing (GET /memories, a read key is enough) walks this tenant's memories only.
    expect(page.get_by_test_id("results-summary")).to_contain_text("in creation order")
    rows = page.get_by_test_id("memory-row")
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_text="Globex")).to_have_count(0)
    page.get_by_test_id("filter-namespace").fill("launch")
    page.get_by_test_id("filter-status").select_option("all")
    page.get_by_test_id("list-submit").click()
    summary = page.get_by_test_id("results-summary")
    expect(summary).to_have_text("Page 1: 1 memories in creation order.")
    expect(rows.filter(has_text="Acme's launch party")).to_have_count(1)
    expect(rows.filter(has_text="Globex")).to_have_count(0)

    page.get_by_test_id("search").fill("launch blue binder")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("results-summary")).to_contain_text("memories for")
    expect(rows.first).to_contain_text("Acme's launch party")
    expect(rows.filter(has_text="Globex")).to_have_count(0)


def test_a_wrong_key_is_refused_with_the_reason(dashboard: Dashboard) -> None:
    page = dashboard.page
    page.goto(f"{dashboard.origin}/ui/")
    page.get_by_test_id("api-key").fill("not-a-key")
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("error")).to_contain_text("key")
    expect(page.get_by_test_id("api-key")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
