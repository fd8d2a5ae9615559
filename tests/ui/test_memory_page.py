"""A memory's own page: its history, its supersession chain as links, forget and restore."""

from __future__ import annotations

from playwright.sync_api import expect

from .browser import Dashboard


def _write(dashboard: Dashboard, key: str, content: str, **fields: object) -> dict[str, object]:
    with dashboard.api(key) as client:
        answer = client.post("/memory/write", json={"content": content, **fields})
        answer.raise_for_status()
        return dict(answer.json())


def test_a_superseded_memory_links_to_its_successor_and_shows_its_history(
    dashboard: Dashboard,
) -> None:
    acme = dashboard.key("acme")
    berlin = _write(dashboard, acme, "Dana lives in Berlin", memory_type="semantic_fact")
    munich = _write(dashboard, acme, "Dana moved to Munich", memory_type="semantic_fact")
    old, new = str(berlin["memory_id"]), str(munich["memory_id"])
    assert munich["superseded"] == [old]
    page = dashboard.page
    dashboard.sign_in(acme)
    dashboard.open("memories")
    # A tenant key lists its memories; superseded ones with status "all".
    page.get_by_test_id("filter-status").select_option("all")
    page.get_by_test_id("list-submit").click()
    page.locator(f"[data-testid=memory-row][data-id='{old}']").click()
    page.get_by_test_id("memory-detail").get_by_test_id("open-page").click()

    memory = page.get_by_test_id("memory-page")
    expect(memory.get_by_test_id("detail-text")).to_have_text("Dana lives in Berlin")
    expect(memory.get_by_test_id("detail-fields")).to_contain_text("superseded")
    expect(memory.get_by_test_id("detail-fields")).to_contain_text("Times recalled")
    chain = page.get_by_test_id("supersession")
    expect(chain.get_by_test_id("superseded-by-link")).to_have_text(new)
    # Its history: the state it was written in, then the supersession, with the reason.
    rows = page.get_by_test_id("history-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("superseded")
    expect(rows.nth(1)).to_contain_text("active")
    expect(rows.nth(1)).to_contain_text(f"superseded by {new}")

    # The link opens the newer memory, which names what it retired.
    chain.get_by_test_id("superseded-by-link").click()
    expect(memory.get_by_test_id("detail-text")).to_have_text("Dana moved to Munich")
    expect(page.get_by_test_id("retired").get_by_test_id("retired-link")).to_have_text(old)
    assert page.url.endswith(f"#memory/{new}")

    # Back to the old one: restore undoes the supersession.
    page.get_by_test_id("retired-link").click()
    expect(memory.get_by_test_id("detail-text")).to_have_text("Dana lives in Berlin")
    memory.get_by_test_id("restore").click()
    dashboard.confirm()
    expect(memory.get_by_test_id("detail-fields")).to_contain_text("active")
    expect(page.get_by_test_id("superseded-by")).to_have_text("Not superseded.")
    expect(rows).to_have_count(3)
    with dashboard.api(acme) as client:
        assert client.get(f"/memories/{old}").json()["status"] == "active"

    # Forget from the page, then restore again.
    memory.get_by_test_id("forget").click()
    dashboard.confirm()
    expect(memory.get_by_test_id("detail-fields")).to_contain_text("deleted")
    with dashboard.api(acme) as client:
        assert client.get(f"/memories/{old}").json()["status"] == "deleted"
    memory.get_by_test_id("restore").click()
    dashboard.confirm()
    expect(memory.get_by_test_id("detail-fields")).to_contain_text("active")


def test_another_tenants_memory_page_is_not_found(dashboard: Dashboard) -> None:
    secret = dashboard.write(dashboard.key("globex"), "Globex's vault code is 4417")
    page = dashboard.page
    dashboard.sign_in(dashboard.key("acme"))
    page.goto(f"{dashboard.origin}/ui/#memory/{secret}")
    expect(page.get_by_test_id("error")).to_be_visible()
    expect(page.get_by_test_id("memory-page")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("4417")


def test_hostile_content_on_the_memory_page_never_runs(dashboard: Dashboard) -> None:
    acme = dashboard.key("acme")
    hostile = "Pager rota <script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>"
    memory_id = dashboard.write(acme, hostile, metadata={"x": "<svg onload=window.__pwned=3>"})
    with dashboard.api(acme) as client:
        client.post(
            "/memory/update", json={"memory_id": memory_id, "text": hostile + " <b>v2</b>"}
        ).raise_for_status()
    page = dashboard.page
    dashboard.sign_in(acme)
    page.goto(f"{dashboard.origin}/ui/#memory/{memory_id}")
    memory = page.get_by_test_id("memory-page")
    expect(memory.get_by_test_id("detail-text")).to_have_text(hostile + " <b>v2</b>")
    expect(page.get_by_test_id("history-row").nth(1)).to_contain_text(hostile)
    expect(memory.get_by_test_id("detail-metadata")).to_contain_text("<svg onload")
    assert page.locator("main img, main script, main b, main svg").count() == 0
    assert page.evaluate("window.__pwned") is None
