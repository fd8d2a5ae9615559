"""The webhook statements both backends share: subscriptions, the outbox, and claims.

:class:`SQLWebhooks` is a part of :class:`~cml.storage.sql.store.SQLStore`;
:func:`add_event_with_deliveries` is how a unit of work appends an event, queueing a delivery
for each of the tenant's webhooks that wants it in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic

from cml.storage.base import EventRecord
from cml.storage.sql.chain import append_event
from cml.storage.sql.connections import Connection, Connections, ConnT, read_all, read_one
from cml.storage.sql.dialect import Dialect
from cml.storage.webhooks import (
    DELIVERIES_QUEUED,
    TEST_EVENT,
    ClaimedDelivery,
    DeliveryRecord,
    WebhookRecord,
)

__all__ = ["SQLWebhooks", "add_event_with_deliveries"]


_WEBHOOK_COLUMNS = (
    "id, tenant_id, url, event_types, secret, enabled, description, created_at, updated_at"
)
_DELIVERY_COLUMNS = (
    "id, webhook_id, tenant_id, event_id, event_type, status, attempts, next_attempt_at,"
    " created_at, last_status, last_error, delivered_at"
)


def _webhook(d: Dialect, row: Sequence[Any]) -> WebhookRecord:
    # Columns in _WEBHOOK_COLUMNS order, which the record's fields are declared in but for
    # the times and flags that need converting.
    webhook_id, tenant, url, types, secret, enabled, description, created, updated = row
    return WebhookRecord(
        webhook_id, tenant, url, list(d.json_out(types)), secret,
        d.time_out(created), d.time_out(updated), bool(enabled), description,
    )  # fmt: skip


def _delivery(d: Dialect, row: Sequence[Any]) -> DeliveryRecord:
    # Columns in _DELIVERY_COLUMNS order, which is the record's field order.
    id_, webhook_id, tenant, event_id, event_type, status, attempts, next_at, created = row[:9]
    return DeliveryRecord(
        int(id_), webhook_id, tenant, int(event_id), event_type, status, int(attempts),
        d.time_out(next_at), d.time_out(created), row[9], row[10], d.opt_time_out(row[11]),
    )  # fmt: skip


def add_event_with_deliveries(conn: Connection, d: Dialect, event: EventRecord) -> None:
    """Append ``event`` and queue its deliveries, all on ``conn``'s open transaction.

    The event is linked into the tenant's hash chain (:func:`~cml.storage.sql.chain.append_event`);
    one delivery row is written per webhook of the tenant that wants it.
    """
    rows = conn.execute(
        f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = {d.mark}",
        (event.tenant_id,),
    ).fetchall()
    webhooks = [_webhook(d, row) for row in rows]
    if event.event_type == TEST_EVENT:
        targets = [w for w in webhooks if w.id == event.payload.get("webhook_id")]
    else:
        targets = [w for w in webhooks if w.wants(event.event_type)]
    event_id = append_event(conn, d, event)
    if not targets:
        return
    created = d.time_in(event.created_at)
    cursor = conn.cursor()
    try:
        cursor.executemany(
            "INSERT INTO webhook_deliveries (webhook_id, tenant_id, event_id, event_type, status,"
            f" attempts, next_attempt_at, created_at) VALUES ({d.marks(8)})",
            [
                (w.id, event.tenant_id, event_id, event.event_type, "pending", 0, created, created)
                for w in targets
            ],
        )
    finally:
        cursor.close()
    DELIVERIES_QUEUED.set()


class SQLWebhooks(Generic[ConnT]):
    """Webhooks and their outbox (the :class:`~cml.storage.webhooks.Webhooks` role)."""

    dialect: ClassVar[Dialect]
    _db: Connections[ConnT]

    def put_webhook(self, webhook: WebhookRecord) -> None:
        """Store a new webhook or replace the one with the same id."""
        d = self.dialect
        with self._db.own_write() as conn:
            conn.execute(
                f"INSERT INTO webhooks ({_WEBHOOK_COLUMNS}) VALUES ({d.marks(9)})"
                " ON CONFLICT (id) DO UPDATE SET url = excluded.url,"
                " event_types = excluded.event_types, secret = excluded.secret,"
                " enabled = excluded.enabled, description = excluded.description,"
                " updated_at = excluded.updated_at",
                (
                    webhook.id,
                    webhook.tenant_id,
                    webhook.url,
                    d.json_in(list(webhook.event_types)),
                    webhook.secret,
                    webhook.enabled,
                    webhook.description,
                    d.time_in(webhook.created_at),
                    d.time_in(webhook.updated_at),
                ),
            )

    def get_webhook(self, webhook_id: str) -> WebhookRecord | None:
        """The webhook with this id."""
        sql = f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE id = {self.dialect.mark}"
        row = read_one(self._db, sql, (webhook_id,))
        return None if row is None else _webhook(self.dialect, row)

    def list_webhooks(self, tenant_id: str | None = None) -> list[WebhookRecord]:
        """Every webhook, or one tenant's, oldest first."""
        where, params = (
            ("", ())
            if tenant_id is None
            else (
                f" WHERE tenant_id = {self.dialect.mark}",
                (tenant_id,),
            )
        )
        rows = read_all(
            self._db,
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks{where} ORDER BY created_at, id",
            params,
        )
        return [_webhook(self.dialect, row) for row in rows]

    def delete_webhook(self, webhook_id: str) -> bool:
        """Remove a webhook and every delivery of it."""
        mark = self.dialect.mark
        with self._db.own_write() as conn:
            conn.execute(f"DELETE FROM webhook_deliveries WHERE webhook_id = {mark}", (webhook_id,))
            removed = conn.execute(f"DELETE FROM webhooks WHERE id = {mark}", (webhook_id,))
            return removed.rowcount == 1

    def claim_deliveries(
        self, owner: str, now: datetime, lease_seconds: float, limit: int
    ) -> list[ClaimedDelivery]:
        """Lease up to ``limit`` due deliveries to ``owner``; see the protocol."""
        d = self.dialect
        at, until = d.time_in(now), d.time_in(now + timedelta(seconds=lease_seconds))
        due = (
            f"status = 'pending' AND next_attempt_at <= {d.mark}"
            f" AND (lease_owner IS NULL OR lease_expires_at <= {d.mark})"
        )
        # The outer condition is checked again on the row as it is when the update takes it,
        # so a row another claim took in between is left alone.
        skip = f"{d.row_lock} SKIP LOCKED" if d.row_lock else ""
        with self._db.own_write() as conn:
            conn.execute(
                f"UPDATE webhook_deliveries SET lease_owner = {d.mark}, lease_expires_at = {d.mark}"
                f" WHERE id IN (SELECT id FROM webhook_deliveries WHERE {due}"
                f" ORDER BY id LIMIT {d.mark}{skip}) AND {due}",
                (owner, until, at, at, limit, at, at),
            )
            rows = conn.execute(
                "SELECT "
                + ", ".join(f"o.{c.strip()}" for c in _DELIVERY_COLUMNS.split(","))
                + ", w.url, w.secret FROM webhook_deliveries AS o"
                " JOIN webhooks AS w ON w.id = o.webhook_id"
                f" WHERE o.lease_owner = {d.mark} AND o.lease_expires_at = {d.mark}"
                " AND o.status = 'pending' ORDER BY o.id",
                (owner, until),
            ).fetchall()
        return [ClaimedDelivery(_delivery(d, row), row[12], row[13]) for row in rows]

    def finish_delivery(self, delivery: DeliveryRecord, owner: str) -> bool:
        """Record one attempt's outcome and release the lease, if ``owner`` still holds it."""
        d = self.dialect
        with self._db.own_write() as conn:
            changed = conn.execute(
                f"UPDATE webhook_deliveries SET status = {d.mark}, attempts = {d.mark},"
                f" next_attempt_at = {d.mark}, last_status = {d.mark}, last_error = {d.mark},"
                f" delivered_at = {d.mark}, lease_owner = NULL, lease_expires_at = NULL"
                f" WHERE id = {d.mark} AND lease_owner = {d.mark}",
                (
                    delivery.status,
                    delivery.attempts,
                    d.time_in(delivery.next_attempt_at),
                    delivery.last_status,
                    delivery.last_error,
                    d.opt_time_in(delivery.delivered_at),
                    delivery.id,
                    owner,
                ),
            )
            return changed.rowcount == 1

    def list_deliveries(
        self, webhook_id: str, *, status: str | None = None, limit: int = 50
    ) -> list[DeliveryRecord]:
        """A webhook's deliveries, newest first."""
        mark = self.dialect.mark
        where, params = f"webhook_id = {mark}", [webhook_id]
        if status is not None:
            where += f" AND status = {mark}"
            params.append(status)
        rows = read_all(
            self._db,
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE {where}"
            f" ORDER BY id DESC LIMIT {mark}",
            (*params, limit),
        )
        return [_delivery(self.dialect, row) for row in rows]
