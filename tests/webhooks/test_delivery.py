"""Deliveries from the outbox to a real receiver: signed, retried, logged, once each."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from cml.engine import Engine
from cml.engine.webhooks import WebhookService
from cml.engine.webhooks_send import SendPolicy, send_due
from cml.errors import InvalidInputError, SecretRefusedError
from cml.models import CreateWebhookRequest, UpdateWebhookRequest, WriteRequest
from cml.models.webhooks import sign_payload, verify_signature
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .receiver import Receiver

SECRET = "whsec_test_0123456789abcdef"
POLICY = SendPolicy(max_attempts=3, backoff_seconds=0.2, timeout_seconds=5, allow_private=True)


def _subscribe(engine: Engine, receiver: Receiver, *types: str) -> str:
    service = WebhookService(engine.store, allow_private=True)
    request = CreateWebhookRequest(
        url=receiver.url, secret=SECRET, event_types=list(types) or ["*"]
    )
    return service.create("acme", request).id


def _send_until_idle(engine: Engine, client: httpx.Client, owner: str = "test") -> None:
    while send_due(engine.store, client, owner, POLICY):
        pass


def test_a_write_is_delivered_signed_and_logged(engine: Engine, receiver: Receiver) -> None:
    webhook_id = _subscribe(engine, receiver)
    written = engine.memories.write("acme", WriteRequest(content="Ann moved to Lisbon"))
    engine.memories.write("globex", WriteRequest(content="Not acme's business"))
    with httpx.Client() as client:
        _send_until_idle(engine, client)
    (got,) = receiver.events()
    assert got.event["event_type"] == "memory.write"
    assert got.event["tenant_id"] == "acme"
    assert got.event["memory_ids"] == [written.memory_id]
    assert got.headers["X-CML-Event"] == "memory.write"
    timestamp, signature = got.headers["X-CML-Timestamp"], got.headers["X-CML-Signature"]
    assert signature == sign_payload(SECRET, timestamp, got.body)
    assert verify_signature(SECRET, timestamp, got.body, signature)
    assert not verify_signature("another-secret-0123456789", timestamp, got.body, signature)
    tampered = got.body.replace(b'"acme"', b'"evil"')
    assert not verify_signature(SECRET, timestamp, tampered, signature)
    # A replay of the captured request later on is detected by its old timestamp.
    assert not verify_signature(SECRET, timestamp, got.body, signature, now=int(timestamp) + 301)
    (logged,) = WebhookService(engine.store).deliveries(webhook_id)
    assert logged.status == "delivered"
    assert logged.attempts == 1
    assert logged.last_status == 200
    assert str(logged.id) == got.headers["X-CML-Delivery"]
    assert logged.event_id == got.event["id"]


def test_only_the_subscribed_event_types_are_delivered(engine: Engine, receiver: Receiver) -> None:
    _subscribe(engine, receiver, "memory.forget")
    written = engine.memories.write("acme", WriteRequest(content="Bob owns a red bike"))
    from cml.models import ForgetRequest

    engine.memories.forget("acme", ForgetRequest(memory_ids=[written.memory_id or ""]))
    with httpx.Client() as client:
        _send_until_idle(engine, client)
    assert [r.event["event_type"] for r in receiver.events()] == ["memory.forget"]


def test_a_refused_write_queues_nothing(engine: Engine, receiver: Receiver) -> None:
    webhook_id = _subscribe(engine, receiver)
    with pytest.raises(SecretRefusedError):
        engine.memories.write("acme", WriteRequest(content="password: hunter2-Zx9!qLw7#"))
    assert WebhookService(engine.store).deliveries(webhook_id) == []


def test_receiver_down_then_up_is_delivered_after_it_returns(
    engine: Engine, receiver: Receiver
) -> None:
    webhook_id = _subscribe(engine, receiver)
    receiver.stop()
    engine.memories.write("acme", WriteRequest(content="Carol starts on Monday"))
    service = WebhookService(engine.store)
    with httpx.Client() as client:
        assert send_due(engine.store, client, "test", POLICY) == 1
        (waiting,) = service.deliveries(webhook_id)
        assert waiting.status == "pending"
        assert waiting.attempts == 1
        assert waiting.last_status is None
        assert waiting.last_error
        assert waiting.next_attempt_at is not None
        assert waiting.next_attempt_at > datetime.now(UTC)
        # Not due yet: nothing is taken before the backoff has passed.
        assert send_due(engine.store, client, "test", POLICY) == 0
        receiver.start()
        time.sleep(POLICY.retry_delay(1) + 0.05)
        _send_until_idle(engine, client)
    assert len(receiver.events("memory.write")) == 1
    (done,) = service.deliveries(webhook_id)
    assert done.status == "delivered"
    assert done.attempts == 2


def test_retries_end_in_failed_after_the_limit(engine: Engine, receiver: Receiver) -> None:
    webhook_id = _subscribe(engine, receiver)
    receiver.status = 500
    engine.memories.write("acme", WriteRequest(content="Dan prefers aisle seats"))
    with httpx.Client() as client:
        for attempt in range(1, POLICY.max_attempts + 1):
            deadline = time.monotonic() + 10
            while not send_due(engine.store, client, "test", POLICY):
                assert time.monotonic() < deadline, f"attempt {attempt} never came due"
                time.sleep(0.05)
    (failed,) = WebhookService(engine.store).deliveries(webhook_id)
    assert failed.status == "failed"
    assert failed.attempts == POLICY.max_attempts
    assert failed.last_status == 500
    assert len(receiver.events()) == POLICY.max_attempts
    # All attempts carry the same event and delivery id; only timestamps may differ.
    assert len({r.body for r in receiver.events()}) == 1
    assert len({r.headers["X-CML-Delivery"] for r in receiver.events()}) == 1


def test_a_lease_keeps_a_delivery_from_a_second_sender(engine: Engine, receiver: Receiver) -> None:
    _subscribe(engine, receiver)
    engine.memories.write("acme", WriteRequest(content="Eve likes jazz"))
    now = datetime.now(UTC)
    first = engine.store.claim_deliveries("one", now, 60, 10)
    assert len(first) == 1
    assert engine.store.claim_deliveries("two", now, 60, 10) == []


def test_test_event_reaches_only_its_webhook(engine: Engine, receiver: Receiver) -> None:
    other = Receiver().start()
    try:
        service = WebhookService(engine.store, allow_private=True)
        target = service.create(
            "acme", CreateWebhookRequest(url=receiver.url, event_types=["memory.write"])
        )
        service.create("acme", CreateWebhookRequest(url=other.url))
        queued = service.test(target.id)
        assert queued.event_type == "webhook.test"
        assert queued.status == "pending"
        with httpx.Client() as client:
            _send_until_idle(engine, client)
        (got,) = receiver.events()
        assert got.event["event_type"] == "webhook.test"
        assert verify_signature(
            target.secret, got.headers["X-CML-Timestamp"], got.body, got.headers["X-CML-Signature"]
        )
        assert other.events() == []
    finally:
        other.stop()


def test_updates_disable_and_delete(engine: Engine, receiver: Receiver) -> None:
    service = WebhookService(engine.store, allow_private=True)
    webhook_id = _subscribe(engine, receiver)
    paused = service.update(webhook_id, UpdateWebhookRequest(enabled=False))
    assert paused.enabled is False
    engine.memories.write("acme", WriteRequest(content="Frank flies on Friday"))
    assert service.deliveries(webhook_id) == []
    service.update(webhook_id, UpdateWebhookRequest(enabled=True, event_types=["memory.write"]))
    engine.memories.write("acme", WriteRequest(content="Grace flies on Sunday"))
    assert len(service.deliveries(webhook_id)) == 1
    service.delete(webhook_id)
    assert service.list_webhooks("acme") == []
    with httpx.Client() as client:
        assert send_due(engine.store, client, "test", POLICY) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://10.0.0.5/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_and_metadata_addresses_are_refused(engine: Engine, url: str) -> None:
    service = WebhookService(engine.store)
    with pytest.raises(InvalidInputError) as refused:
        service.create("acme", CreateWebhookRequest(url=url))
    assert refused.value.hint is not None
    assert "CML_WEBHOOKS_ALLOW_PRIVATE" in refused.value.hint
    assert service.list_webhooks() == []


async def test_delivery_outcomes_are_counted_in_metrics(
    engine: Engine, receiver: Receiver, tmp_path: Path
) -> None:
    app = create_app(ServerSettings(data_dir=tmp_path, embedding_provider="hash"), engine=engine)
    _subscribe(engine, receiver)
    engine.memories.write("acme", WriteRequest(content="Lena collects stamps"))
    receiver.status = 503
    with httpx.Client() as client:
        _send_until_idle(engine, client)
        receiver.status = 200
        engine.memories.write("acme", WriteRequest(content="Mo bakes bread"))
        _send_until_idle(engine, client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        text = (await c.get("/metrics")).text
    assert 'cml_webhook_deliveries_total{outcome="retry"} 1.0' in text
    assert 'cml_webhook_deliveries_total{outcome="delivered"} 1.0' in text
