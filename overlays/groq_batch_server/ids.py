"""Groq-shaped identifiers: a prefix and a 26-character lowercase ULID.

Groq's ids look like ``batch_01jh6xa7reempvjyh6n3yst2zw``: a 48-bit millisecond timestamp and
80 random bits in Crockford base32. Sorting them sorts by creation time, which the listing
relies on for a stable newest-first order.
"""

from __future__ import annotations

import secrets
import threading
import time

__all__ = ["new_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last = (0, 0)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """Return a new id such as ``file_01jh6x76wtemjr74t1fh0faj5t``.

    Ids made in the same process are strictly increasing, even within one millisecond, so
    their order is their creation order.

    Args:
        prefix: The id's kind, without the underscore (``file``, ``batch``, ``req``...).

    Returns:
        The id.
    """
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, last_random = _last
        if millis <= last_millis:
            # Same (or a backwards-stepping) millisecond: keep the order by incrementing.
            millis, rand = last_millis, last_random + 1
        else:
            rand = secrets.randbits(80)
        _last = (millis, rand)
    return f"{prefix}_{_encode(millis, 10)}{_encode(rand % (1 << 80), 16)}"
