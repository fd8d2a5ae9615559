"""``cml memories list|show|history``, on a real server and a local store."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import PLAIN_KEY, Target
from .test_memories import SEEDS, _seed


def _json(target: Target, *argv: str) -> Any:
    result = target.run(*argv, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_in_creation_order_with_filters_and_a_limit(target: Target) -> None:
    ids = _seed(target)
    with target.client() as client:
        client.write("Ana plans a trip to Porto", metadata={"project": "apollo", "n": 2})
    listed = _json(target, "memories", "list")
    assert isinstance(listed, list)
    assert [m["id"] for m in listed][:3] == ids
    assert len(listed) == 4

    facts = _json(target, "memories", "list", "--type", "semantic_fact")
    assert [m["text"] for m in facts] == [SEEDS[0][0]]
    apollo = _json(target, "memories", "list", "--metadata", "project=apollo", "--metadata", "n=2")
    assert [m["text"] for m in apollo] == ["Ana plans a trip to Porto"]

    table = target.run("memories", "list", "--limit", "2")
    assert table.exit_code == 0, table.output
    assert ids[0] in table.stdout
    assert ids[2] not in table.stdout
    assert "--limit lists more" in table.stderr
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_list_shows_forgotten_ones_only_when_asked(target: Target) -> None:
    ids = _seed(target)
    target.run("memories", "forget", ids[0])
    active = _json(target, "memories", "list")
    assert ids[0] not in [m["id"] for m in active]
    everything = _json(target, "memories", "list", "--status", "all")
    assert ids[0] in [m["id"] for m in everything]


def test_a_bad_metadata_filter_is_a_usage_error(target: Target) -> None:
    result = target.run("memories", "list", "--metadata", "no-equals-sign")
    assert result.exit_code == 2
    assert "KEY=VALUE" in result.output


def test_show_prints_the_whole_memory(target: Target) -> None:
    ids = _seed(target)
    record = _json(target, "memories", "show", ids[1])
    assert isinstance(record, dict)
    assert record["text"] == SEEDS[1][0]
    assert record["type"] == "preference"
    assert record["session_id"] == "s1"

    table = target.run("memories", "show", ids[1])
    assert table.exit_code == 0
    assert "window seats" in table.stdout
    assert "preference" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_show_of_an_unknown_id_is_one_error_line(target: Target) -> None:
    result = target.run("memories", "show", "no-such-memory")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    assert "no-such-memory" in result.stderr
    assert "Traceback" not in result.output


def test_history_lists_every_version_newest_first(target: Target) -> None:
    ids = _seed(target)
    with target.client() as client:
        client.update(ids[1], text="The user prefers aisle seats on long flights")
    states = _json(target, "memories", "history", ids[1])
    assert isinstance(states, list)
    assert [s["version"] for s in states] == [2, 1]
    assert states[0]["current"] is True
    assert states[0]["text"] == "The user prefers aisle seats on long flights"
    assert states[1]["text"] == SEEDS[1][0]

    table = target.run("memories", "history", ids[1])
    assert "2 (current)" in table.stdout
    assert "aisle seats" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_a_read_key_is_enough_to_list(target: Target) -> None:
    if target.url is None:
        pytest.skip("a local store needs no key")
    argv = ["memories", "list", "--url", target.url, "--api-key", PLAIN_KEY, "--json"]
    result = target.run(*argv, own_options=True)
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), list)
