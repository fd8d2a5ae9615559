"""Time-ordered identifiers (UUIDv7, RFC 9562).

Ids sort by creation time both as UUIDs and as strings, which is what keyset pagination
(``id > after_id ORDER BY id``) relies on. Within one process they are strictly increasing,
even when many are made in the same millisecond or the wall clock steps back.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_MAX_COUNTER = 0xFFF  # the 12 ``rand_a`` bits carry a per-millisecond counter
_lock = threading.Lock()
_last_ms = 0
_last_counter = 0


def new_id() -> str:
    """Return a new UUIDv7 string, greater than every id made before it in this process.

    Example:
        >>> a, b = new_id(), new_id()
        >>> a < b
        True
    """
    global _last_ms, _last_counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            # Start the counter in its lower half so a burst in one millisecond has room to grow.
            ms, counter = now_ms, secrets.randbits(11)
        else:
            # Same millisecond (or the clock went back): keep the last timestamp and count up.
            ms, counter = _last_ms, _last_counter + 1
            if counter > _MAX_COUNTER:
                ms, counter = ms + 1, 0
        _last_ms, _last_counter = ms, counter
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= secrets.randbits(62)
    return str(uuid.UUID(int=value))
