"""Every documented limit, hit exactly (accepted) and passed by one (refused, naming the field).

Also what the server does with hostile encodings: NUL and lone surrogates in every kind of
string, bodies over the size limit (refused without being read), JSON nested beyond what any
parser should follow, numbers too long to read, invalid UTF-8, duplicate keys, full-text
syntax in queries. Malformed JSON (400), wrong content types (415), a missing body (422) and the
streamed/declared 413 are covered in ``tests/server/test_validation.py`` and
``tests/server/test_middleware.py``; they are not repeated here.

The limits table of the README is checked against the constants it documents.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cml.models import (
    MAX_BATCH_ITEMS,
    MAX_BATCH_QUERIES,
    MAX_CONTENT_CHARS,
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_PAGE_SIZE,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    MAX_TAGS,
)

from .hostile_app import ADMIN_KEY, TENANT, World, open_world

README = Path(__file__).resolve().parents[2] / "README.md"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # The request deadline has its own tests; a 100-query batch on a starved CI runner must not
    # be refused for time here, where only the count limits are measured.
    with open_world(tmp_path_factory.mktemp("limits"), request_deadline_seconds=600) as opened:
        yield opened


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=world.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


def tenant(world: World, **headers: str) -> dict[str, str]:
    return {"X-API-Key": world.tenant_key, **headers}


def admin(**headers: str) -> dict[str, str]:
    return {"X-API-Key": ADMIN_KEY, "X-Tenant-ID": TENANT, **headers}


def refused(response: httpx.Response, field: str, status: int = 422) -> str:
    """Assert the envelope refuses ``field``; return the message given for it."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    fields = [detail["field"] for detail in error["details"]]
    assert field in fields, error
    assert error["message"].strip()
    return str(error["details"][fields.index(field)]["message"])


_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def unique(text: str = "limit probe") -> str:
    """Content no other test wrote (so that near-duplicate merging never interferes).

    The marker is letters only: runs of digits could look like phone or card numbers, which the
    write gate redacts.
    """
    return f"{text} {uuid.uuid4().hex.translate(_LETTERS)}"


async def write(client: httpx.AsyncClient, world: World, **body: Any) -> httpx.Response:
    body.setdefault("content", unique())
    return await client.post("/memory/write", json=body, headers=tenant(world))


async def stored(client: httpx.AsyncClient, memory_id: str) -> dict[str, Any]:
    """The memory as the admin listing returns it (every field, straight from the store)."""
    params: dict[str, Any] = {"per_page": MAX_PAGE_SIZE}
    while True:
        page = (await client.get("/admin/memories", params=params, headers=admin())).json()
        for item in page["items"]:
            if item["id"] == memory_id:
                return dict(item)
        assert page["next_cursor"], f"{memory_id} is not stored"
        params["cursor"] = page["next_cursor"]


# -- sizes and counts ----------------------------------------------------------------------------


async def test_content_of_exactly_the_limit_is_stored_one_more_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    prefix = unique("c")
    exact = prefix + "x" * (MAX_CONTENT_CHARS - len(prefix))
    accepted = await write(client, world, content=exact)
    assert accepted.status_code == 200, accepted.text
    assert (await stored(client, accepted.json()["memory_id"]))["text"] == exact
    message = refused(await write(client, world, content=exact + "x"), "content")
    assert str(MAX_CONTENT_CHARS) in message.replace(",", "")


async def test_content_limit_counts_characters_not_bytes(
    client: httpx.AsyncClient, world: World
) -> None:
    prefix = unique("é")
    exact = prefix + "😀" * (MAX_CONTENT_CHARS - len(prefix))  # 4 bytes each in UTF-8
    accepted = await write(client, world, content=exact)
    assert accepted.status_code == 200, accepted.text
    assert (await stored(client, accepted.json()["memory_id"]))["text"] == exact


async def test_a_query_of_exactly_the_limit_is_read_one_more_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    exact = ("where " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS]
    ok = await client.post("/memory/read", json={"query": exact}, headers=tenant(world))
    assert ok.status_code == 200, ok.text
    over = await client.post("/memory/read", json={"query": exact + "x"}, headers=tenant(world))
    refused(over, "query")


@pytest.mark.parametrize(
    ("value", "ok"), [(1, True), (MAX_RESULTS, True), (0, False), (MAX_RESULTS + 1, False)]
)
async def test_max_results_is_1_to_100(
    client: httpx.AsyncClient, world: World, value: int, ok: bool
) -> None:
    response = await client.post(
        "/memory/read", json={"query": "anything", "max_results": value}, headers=tenant(world)
    )
    if ok:
        assert response.status_code == 200, response.text
    else:
        refused(response, "max_results")


async def test_a_batch_of_exactly_500_is_stored_501_is_refused_whole(
    client: httpx.AsyncClient, world: World
) -> None:
    base = unique("batch")
    items = [{"content": f"{base} item {i}"} for i in range(MAX_BATCH_ITEMS)]
    ok = await client.post("/memory/batch_write", json={"items": items}, headers=tenant(world))
    assert ok.status_code == 200, ok.text
    assert len(ok.json()["results"]) == MAX_BATCH_ITEMS
    more = [*items, {"content": f"{base} one too many"}]
    over = await client.post("/memory/batch_write", json={"items": more}, headers=tenant(world))
    refused(over, "items")
    found = await client.post(
        "/memory/read", json={"query": f"{base} one too many"}, headers=tenant(world)
    )
    assert not any("one too many" in m["text"] for m in found.json()["memories"])


async def test_a_batch_read_of_exactly_100_is_answered_101_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    queries = [{"query": f"question {i}", "max_results": 1} for i in range(MAX_BATCH_QUERIES)]
    ok = await client.post("/memory/batch_read", json={"queries": queries}, headers=tenant(world))
    assert ok.status_code == 200, ok.text
    assert len(ok.json()["results"]) == MAX_BATCH_QUERIES
    over = await client.post(
        "/memory/batch_read",
        json={"queries": [*queries, {"query": "one more"}]},
        headers=tenant(world),
    )
    refused(over, "queries")


async def test_metadata_of_exactly_16_kib_is_stored_one_byte_more_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    # Measured as compact UTF-8 JSON: {"k":"éé…"} is 8 bytes plus 2 per "é".
    exact = {"k": "é" * ((MAX_METADATA_BYTES - 8) // 2)}
    assert len(json.dumps(exact, separators=(",", ":"), ensure_ascii=False).encode()) == (
        MAX_METADATA_BYTES
    )
    ok = await write(client, world, metadata=exact)
    assert ok.status_code == 200, ok.text
    assert (await stored(client, ok.json()["memory_id"]))["metadata"] == exact
    over = {"k": exact["k"] + "x"}
    message = refused(await write(client, world, metadata=over), "metadata")
    assert str(MAX_METADATA_BYTES) in message


def nested(depth: int) -> dict[str, Any]:
    """An object ``depth`` levels deep (the metadata object itself is level 1)."""
    value: dict[str, Any] = {"leaf": True}
    for _ in range(depth - 1):
        value = {"d": value}
    return value


async def test_metadata_nested_5_levels_is_stored_6_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    ok = await write(client, world, metadata=nested(MAX_METADATA_DEPTH))
    assert ok.status_code == 200, ok.text
    assert (await stored(client, ok.json()["memory_id"]))["metadata"] == nested(MAX_METADATA_DEPTH)
    deep = await write(client, world, metadata=nested(MAX_METADATA_DEPTH + 1))
    assert "deeper than 5" in refused(deep, "metadata")
    in_list = await write(client, world, metadata={"a": [[[[["too deep"]]]]]})
    refused(in_list, "metadata")


async def test_metadata_nested_far_beyond_the_limit_is_refused_not_a_crash(
    client: httpx.AsyncClient, world: World
) -> None:
    # Deep enough to overflow a recursive check, shallow enough for the JSON parser to read.
    for depth in (500, 900):
        body = (
            b'{"content":"deep metadata","metadata":'
            + b'{"a":' * depth
            + b"1"
            + b"}" * depth
            + b"}"
        )
        response = await client.post(
            "/memory/write",
            content=body,
            headers=tenant(world, **{"Content-Type": "application/json"}),
        )
        refused(response, "metadata")


async def test_context_tags_32_of_64_characters_are_stored_more_are_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    tags = [f"{i:02d}" + "t" * 62 for i in range(MAX_TAGS)]
    ok = await write(client, world, context_tags=tags)
    assert ok.status_code == 200, ok.text
    assert (await stored(client, ok.json()["memory_id"]))["context_tags"] == tags
    refused(await write(client, world, context_tags=[*tags, "one-more"]), "context_tags")
    refused(await write(client, world, context_tags=["t" * 65]), "context_tags.0")
    refused(await write(client, world, context_tags=[""]), "context_tags.0")


@pytest.mark.parametrize("field", ["session_id", "agent_id"])
async def test_labels_of_128_characters_are_stored_129_are_refused(
    client: httpx.AsyncClient, world: World, field: str
) -> None:
    ok = await write(client, world, **{field: "s" * 128})
    assert ok.status_code == 200, ok.text
    refused(await write(client, world, **{field: "s" * 129}), field)


async def test_forget_takes_at_most_1000_ids(client: httpx.AsyncClient, world: World) -> None:
    ids = [f"no-such-id-{i}" for i in range(1000)]
    ok = await client.post("/memory/forget", json={"memory_ids": ids}, headers=tenant(world))
    assert ok.status_code == 200, ok.text
    assert ok.json()["affected_count"] == 0
    over = await client.post(
        "/memory/forget", json={"memory_ids": [*ids, "one-more"]}, headers=tenant(world)
    )
    refused(over, "memory_ids")


@pytest.mark.parametrize(
    ("per_page", "ok"), [(MAX_PAGE_SIZE, True), (MAX_PAGE_SIZE + 1, False), (0, False)]
)
async def test_pages_hold_at_most_500(client: httpx.AsyncClient, per_page: int, ok: bool) -> None:
    for path in ("/admin/memories", "/admin/events"):
        response = await client.get(path, params={"per_page": per_page}, headers=admin())
        if ok:
            assert response.status_code == 200, response.text
        else:
            refused(response, "per_page")


# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a", True),
        ("A" + "b" * 63, True),  # 64 characters
        ("0rg_unit.team-1", True),
        ("A" + "b" * 64, False),  # 65 characters
        ("-leading-dash", False),
        (".hidden", False),
        ("has space", False),
        ("slash/inside", False),
        ("ünïcode", False),
        ("nul\x00byte", False),
    ],
)
async def test_tenant_ids_are_1_to_64_plain_characters(
    client: httpx.AsyncClient, name: str, ok: bool
) -> None:
    response = await client.post(
        "/admin/keys", json={"tenant_id": name, "scopes": ["read"]}, headers=admin()
    )
    header = await client.get(
        "/memory/stats",
        headers=[(b"X-API-Key", ADMIN_KEY.encode()), (b"X-Tenant-ID", name.encode("utf-8"))],
    )
    if ok:
        assert response.status_code == 201, response.text
        assert header.status_code == 200, header.text
        assert header.json()["tenant_id"] == name
    else:
        refused(response, "tenant_id")
        refused(header, "X-Tenant-ID")


@pytest.mark.parametrize(
    ("namespace", "ok"),
    [
        ("work", True),
        ("a/b/c/d", True),  # four segments
        ("/".join(["s" * 64] * 4), True),  # four segments of 64
        ("a/b/c/d/e", False),  # five segments
        ("s" * 65, False),
        ("a//b", False),
        ("a/", False),
        ("/a", False),
        ("-a", False),
        ("a b", False),
        ("a\x00", False),
    ],
)
async def test_namespaces_are_up_to_4_segments_shaped_like_tenant_ids(
    client: httpx.AsyncClient, world: World, namespace: str, ok: bool
) -> None:
    response = await write(client, world, namespace=namespace)
    stats = await client.get(
        "/memory/stats", params={"namespace": namespace}, headers=tenant(world)
    )
    if ok:
        assert response.status_code == 200, response.text
        assert stats.status_code == 200, stats.text
        assert stats.json()["total_memories"] >= 1
    else:
        refused(response, "namespace")
        refused(stats, "namespace")


# -- unicode ----------------------------------------------------------------------------------


async def test_unusual_but_valid_unicode_is_stored_and_recalled_exactly(
    client: httpx.AsyncClient, world: World
) -> None:
    texts = [
        "שלום עולם, مرحبا بالعالم, the meeting moved",  # right-to-left scripts
        "\u202eevil override\u202c and a\u200bzero width space",
        "family: 👨‍👩‍👧‍👦, flag: 🏳️‍🌈, skin tone: 👍🏽",
        "combining marks: e\u0301 a\u0308 and a BOM \ufeff inside",
        "tabs\tand\nnewlines\r\nkept",
        "astral plane: \U0001d518\U0001d52b \U00013080 and CJK 記憶",
    ]
    for text in texts:
        content = f"{text} {unique('u')}"
        response = await write(client, world, content=content, metadata={"note": text, text: 1})
        assert response.status_code == 200, response.text
        memory = await stored(client, response.json()["memory_id"])
        assert memory["text"] == content
        assert memory["metadata"] == {"note": text, text: 1}
        read = await client.post("/memory/read", json={"query": text}, headers=tenant(world))
        assert read.status_code == 200, read.text


async def test_escaped_surrogate_pairs_are_one_character(
    client: httpx.AsyncClient, world: World
) -> None:
    marker = unique("pair")
    body = '{"content": "smile \\ud83d\\ude00 ' + marker + '"}'
    response = await client.post(
        "/memory/write",
        content=body.encode(),
        headers=tenant(world, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 200, response.text
    assert (await stored(client, response.json()["memory_id"]))["text"] == f"smile 😀 {marker}"


# A JSON template per kind of string the API takes; %s is where the hostile character goes.
STRING_FIELDS = [
    ("/memory/write", '{"content": "a%sb"}', "content"),
    ("/memory/write", '{"content": "tag probe", "context_tags": ["t%s"]}', "context_tags.0"),
    ("/memory/write", '{"content": "meta key probe", "metadata": {"k%s": 1}}', "metadata"),
    ("/memory/write", '{"content": "meta value probe", "metadata": {"k": ["v%s"]}}', "metadata"),
    ("/memory/write", '{"content": "session probe", "session_id": "s%s"}', "session_id"),
    ("/memory/write", '{"content": "namespace probe", "namespace": "n%s"}', "namespace"),
    ("/memory/read", '{"query": "q%s"}', "query"),
    ("/memory/turn", '{"user_message": "hi", "assistant_response": "a%s"}', "assistant_response"),
    ("/memory/update", '{"memory_id": "m%s", "text": "x"}', "memory_id"),
    ("/memory/forget", '{"memory_ids": ["m%s"]}', "memory_ids.0"),
    ("/memory/restore", '{"memory_ids": ["m%s"]}', "memory_ids.0"),
    ("/memory/batch_write", '{"items": [{"content": "c%s"}]}', "items.0.content"),
    ("/memory/batch_read", '{"queries": [{"query": "q%s"}]}', "queries.0.query"),
]


@pytest.mark.parametrize(
    "escape", ["\\u0000", "\\ud800", "\\udfff"], ids=["NUL", "lone-high", "lone-low"]
)
@pytest.mark.parametrize(
    ("path", "template", "field"), STRING_FIELDS, ids=[f for _, _, f in STRING_FIELDS]
)
async def test_nul_and_lone_surrogates_are_refused_in_every_string(
    client: httpx.AsyncClient, world: World, path: str, template: str, field: str, escape: str
) -> None:
    response = await client.post(
        path,
        content=(template % escape).encode(),
        headers=tenant(world, **{"Content-Type": "application/json"}),
    )
    refused(response, field)


async def test_nul_never_reaches_postgresql(tmp_path: Path, postgres_url: str) -> None:
    # PostgreSQL cannot store or compare text holding NUL: each of these was a 500 there.
    with open_world(tmp_path / "pg", database_url=postgres_url) as pg:
        transport = httpx.ASGITransport(app=pg.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
            headers = tenant(pg, **{"Content-Type": "application/json"})
            for path, template, field in STRING_FIELDS:
                body = (template % "\\u0000").encode()
                refused(await c.post(path, content=body, headers=headers), field)
            events = await c.get("/admin/events", params={"event_type": "a\x00"}, headers=admin())
            refused(events, "event_type")
            cursor = await c.get("/admin/memories", params={"cursor": "bTE6YQA"}, headers=admin())
            refused(cursor, "cursor")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/admin/events", {"event_type": "memory.write\x00"}),
        ("/admin/memories", {"status": "active\x00"}),
        ("/admin/memories", {"cursor": "bTE6YQA"}),  # a forged cursor hiding a NUL
        ("/admin/keys", {"tenant_id": "acme\x00"}),
    ],
)
async def test_nul_in_query_parameters_is_refused(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params, headers=admin())
    refused(response, next(iter(params)))


async def test_nul_in_a_path_parameter_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.delete("/admin/keys/key%00id", headers=admin())
    refused(response, "key_id")


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "a AND OR NOT",
        "NEAR(a b, 3)",
        "column:term",
        "prefix* ^start",
        "(((",
        '"' * 200,
        "- + * : ^ ( ) { } [ ]",
        "😀",
        "\u202e\u200b\ufeff",
    ],
)
async def test_full_text_syntax_in_a_query_is_searched_as_text(
    client: httpx.AsyncClient, world: World, query: str
) -> None:
    response = await client.post("/memory/read", json={"query": query}, headers=tenant(world))
    assert response.status_code == 200, response.text


# -- bodies --------------------------------------------------------------------------------------


def padded(body: bytes, size: int) -> bytes:
    """``body`` followed by JSON whitespace up to exactly ``size`` bytes."""
    assert len(body) <= size
    return body + b" " * (size - len(body))


async def test_a_body_of_exactly_the_limit_is_read_one_byte_more_is_413(
    client: httpx.AsyncClient, world: World
) -> None:
    limit = world.settings.max_request_bytes
    assert limit == 2 * MIB  # the documented default
    headers = tenant(world, **{"Content-Type": "application/json"})
    body = json.dumps({"content": unique("two mebibytes")}).encode()
    exact = await client.post("/memory/write", content=padded(body, limit), headers=headers)
    assert exact.status_code == 200, exact.text
    over = await client.post("/memory/write", content=padded(body, limit + 1), headers=headers)
    assert over.status_code == 413, over.text
    assert str(limit) in over.json()["error"]["message"]


async def test_a_huge_streamed_body_is_refused_without_being_read(
    client: httpx.AsyncClient, world: World
) -> None:
    chunk = 64 * 1024
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"content": "'
        for _ in range(64 * MIB // chunk):  # 64 MiB offered, 32 times the limit
            sent += chunk
            yield b"x" * chunk

    response = await client.post(
        "/memory/write",
        content=endless(),
        headers=tenant(world, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 413, response.text
    assert sent <= world.settings.max_request_bytes + chunk


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
    ids=["open-arrays", "closed-arrays", "objects"],
)
async def test_json_nested_100k_levels_is_400_not_a_crash(
    client: httpx.AsyncClient, world: World, body: bytes
) -> None:
    response = await client.post(
        "/memory/write", content=body, headers=tenant(world, **{"Content-Type": "application/json"})
    )
    assert response.status_code == 400, response.text
    assert "too deeply" in response.json()["error"]["message"]
    health = await client.get("/health")
    assert health.status_code == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"content": "x", "importance": ' + b"9" * 5000 + b"}", "too many digits"),
        (b'{"content": "caf\xe9 latin-1"}', "UTF-8"),
        (b"   ", "not valid JSON"),
        (b'{"content": "x"} trailing', "not valid JSON"),
    ],
    ids=["5000-digit-number", "latin-1", "only-whitespace", "trailing-garbage"],
)
async def test_unreadable_bodies_are_400_saying_why(
    client: httpx.AsyncClient, world: World, body: bytes, words: str
) -> None:
    response = await client.post(
        "/memory/write", content=body, headers=tenant(world, **{"Content-Type": "application/json"})
    )
    assert response.status_code == 400, response.text
    assert words in response.json()["error"]["message"]


async def test_nan_and_infinity_are_refused(client: httpx.AsyncClient, world: World) -> None:
    headers = tenant(world, **{"Content-Type": "application/json"})
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        meta = b'{"content": "nan probe", "metadata": {"score": %s}}' % literal
        response = await client.post("/memory/write", content=meta, headers=headers)
        assert "NaN or Infinity" in refused(response, "metadata")
        score = b'{"content": "nan probe", "importance": %s}' % literal
        refused(await client.post("/memory/write", content=score, headers=headers), "importance")


async def test_with_duplicate_keys_the_last_one_wins(
    client: httpx.AsyncClient, world: World
) -> None:
    first, last = unique("first"), unique("last")
    body = f'{{"content": "{first}", "content": "{last}"}}'.encode()
    response = await client.post(
        "/memory/write", content=body, headers=tenant(world, **{"Content-Type": "application/json"})
    )
    assert response.status_code == 200, response.text
    assert (await stored(client, response.json()["memory_id"]))["text"] == last


# -- the README ----------------------------------------------------------------------------------


def _readme_limits() -> dict[str, str]:
    """The rows of the README's limits table: what -> limit."""
    section = README.read_text(encoding="utf-8").split("\n## Limits\n", 1)[1].split("\n## ")[0]
    return dict(re.findall(r"^\| (.+?) \| (.+?) \|$", section, flags=re.MULTILINE))


@pytest.mark.parametrize(
    ("row", "value"),
    [
        ("memory content", MAX_CONTENT_CHARS),
        ("read query", MAX_QUERY_CHARS),
        ("`max_results`", MAX_RESULTS),
        ("batch write", MAX_BATCH_ITEMS),
        ("batch read", MAX_BATCH_QUERIES),
        ("metadata", MAX_METADATA_BYTES),
        ("metadata", MAX_METADATA_DEPTH),
        ("context tags", MAX_TAGS),
        ("pages", MAX_PAGE_SIZE),
        ("request body", 2 * MIB),
    ],
)
def test_the_readme_documents_each_limit_with_its_value(row: str, value: int) -> None:
    limits = _readme_limits()
    assert row in limits, sorted(limits)
    assert f"{value:,}" in limits[row] or str(value) in limits[row], limits[row]
