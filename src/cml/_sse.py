"""Reading server-sent events (I/O-free): lines in, events out.

Used by both clients' ``stream_events``. Only what the event stream of py-cml needs is
implemented: ``id``, ``event`` and ``data`` fields (several ``data`` lines are joined with a
newline), comments (heartbeats) ignored, a blank line ends an event.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerEvent"]


@dataclass(frozen=True)
class ServerEvent:
    """One decoded event.

    Attributes:
        id: The ``id`` field (the event log id), if any.
        event: The ``event`` field (the event type), ``message`` by default.
        data: The ``data`` lines joined by newlines.
    """

    id: str | None
    event: str
    data: str


class SSEDecoder:
    """Feed it the lines of a ``text/event-stream`` body; it returns each completed event.

    Example:
        >>> decoder = SSEDecoder()
        >>> [decoder.feed(line) for line in ["id: 7", "data: {}", ""]][-1]
        ServerEvent(id='7', event='message', data='{}')
    """

    def __init__(self) -> None:
        self._id: str | None = None
        self._event = ""
        self._data: list[str] = []

    def feed(self, line: str) -> ServerEvent | None:
        """Take one line (without its line ending); return an event when ``line`` ends one."""
        line = line.rstrip("\r\n")
        if not line:
            if not self._data:
                self._event = ""
                return None
            event = ServerEvent(self._id, self._event or "message", "\n".join(self._data))
            self._event, self._data = "", []
            return event
        if line.startswith(":"):
            return None  # a comment: the server's heartbeat
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None
