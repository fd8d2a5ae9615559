"""The webhook sender of a server process: a thread that empties the outbox.

It wakes when this process queues a delivery, and at least every
``CML_WEBHOOKS_POLL_SECONDS`` (deliveries queued by another replica, retries falling due), and
sends what is due (:func:`cml.engine.webhooks_send.send_due`). Every replica runs one; the
outbox's leases make sure a delivery is sent by one of them at a time, so writes never wait for
a receiver.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

import httpx

from cml._version import __version__
from cml.engine import Engine
from cml.engine.webhooks_send import SendPolicy, send_due, wait_for_deliveries
from cml.server.settings import ServerSettings

__all__ = ["WebhookSender"]

logger = logging.getLogger(__name__)


class WebhookSender(threading.Thread):
    """Sends due webhook deliveries, in a daemon thread of its own (``start()``, ``stop()``).

    Args:
        engine: Whose store holds the outbox.
        settings: Poll interval, retry policy and the private-address switch.
    """

    def __init__(self, engine: Engine, settings: ServerSettings) -> None:
        super().__init__(name="cml-webhooks", daemon=True)
        self._engine = engine
        self.poll_seconds = settings.webhooks_poll_seconds
        self.policy = SendPolicy(
            max_attempts=settings.webhooks_max_attempts,
            backoff_seconds=settings.webhooks_backoff_seconds,
            timeout_seconds=settings.webhooks_timeout_seconds,
            allow_private=settings.webhooks_allow_private,
            user_agent=f"py-cml/{__version__}",
        )
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """Names this sender in the leases it takes."""
        self._stopping = threading.Event()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for the attempt in progress."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        """Send until stopped; wake on a queued delivery or every poll interval."""
        # Redirects are not followed: a receiver could otherwise point a delivery anywhere.
        with httpx.Client(follow_redirects=False) as client:
            while not self._stopping.is_set():
                try:
                    while not self._stopping.is_set() and send_due(
                        self._engine.store, client, self.owner, self.policy
                    ):
                        pass
                except Exception:  # e.g. the database is away for a moment; try again later
                    logger.exception("sending webhook deliveries failed")
                wait_for_deliveries(self.poll_seconds)
