"""Groq-shaped identifiers: a prefix and a 26-character lowercase ULID.

Groq's ids look like ``batch_01jh6xa7reempvjyh6n3yst2zw``: a 48-bit millisecond timestamp and
80 random bits in Crockford base32. Sorting them sorts by creation time, which the listing
relies on for a stable newest-first order.
"""

from __future__ import annotations

import secrets
import threading
import time

__all__ = ["encode_ulid", "new_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
# Every pair of digits, indexed by its 10 bits; the 26 digits are 13 pairs, high bits first.
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]
_SHIFTS = tuple(range(120, -10, -10))
_lock = threading.Lock()
_last = (0, 0)
_head = ""
_head_key = -1


def encode_ulid(millis: int, rand: int) -> str:
    """The 26 ULID digits: `millis` in 10 base32 digits, then the 80 bits of `rand` in 16.

    The server mints two ids per request; a digit-by-digit loop cost about 4 us an id, this
    table of every two-digit pair (10 bits at a time) about 1.4 us.

    Args:
        millis: The timestamp in milliseconds (below 2**50).
        rand: The random part (below 2**80).

    Returns:
        The digits.
    """
    value = (millis << 80) | rand
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


def new_id(prefix: str) -> str:
    """Return a new id such as ``file_01jh6x76wtemjr74t1fh0faj5t``.

    Ids made in the same process are strictly increasing, even within one millisecond, so
    their order is their creation order. (Ids made in different processes, as the worker's
    line processes do, are only as ordered as their timestamps: each process counts on from
    its own random start.)

    Args:
        prefix: The id's kind, without the underscore (``file``, ``batch``, ``req``...).

    Returns:
        The id.
    """
    global _last, _head, _head_key
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, last_random = _last
        if millis <= last_millis:
            # Same (or a backwards-stepping) millisecond: keep the order by incrementing.
            millis, rand = last_millis, (last_random + 1) % (1 << 80)
        else:
            rand = secrets.randbits(80)
        _last = (millis, rand)
        value = (millis << 80) | rand
        # Ids minted in one millisecond differ only in their last digits: the first 22 are
        # encoded once and kept (a million-line batch mints two ids a line, many per ms).
        if value >> 20 != _head_key:
            _head_key = value >> 20
            _head = encode_ulid(millis, rand)[:22]
        head = _head
    return f"{prefix}_{head}{_PAIRS[(value >> 10) & 1023]}{_PAIRS[value & 1023]}"
