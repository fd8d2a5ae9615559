"""``cml admin consolidate|forget|purge|tenants|events``, on a real server and a local store."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from .conftest import PLAIN_KEY, Target
from .test_memories import SEEDS, _seed


def _json(target: Target, *argv: str) -> object:
    result = target.run(*argv, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_consolidate_reports_its_run(target: Target) -> None:
    with target.client() as client:
        for n in range(4):
            client.write(f"The user went running in the park on day {n}", session_id="s")
    report = _json(target, "admin", "consolidate")
    assert isinstance(report, dict)
    assert report["tenant_id"] == target.tenant
    assert report["episodes_sampled"] == 4

    again = target.run("admin", "consolidate")
    assert again.exit_code == 0, again.output
    assert f"Tenant {target.tenant}:" in again.stdout
    assert "0 new facts" in again.stdout


def test_forgetting_plans_by_default_and_applies_on_request(target: Target) -> None:
    _seed(target)
    plan = _json(target, "admin", "forget")
    assert isinstance(plan, dict)
    assert plan["dry_run"] is True
    assert plan["total_scored"] == len(SEEDS)
    assert sum(plan["actions"].values()) == len(SEEDS)

    table = target.run("admin", "forget")
    assert "planned (dry run; --apply to act)" in table.stdout
    assert "KEEP" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80

    applied = _json(target, "admin", "forget", "--apply")
    assert isinstance(applied, dict)
    assert applied["dry_run"] is False


def test_purge_asks_first_then_removes_forgotten_memories_for_good(target: Target) -> None:
    ids = _seed(target)
    assert target.run("memories", "forget", ids[0]).exit_code == 0

    declined = target.run("admin", "purge", input="n\n")
    assert declined.exit_code == 1
    assert "Nothing was purged" in declined.stderr

    purged = _json(target, "admin", "purge", "--yes")
    assert isinstance(purged, dict)
    assert purged["purged_count"] == 1
    assert "Restored 0 of 1" in target.run("memories", "restore", ids[0]).stdout


def test_tenants_lists_the_tenant_with_its_counts(target: Target) -> None:
    _seed(target)
    tenants = _json(target, "admin", "tenants")
    assert isinstance(tenants, list)
    mine = [t for t in tenants if t["tenant_id"] == target.tenant]
    assert mine
    assert mine[0]["memory_count"] == 3
    assert mine[0]["fact_count"] == 1

    table = target.run("admin", "tenants")
    assert target.tenant in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_events_newest_first_and_by_type(target: Target) -> None:
    ids = _seed(target)
    target.run("memories", "forget", ids[2])
    events = _json(target, "admin", "events")
    assert isinstance(events, list)
    assert [e["event_type"] for e in events] == ["memory.forget"] + ["memory.write"] * 3
    forgets = _json(target, "admin", "events", "--type", "memory.forget")
    assert isinstance(forgets, list)
    assert [e["memory_ids"] for e in forgets] == [[ids[2]]]

    table = target.run("admin", "events", "--limit", "2")
    assert table.exit_code == 0
    assert "memory.forget" in table.stdout
    assert "4 events in all" in table.stderr


def test_events_follow_prints_events_as_they_come_until_interrupted(target: Target) -> None:
    _seed(target)
    argv = ["admin", "events", "--follow", "--since", "2000-01-01", "--json", *target.args]
    with subprocess.Popen(
        [sys.executable, "-m", "cml", *argv],
        env={**target.env, **_inherited_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as follower:
        try:
            assert follower.stdout is not None
            seen = [json.loads(follower.stdout.readline()) for _ in SEEDS]
            assert [e["event_type"] for e in seen] == ["memory.write"] * 3
            assert seen[0]["id"] < seen[1]["id"] < seen[2]["id"]  # oldest first when following
            follower.send_signal(signal.SIGINT)
            assert follower.wait(timeout=30) == 0
            assert "Traceback" not in (follower.stderr.read() if follower.stderr else "")
        finally:
            if follower.poll() is None:
                follower.kill()


def _inherited_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("CML_")} | {
        "CML_EMBEDDING_PROVIDER": "hash",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }


def test_verify_log_reports_ok_then_the_first_broken_link(target: Target) -> None:
    ids = _seed(target)
    target.run("memories", "forget", ids[2])
    ok = target.run("admin", "verify-log")
    assert ok.exit_code == 0, ok.output
    assert f"Tenant {target.tenant}: OK, 4 events verified." in ok.stdout
    reports = _json(target, "admin", "verify-log")
    assert isinstance(reports, list)
    assert [(r["ok"], r["events"]) for r in reports] == [(True, 4)]
    if target.db is None:
        return
    with closing(sqlite3.connect(target.db)) as conn:
        (second,) = conn.execute(
            "SELECT id FROM events WHERE tenant_id = ? ORDER BY id LIMIT 1 OFFSET 1",
            (target.tenant,),
        ).fetchone()
        conn.execute("UPDATE events SET payload = '{}' WHERE id = ?", (second,))
        conn.commit()
    broken = target.run("admin", "verify-log")
    assert broken.exit_code == 1
    assert f"BROKEN at event {second}, position 2: its content no longer matches" in broken.stdout
    # Without --tenant: every tenant of the store.
    every = target.run("admin", "verify-log", "--db", str(target.db), own_options=True)
    assert f"Tenant {target.tenant}: BROKEN" in every.stdout, every.output
    assert every.exit_code == 1


def test_a_key_without_admin_scope_is_told_so(target: Target) -> None:
    if target.url is None:
        pytest.skip("a local store needs no key")
    argv = ["admin", "tenants", "--url", target.url, "--api-key", PLAIN_KEY]
    result = target.run(*argv, own_options=True)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    assert "admin" in result.stderr
    assert "Traceback" not in result.output


def test_no_server_is_one_line_with_a_hint(target: Target) -> None:
    if target.url is None:
        pytest.skip("a local store has no server")
    argv = ["stats", "--url", "http://127.0.0.1:9", "--api-key", PLAIN_KEY]
    result = target.run(*argv, own_options=True)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    assert "Traceback" not in result.output


def test_db_and_url_together_are_refused(target: Target) -> None:
    result = target.run("stats", "--db", "x.db", "--url", "http://127.0.0.1:9", own_options=True)
    assert result.exit_code == 2
    assert "--db opens a local store" in result.stderr
