"""The memory browser: search with the real read, a memory's detail, forget and restore."""

from __future__ import annotations

from playwright.sync_api import expect

from .browser import ADMIN_KEY, Dashboard


def _search(dashboard: Dashboard, query: str) -> None:
    page = dashboard.page
    page.get_by_test_id("search").fill(query)
    page.get_by_test_id("search-submit").click()
    # The search's answer, not the listing the page opened with.
    expect(page.get_by_test_id("results-summary")).to_contain_text(f"for “{query}”")


def test_search_finds_a_written_memory_with_its_relevance(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    memory_id = dashboard.write(
        acme,
        "Marta's favourite tea is smoky lapsang souchong",
        namespace="people",
        metadata={"source": "chat"},
    )
    dashboard.write(acme, "The quarterly review moved to Thursday", namespace="work")
    page = dashboard.page
    dashboard.sign_in(acme)
    dashboard.open("memories")

    _search(dashboard, "which tea does Marta like")
    row = page.locator(f"[data-testid=memory-row][data-id='{memory_id}']")
    expect(row).to_contain_text("lapsang souchong")
    relevance = float(row.get_by_test_id("relevance").inner_text())
    assert 0 < relevance <= 1

    # The namespace filter is the API's: only the work namespace is searched.
    page.get_by_test_id("filter-namespace").fill("work")
    _search(dashboard, "which tea does Marta like")
    expect(page.get_by_test_id("results-summary")).to_contain_text("memories for")
    expect(page.get_by_test_id("memory-row").filter(has_text="lapsang")).to_have_count(0)

    page.get_by_test_id("filter-namespace").fill("")
    _search(dashboard, "which tea does Marta like")
    row.click()
    detail = page.get_by_test_id("memory-detail")
    expect(detail.get_by_test_id("detail-text")).to_have_text(
        "Marta's favourite tea is smoky lapsang souchong"
    )
    expect(detail.get_by_test_id("detail-fields")).to_contain_text("people")
    expect(detail.get_by_test_id("detail-metadata")).to_contain_text('"source": "chat"')


def test_forget_then_restore_a_memory(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    text = "The spare office key hangs behind the red cabinet"
    memory_id = dashboard.write(acme, text)
    page = dashboard.page
    dashboard.sign_in(acme)
    dashboard.open("memories")
    _search(dashboard, "where is the spare office key")
    page.locator(f"[data-testid=memory-row][data-id='{memory_id}']").click()
    detail = page.get_by_test_id("memory-detail")

    # Cancelling the confirmation changes nothing.
    detail.get_by_test_id("forget").click()
    page.get_by_test_id("confirm-cancel").click()
    expect(detail.get_by_test_id("detail-fields")).to_contain_text("active")

    detail.get_by_test_id("forget").click()
    dashboard.confirm()
    expect(detail.get_by_test_id("detail-fields")).to_contain_text("deleted")
    with dashboard.api(acme) as client:
        found = client.post("/memory/read", json={"query": "spare office key", "format": "list"})
        assert memory_id not in [m["id"] for m in found.json()["memories"]]

    detail.get_by_test_id("restore").click()
    dashboard.confirm()
    expect(detail.get_by_test_id("detail-fields")).to_contain_text("active")
    with dashboard.api(acme) as client:
        found = client.post("/memory/read", json={"query": "spare office key", "format": "list"})
        assert memory_id in [m["id"] for m in found.json()["memories"]]


def test_edit_updates_the_text_and_version(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    memory_id = dashboard.write(acme, "The staging database runs on port 5433")
    page = dashboard.page
    dashboard.sign_in(ADMIN_KEY)
    dashboard.pick_tenant("acme")
    dashboard.open("memories")
    # Admin keys list every memory, page by page, with the full record.
    row = page.locator(f"[data-testid=memory-row][data-id='{memory_id}']")
    row.click()
    detail = page.get_by_test_id("memory-detail")
    expect(detail.get_by_test_id("detail-fields")).to_contain_text("Version1")
    detail.get_by_test_id("edit").click()
    detail.get_by_test_id("edit-text").fill("The staging database runs on port 6543")
    detail.get_by_test_id("edit-save").click()
    dashboard.confirm()
    expect(detail.get_by_test_id("detail-text")).to_have_text(
        "The staging database runs on port 6543"
    )
    expect(detail.get_by_test_id("detail-fields")).to_contain_text("Version2")
    with dashboard.api(ADMIN_KEY, **{"X-Tenant-ID": "acme"}) as client:
        listed = client.get("/admin/memories", params={"per_page": 500}).json()["items"]
    stored = next(m for m in listed if m["id"] == memory_id)
    assert stored["text"] == "The staging database runs on port 6543"


def test_hostile_memory_content_shows_as_text_and_never_runs(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    hostile = (
        "Hostile note <script>window.__pwned = 'script'</script>"
        "<img src=x onerror=\"window.__pwned = 'img'\"> end"
    )
    memory_id = dashboard.write(acme, hostile, metadata={"html": "<b onmouseover=alert(1)>x</b>"})
    page = dashboard.page
    dashboard.sign_in(acme)
    dashboard.open("memories")
    _search(dashboard, "Hostile note script img")
    row = page.locator(f"[data-testid=memory-row][data-id='{memory_id}']")
    expect(row.get_by_test_id("memory-text")).to_have_text(hostile)
    row.click()
    detail = page.get_by_test_id("memory-detail")
    expect(detail.get_by_test_id("detail-text")).to_have_text(hostile)
    expect(detail.get_by_test_id("detail-metadata")).to_contain_text("<b onmouseover")
    # The text became text nodes: no element was made from it, and nothing ran.
    assert page.locator("main img, main script, main b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_the_metadata_filter_narrows_the_listing_and_the_search(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    apollo = dashboard.write(
        acme, "The rocket review is on Monday", metadata={"project": "apollo", "priority": 2}
    )
    gemini = dashboard.write(
        acme, "The rocket launch slipped a week", metadata={"project": "gemini", "priority": 2}
    )
    page = dashboard.page
    dashboard.sign_in(acme)
    dashboard.open("memories")
    rows = page.get_by_test_id("memory-row")
    apollo_row = page.locator(f"[data-testid=memory-row][data-id='{apollo}']")
    gemini_row = page.locator(f"[data-testid=memory-row][data-id='{gemini}']")

    summary = page.get_by_test_id("results-summary")
    # The page opens on the unfiltered listing; filter once it is shown.
    expect(summary).to_contain_text("in creation order")

    # key=value pairs; a value that is JSON (the number 2) is compared as JSON.
    page.get_by_test_id("filter-metadata").fill("project=apollo, priority=2")
    page.get_by_test_id("list-submit").click()
    expect(page.get_by_test_id("error")).to_be_hidden()
    expect(summary).to_have_text("Page 1: 1 memories in creation order.")
    expect(apollo_row).to_have_count(1)
    expect(gemini_row).to_have_count(0)

    _search(dashboard, "when is the rocket")
    expect(page.get_by_test_id("results-summary")).to_contain_text("memories for")
    expect(apollo_row).to_have_count(1)
    expect(gemini_row).to_have_count(0)
    expect(rows).to_have_count(1)

    page.get_by_test_id("filter-metadata").fill("project=gemini")
    _search(dashboard, "when is the rocket")
    expect(gemini_row).to_have_count(1)
    expect(apollo_row).to_have_count(0)

    # A pair without "=" is refused with the fix, and nothing is asked of the API.
    page.get_by_test_id("filter-metadata").fill("project")
    page.get_by_test_id("list-submit").click()
    expect(page.get_by_test_id("error")).to_contain_text("write key=value")
