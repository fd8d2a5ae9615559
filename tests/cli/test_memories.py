"""``cml memories search|forget|restore`` and ``cml stats``, on a real server and a local store."""

from __future__ import annotations

import json

from .conftest import Target

SEEDS = [
    ("Alice moved to Lisbon in 2021 and rents a flat near the river", "semantic_fact"),
    ("The user prefers window seats on long flights to Tokyo", "preference"),
    ("Lunch with Bob on Friday to plan the quarterly review", "episodic_event"),
]


def _seed(target: Target) -> list[str]:
    with target.client() as client:
        return [
            str(client.write(text, memory_type=kind, session_id="s1").memory_id)
            for text, kind in SEEDS
        ]


def _search(target: Target, query: str) -> list[dict[str, object]]:
    result = target.run("memories", "search", query, "--json")
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def test_search_finds_the_memory_and_its_table_fits_80_columns(target: Target) -> None:
    ids = _seed(target)
    found = _search(target, "Where did Alice move to? Lisbon")
    assert found[0]["id"] == ids[0]
    assert found[0]["text"] == SEEDS[0][0]
    assert 0 < float(str(found[0]["relevance"])) <= 1

    table = target.run("memories", "search", "Where did Alice move to? Lisbon", "--limit", "2")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    # The id is whole on one line (it is what `forget` and `restore` take); the text is there.
    assert any(ids[0] in line for line in lines)
    assert "Lisbon" in table.stdout
    assert "semantic_fact" in table.stdout


def test_search_without_matches_says_so(target: Target) -> None:
    result = target.run("memories", "search", "anything at all")
    assert result.exit_code == 0
    assert "No memory matches" in result.stderr


def test_forget_by_id_then_restore(target: Target) -> None:
    ids = _seed(target)
    forgot = target.run("memories", "forget", ids[1], "--json")
    assert forgot.exit_code == 0, forgot.output
    assert json.loads(forgot.stdout)["memory_ids"] == [ids[1]]
    assert ids[1] not in [m["id"] for m in _search(target, "window seats on flights")]

    restored = target.run("memories", "restore", ids[1])
    assert restored.exit_code == 0, restored.output
    assert "Restored 1 of 1 memories" in restored.stdout
    assert ids[1] in [m["id"] for m in _search(target, "window seats on flights")]


def test_forget_by_session_lists_what_it_forgot(target: Target) -> None:
    ids = _seed(target)
    result = target.run("memories", "forget", "--session", "s1")
    assert result.exit_code == 0, result.output
    assert "Forgot 3 memories." in result.stdout
    assert all(memory_id in result.stdout for memory_id in ids)
    with target.client() as client:
        assert client.stats().active_memories == 0


def test_forget_needs_a_selector(target: Target) -> None:
    result = target.run("memories", "forget")
    assert result.exit_code == 2
    assert "Say what to forget" in result.stderr


def test_hard_forget_asks_first_and_no_keeps_everything(target: Target) -> None:
    ids = _seed(target)
    result = target.run("memories", "forget", ids[0], "--hard", input="n\n")
    assert result.exit_code == 1
    assert "Nothing was forgotten" in result.stderr
    with target.client() as client:
        assert client.stats().active_memories == 3

    result = target.run("memories", "forget", ids[0], "--hard", "--yes")
    assert result.exit_code == 0, result.output
    assert "Deleted for good 1 memories" in result.stdout
    assert "Restored 0 of 1" in target.run("memories", "restore", ids[0]).stdout


def test_stats_counts_by_type_and_status(target: Target) -> None:
    _seed(target)
    result = target.run("stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["tenant_id"] == target.tenant
    assert stats["total_memories"] == 3
    assert stats["by_type"] == {"episodic_event": 1, "preference": 1, "semantic_fact": 1}

    table = target.run("stats")
    assert table.exit_code == 0
    assert f"3 memories (3 active) in tenant {target.tenant}" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_a_bad_argument_is_one_error_line(target: Target) -> None:
    result = target.run("memories", "search", "x", "--type", "no_such_type")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error:")
    assert "Traceback" not in result.output
