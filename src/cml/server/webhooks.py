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


class WebhookSender:
    """Sends due webhook deliveries in a background thread.

    Args:
        engine: Whose store holds the outbox.
        settings: Poll interval, retry policy and the private-address switch.
    """

    def __init__(self, engine: Engine, settings: ServerSettings) -> None:
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
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cml-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for the attempt in progress."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        # Redirects are not followed: a receiver could otherwise point a delivery anywhere.
        with httpx.Client(follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    while not self._stop.is_set() and send_due(
                        self._engine.store, client, self.owner, self.policy
                    ):
                        pass
                except Exception:  # e.g. the database is away for a moment; try again later
                    logger.exception("sending webhook deliveries failed")
                wait_for_deliveries(self.poll_seconds)
