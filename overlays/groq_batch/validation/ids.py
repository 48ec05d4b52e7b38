"""Custom ids: reading one from a raw line, and finding the ids used twice in an input.

``SeenIds`` keeps the ids of an input given as requests, exactly; ``SeenIdsOnDisk`` does the same
for a file in about 8 bytes a line, reading back only the lines whose ids share a hash. The hash
(``custom_id_hash``) is also the one the results join indexes ids by.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterator

from groq_batch.validation.jsontext import short
from groq_batch.validation.report import Problem

__all__ = [
    "SeenIds",
    "SeenIdsOnDisk",
    "custom_id_hash",
    "custom_id_of_line",
    "duplicate_problem",
]


def custom_id_of_line(raw: bytes) -> str | None:
    """The ``custom_id`` of a raw line, by parsing all of it; None when it has no string one.

    Args:
        raw: The line, as bytes.

    Returns:
        The id, or None for a line that is not an object with a string ``custom_id``.
    """
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    custom_id = value.get("custom_id") if isinstance(value, dict) else None
    return custom_id if isinstance(custom_id, str) else None


def custom_id_hash(custom_id: str) -> int:
    """The 32-bit hash the validator and the results join index custom ids by.

    Python's string hash, salted per process: it only ever indexes ids within one run. A test
    swaps it (in the module that calls it) to force collisions.

    Args:
        custom_id: The id.

    Returns:
        An unsigned 32-bit integer.
    """
    return hash(custom_id) & 0xFFFFFFFF


class SeenIds:
    """The custom ids met so far and the line each was first used on, kept exactly."""

    def __init__(self) -> None:
        self._first: dict[str, int] = {}

    def first_use(self, custom_id: str, number: int) -> int | None:
        """The line ``custom_id`` was first used on, or None (and ``number`` is recorded)."""
        first = self._first.get(custom_id)
        if first is None:
            self._first[custom_id] = number
        return first

    def later_duplicates(self) -> Iterator[tuple[int, str, int]]:
        """Duplicates ``first_use`` could not answer at once: none here."""
        return iter(())


class SeenIdsOnDisk(SeenIds):
    """The same, for a file, without a Python object per line, the duplicates found at the end.

    Each line's id hash and line number go into one 64-bit array slot (8 bytes a line, where a
    dict of ids costs about 150); sorting it at the end brings equal hashes together, and only
    those lines' ids are read back from the file, so two ids sharing a hash are never taken for
    a duplicate.
    """

    def __init__(self, id_of_line: Callable[[int], str | None]) -> None:
        self._id_of_line = id_of_line
        # Partitioned by the hash's top byte, so that the sort at the end, which needs a
        # Python int per entry, only ever holds one partition's worth of them.
        self._keys = [array("Q") for _ in range(256)]

    def first_use(self, custom_id: str, number: int) -> int | None:
        """Record the id's hash and line; always None (duplicates come at the end)."""
        digest = custom_id_hash(custom_id)
        self._keys[digest >> 24].append(digest << 32 | number)
        return None

    def later_duplicates(self) -> Iterator[tuple[int, str, int]]:
        """Each line whose id an earlier line used: (line, id, first line)."""
        for partition in self._keys:
            keys = sorted(partition)
            start = 0
            while start < len(keys):
                end = start + 1
                while end < len(keys) and keys[end] >> 32 == keys[start] >> 32:
                    end += 1
                if end - start > 1:
                    yield from self._confirmed(keys[start:end])
                start = end

    def _confirmed(self, keys: list[int]) -> Iterator[tuple[int, str, int]]:
        """The true duplicates among lines whose ids share a hash, read back from the file."""
        first: dict[str, int] = {}
        # Sorted by hash, then line: the first line met for an id is its first use.
        for key in keys:
            number = key & 0xFFFFFFFF
            custom_id = self._id_of_line(number)
            if custom_id is None:
                continue
            if custom_id in first:
                yield number, custom_id, first[custom_id]
            else:
                first[custom_id] = number


def duplicate_problem(number: int, custom_id: str, first: int) -> Problem:
    """The problem of line ``number`` reusing the id line ``first`` used."""
    return Problem(
        number,
        "custom_id",
        "duplicate_custom_id",
        f"Duplicate custom_id {short(custom_id)}, first used on line {first}",
    )
