"""Property-based tests of the request models (the wire contract) and of the SDK against the app.

Hostile values (NUL, lone surrogates, right-to-left overrides, emoji sequences, strings at and
around every length limit, non-string keys, NaN and Infinity, deep and wide JSON, malformed
names) go into every request model. A model either accepts a value, and then the value survives
the SDK's wire encoding and the server's validation unchanged, or it raises pydantic's
``ValidationError`` naming the field; nothing else ever escapes. Through the SDK and the real
app, a call either succeeds (and what the server stored is what was sent) or raises one of the
SDK's exceptions for a 4xx or for input refused before sending, never a 5xx or a foreign error.

Each property runs a fixed number of derandomized examples (see ``EXAMPLES``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pydantic
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

import cml
from cml import models
from cml.models import (
    MAX_CONTENT_CHARS,
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_QUERY_CHARS,
    CreateKeyRequest,
    WriteRequest,
)

from .hostile_app import ADMIN_KEY, TENANT, World, open_world

EXAMPLES = 200
"""Examples per pure-model property."""
APP_EXAMPLES = 60
"""Examples per property that goes through the SDK and the app."""

PROFILE = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
APP_PROFILE = settings(PROFILE, max_examples=APP_EXAMPLES)

# -- strategies ----------------------------------------------------------------------------------

HOSTILE = [
    "\x00",
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero width space
    "\ufeff",  # byte order mark
    "\u0301",  # combining acute accent
    "😀",
    "👨\u200d👩\u200d👧",  # a family: one glyph, five code points
    "שלום",
    "\r\n",
    "\t",
    " ",
    "\x1b[31m",
    "\x7f",
    "\uffff",
    "\U0010ffff",
    "/",
    ".",
    "-",
    "\\",
    '"',
]
every_char = st.characters(exclude_categories=())  # surrogates and controls included
short_text = st.one_of(
    st.text(every_char, max_size=12),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), max_size=6).map("".join),
)


def around(limit: int) -> st.SearchStrategy[str]:
    """Strings a few characters either side of ``limit``, of one- to four-byte characters."""
    return st.builds(
        lambda char, size: char * size,
        st.sampled_from(["x", "é", "記", "😀", " ", "\x00"]),
        st.integers(limit - 2, limit + 2),
    )


printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=80)
texts = st.one_of(printable, short_text, around(MAX_CONTENT_CHARS), around(MAX_QUERY_CHARS))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and both infinities included
    short_text,
    st.builds(pow, st.just(10), st.just(5000)),  # more digits than Python writes as JSON
)
json_keys = st.one_of(printable, short_text, st.integers(), st.booleans(), st.none(), st.floats())
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_keys, inner, max_size=3),
    max_leaves=12,
)


def nested(depth: int, container: str) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"d": value} if container == "object" else [value]
    return value


metadata_values = st.one_of(
    st.dictionaries(json_keys, json_values, max_size=5),
    st.builds(
        lambda depth, kind: {"root": nested(depth, kind)},
        st.integers(0, 40),
        st.sampled_from(["object", "array"]),
    ),
    st.builds(lambda n: {"k": "x" * n}, st.integers(MAX_METADATA_BYTES - 10, MAX_METADATA_BYTES)),
)

segment = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", fullmatch=True)
names = st.one_of(
    short_text,
    segment,
    st.lists(segment, min_size=1, max_size=6).map("/".join),
    st.builds(lambda s, tail: s + tail, segment, st.sampled_from(HOSTILE)),
    st.builds(lambda n: "a" * n, st.integers(62, 66)),
)

# -- oracles: the documented rules, written independently of the implementation ---------------


def utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def good_content(value: str) -> bool:
    return (
        0 < len(value) <= MAX_CONTENT_CHARS
        and "\x00" not in value
        and utf8(value)
        and value.strip() != ""
    )


def good_query(value: str) -> bool:
    return good_content(value) and len(value) <= MAX_QUERY_CHARS


def good_tenant(value: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
    return 0 < len(value) <= 64 and all(char in allowed for char in value) and value[0] not in "_.-"


def good_namespace(value: str) -> bool:
    parts = value.split("/")
    return len(parts) <= 4 and all(good_tenant(part) for part in parts)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def good_metadata(value: dict[Any, Any]) -> bool:
    def ok(node: Any) -> bool:
        if isinstance(node, dict):
            return all(
                isinstance(k, str) and "\x00" not in k and utf8(k) and ok(v)
                for k, v in node.items()
            )
        if isinstance(node, list):
            return all(ok(v) for v in node)
        if isinstance(node, str):
            return "\x00" not in node and utf8(node)
        if isinstance(node, float):
            return math.isfinite(node)
        if isinstance(node, int) and not isinstance(node, bool):
            return abs(node) < 10**4300
        return node is None or isinstance(node, bool)

    if not ok(value) or depth(value) > MAX_METADATA_DEPTH:
        return False
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    return size <= MAX_METADATA_BYTES


def tally(what: str) -> None:
    """Count an outcome in hypothesis' statistics (``--hypothesis-show-statistics``)."""
    if currently_in_test_context():
        event(what)


def build(model: type[pydantic.BaseModel], fields: dict[str, Any]) -> pydantic.BaseModel | None:
    """The model, or ``None`` when it refuses ``fields`` with a ValidationError naming a field.

    Any other exception fails the test: that is the property.
    """
    try:
        built = model.model_validate(fields)
    except pydantic.ValidationError as exc:
        tally(f"{model.__name__}: refused")
        known = {*model.model_fields, *fields}
        for error in exc.errors():
            assert error["msg"].strip(), error
            if error["loc"]:
                assert str(error["loc"][0]) in known, error
            else:  # a rule across fields names them in its message
                assert any(name in error["msg"] for name in model.model_fields), error
        return None
    tally(f"{model.__name__}: accepted")
    return built


def over_the_wire(model: pydantic.BaseModel) -> pydantic.BaseModel:
    """What the server validates from what the SDK sends for ``model``."""
    data = model.model_dump(mode="json", exclude_unset=True)
    wire = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return type(model).model_validate(json.loads(wire))


# -- the models ----------------------------------------------------------------------------------


@PROFILE
@given(content=texts)
def test_content_is_accepted_exactly_when_the_documented_rules_allow_it(content: str) -> None:
    model = build(WriteRequest, {"content": content})
    assert (model is not None) == good_content(content)
    if model is not None:
        assert isinstance(model, WriteRequest)
        assert over_the_wire(model).model_dump() == model.model_dump()
        assert model.content == content  # never trimmed or normalised


@PROFILE
@given(metadata=metadata_values)
def test_metadata_is_accepted_exactly_when_it_is_plain_small_shallow_json(
    metadata: dict[Any, Any],
) -> None:
    model = build(WriteRequest, {"content": "metadata probe", "metadata": metadata})
    assert (model is not None) == good_metadata(metadata), metadata
    if model is not None:
        assert isinstance(model, WriteRequest)
        assert over_the_wire(model).metadata == metadata  # type: ignore[attr-defined]


@PROFILE
@given(name=names)
def test_names_follow_the_documented_format_everywhere(name: str) -> None:
    assert models.is_valid_tenant_id(name) == good_tenant(name)
    assert models.is_valid_namespace(name) == good_namespace(name)
    assert (build(CreateKeyRequest, {"tenant_id": name}) is not None) == good_tenant(name)
    write = build(WriteRequest, {"content": "name probe", "namespace": name})
    assert (write is not None) == good_namespace(name)
    # FastAPI checks query parameters with the pattern itself (another regex engine).
    assert bool(re.fullmatch(models.NAMESPACE_PATTERN, name)) == good_namespace(name)


REQUEST_MODELS: list[type[pydantic.BaseModel]] = [
    models.WriteRequest,
    models.ReadRequest,
    models.TurnRequest,
    models.UpdateRequest,
    models.ForgetRequest,
    models.RestoreRequest,
    models.CreateKeyRequest,
    models.BatchWriteRequest,
    models.BatchReadRequest,
    models.ConsolidateRequest,
    models.ForgettingRequest,
    models.PurgeRequest,
]

# A valid body per model; the property then breaks a few of its fields (or adds unknown ones).
VALID: dict[type[pydantic.BaseModel], dict[str, Any]] = {
    models.WriteRequest: {
        "content": "Ana moved to Lisbon",
        "context_tags": ["travel"],
        "session_id": "s1",
        "memory_type": "semantic_fact",
        "namespace": "family/ana",
        "metadata": {"source": "chat", "turn": 3},
        "agent_id": "agent-1",
        "timestamp": "2024-05-01T12:00:00+02:00",
        "importance": 0.5,
        "confidence": 0.9,
    },
    models.ReadRequest: {
        "query": "Where does Ana live?",
        "max_results": 5,
        "memory_types": ["semantic_fact"],
        "namespace": "family",
        "session_id": "s1",
        "since": "2024-01-01T00:00:00Z",
        "until": "2024-12-31T00:00:00Z",
        "format": "llm_context",
        "max_tokens": 500,
        "include_silent": True,
    },
    models.TurnRequest: {
        "user_message": "I moved to Lisbon",
        "assistant_response": "Noted",
        "session_id": "s1",
        "namespace": "chat",
        "agent_id": "bot",
        "max_context_tokens": 200,
        "timestamp": "2024-05-01T12:00:00Z",
    },
    models.UpdateRequest: {
        "memory_id": "m1",
        "text": "Ana lives in Porto",
        "confidence": 0.7,
        "importance": 0.4,
        "metadata": {"edited": True},
        "feedback": "correct",
        "namespace": "family",
    },
    models.ForgetRequest: {
        "memory_ids": ["m1", "m2"],
        "query": "Lisbon",
        "threshold": 0.8,
        "before": "2024-05-01T00:00:00Z",
        "namespace": "family",
        "session_id": "s1",
        "hard": False,
    },
    models.RestoreRequest: {"memory_ids": ["m1"]},
    models.CreateKeyRequest: {
        "tenant_id": "acme",
        "scopes": ["read"],
        "name": "backend",
        "extra_tenants": ["globex"],
    },
    models.BatchWriteRequest: {
        "items": [{"content": "one"}, {"content": "two", "namespace": "n"}],
        "session_id": "s1",
        "namespace": "batch",
    },
    models.BatchReadRequest: {"queries": [{"query": "one"}, {"query": "two", "max_results": 3}]},
    models.ConsolidateRequest: {"tenant_id": "acme", "user_id": "ana"},
    models.ForgettingRequest: {
        "tenant_id": "acme",
        "user_id": "ana",
        "dry_run": True,
        "max_memories": 100,
    },
    models.PurgeRequest: {"tenant_id": "acme", "older_than": "2024-01-01T00:00:00Z"},
    models.CreateWebhookRequest: {
        "url": "https://crm.example.com/hook",
        "event_types": ["memory.write", "*"],
        "secret": "whsec_0123456789abcdef",
        "tenant_id": "acme",
        "description": "crm",
        "enabled": True,
    },
    models.UpdateWebhookRequest: {
        "url": "https://crm.example.com/v2",
        "event_types": ["memory.forget"],
        "secret": "whsec_fedcba9876543210",
        "description": "crm v2",
        "enabled": False,
    },
}


@st.composite
def request_bodies(draw: st.DrawFn) -> tuple[type[pydantic.BaseModel], dict[str, Any]]:
    model = draw(st.sampled_from(list(VALID)))
    body = dict(VALID[model])
    targets = [*model.model_fields, "unknown_field"]
    count = draw(st.integers(0, 2))
    for name in draw(
        st.lists(st.sampled_from(targets), unique=True, min_size=count, max_size=count)
    ):
        body[name] = draw(st.one_of(json_values, texts, names))
    return model, body


def test_every_valid_body_is_valid() -> None:
    assert set(VALID) == {
        getattr(models, name) for name in models.__all__ if name.endswith("Request")
    }
    for model, body in VALID.items():
        assert build(model, body) is not None, model


@settings(PROFILE, max_examples=EXAMPLES * 2)
@given(case=request_bodies())
def test_every_request_model_either_refuses_a_field_or_survives_the_wire(
    case: tuple[type[pydantic.BaseModel], dict[str, Any]],
) -> None:
    model_type, body = case
    model = build(model_type, body)
    if model is not None:
        assert over_the_wire(model).model_dump(mode="json") == model.model_dump(mode="json")


# -- through the SDK and the real app ------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with open_world(tmp_path_factory.mktemp("fuzz-models")) as opened:
        yield opened


def sdk(world: World) -> cml.AsyncCognitiveMemoryLayer:
    return cml.AsyncCognitiveMemoryLayer(
        world.tenant_key,
        admin_api_key=ADMIN_KEY,
        base_url="http://cml.test",
        max_retries=0,
        transport=httpx.ASGITransport(app=world.app),
    )


def client_side_or_4xx(exc: cml.CMLError) -> None:
    """An SDK exception is acceptable only for input refused before sending, or for a 4xx."""
    assert isinstance(exc, cml.APIError), repr(exc)
    tally("refused before sending" if exc.status_code is None else f"refused: {exc.status_code}")
    assert not isinstance(exc, cml.ServerError), repr(exc)
    assert exc.status_code is None or 400 <= exc.status_code < 500, repr(exc)
    assert exc.message.strip()


write_args = st.fixed_dictionaries(
    {"content": texts},
    optional={
        "metadata": metadata_values,
        "context_tags": st.lists(short_text, max_size=4),
        "namespace": names,
        "session_id": short_text,
        "agent_id": short_text,
    },
)


@APP_PROFILE
@given(args=write_args)
async def test_a_write_through_the_sdk_is_stored_as_sent_or_refused_cleanly(
    world: World, args: dict[str, Any]
) -> None:
    async with sdk(world) as client:
        try:
            result = await client.write(**args)
        except cml.CMLError as exc:
            client_side_or_4xx(exc)
            return
    assert result.success
    assert result.memory_id
    tally("stored")
    if result.redactions or result.deduplicated:
        return  # documented: personal data replaced, or an existing memory reinforced
    record = world.engine.store.get(TENANT, result.memory_id)
    assert record is not None
    assert record.content == args["content"]
    assert record.metadata == args.get("metadata", {})
    assert record.context_tags == args.get("context_tags", [])
    assert record.namespace == args.get("namespace")
    assert record.session_id == args.get("session_id")


@APP_PROFILE
@given(query=texts, namespace=st.none() | names, max_results=st.integers(-1, 102))
async def test_a_read_through_the_sdk_answers_or_is_refused_cleanly(
    world: World, query: str, namespace: str | None, max_results: int
) -> None:
    async with sdk(world) as client:
        try:
            result = await client.read(query, namespace=namespace, max_results=max_results)
        except cml.CMLError as exc:
            client_side_or_4xx(exc)
            return
    assert good_query(query)
    assert 1 <= max_results <= models.MAX_RESULTS
    assert len(result.memories) <= max_results


@APP_PROFILE
@given(tenant=names, namespace=names)
async def test_tenants_and_namespaces_are_switched_or_refused_cleanly(
    world: World, tenant: str, namespace: str
) -> None:
    async with sdk(world) as client:
        try:
            client.set_tenant(tenant)
        except cml.CMLError as exc:
            client_side_or_4xx(exc)
            assert not good_tenant(tenant)
        else:
            assert good_tenant(tenant)
            try:
                await client.stats()
            except cml.CMLError as exc:
                client_side_or_4xx(exc)  # another tenant than the key's: a clean 403
        client.set_tenant(TENANT)
        try:
            view = client.with_namespace(namespace)
        except cml.CMLError as exc:
            client_side_or_4xx(exc)
            assert not good_namespace(namespace)
            return
        assert good_namespace(namespace)
        stats = await view.stats()
        assert stats.namespace == namespace


@APP_PROFILE
@given(key_id=short_text, event_type=short_text, idempotency_key=short_text)
async def test_ids_query_parameters_and_headers_are_sent_or_refused_cleanly(
    world: World, key_id: str, event_type: str, idempotency_key: str
) -> None:
    async with sdk(world) as client:
        calls = [
            lambda: client.revoke_api_key(key_id),
            lambda: client.get_events(event_type=event_type),
            lambda: client.write("an idempotent write", idempotency_key=idempotency_key),
        ]
        for call in calls:
            try:
                await call()
            except cml.CMLError as exc:
                client_side_or_4xx(exc)


@APP_PROFILE
@given(key=short_text)
async def test_any_api_key_is_refused_at_construction_or_by_the_server(
    world: World, key: str
) -> None:
    if not key or not all(" " <= char <= "~" for char in key):  # no possible header value
        tally("refused at construction")
        with pytest.raises(cml.ConfigurationError, match="api_key"):
            cml.AsyncCognitiveMemoryLayer(key, base_url="http://cml.test")
        return
    client = cml.AsyncCognitiveMemoryLayer(
        key, base_url="http://cml.test", transport=httpx.ASGITransport(app=world.app)
    )
    async with client:
        with pytest.raises(cml.AuthenticationError):
            await client.stats()
