"""The inputs a result file is joined to: custom ids in order, each request found by its id.

``InputIndex`` holds no Python object per line when built from a file (offsets, hashes and a
hash table in arrays), so joining a million results costs about 20 bytes a line. The raw-byte
reading of a line's leading ``custom_id`` (``first_key_id``) is what makes building it cheap;
``request_from_line`` turns a kept line back into a request when a result's ``request`` is read.
"""

from __future__ import annotations

import json
import os
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from groq_batch.jsoncodec import decode_line
from groq_batch.jsonl import BatchRequest
from groq_batch.validation import Problem, ValidationError, custom_id_hash, custom_id_of_line

__all__ = [
    "InputIndex",
    "first_key_id",
    "hides_ascii",
    "parse_request",
    "request_from_line",
]


def parse_request(value: Any) -> BatchRequest | None:
    """A request from a parsed input line, or None when the line cannot be one.

    Args:
        value: The parsed line.

    Returns:
        The request, when the line has a string ``custom_id``, an object ``body`` and string
        ``url`` and ``method`` (if given); else None.
    """
    if not isinstance(value, Mapping):
        return None
    custom_id, body = value.get("custom_id"), value.get("body")
    url, method = value.get("url", "/v1/chat/completions"), value.get("method", "POST")
    if not (
        isinstance(custom_id, str)
        and isinstance(body, Mapping)
        and isinstance(url, str)
        and isinstance(method, str)
    ):
        return None
    return BatchRequest.from_dict(value)


def request_from_line(raw: bytes) -> BatchRequest | None:
    """A request from a raw input line, or None when the line cannot be one.

    Args:
        raw: The line as read from the input file.

    Returns:
        The request, or None for a line that is not JSON or not a request.
    """
    try:
        return parse_request(decode_line(raw))
    except (ValueError, RecursionError):
        return None


# A line whose top-level object opens with a string ``custom_id``: the id is read from the
# raw bytes, without parsing the whole line. JSON whitespace only, and no raw control
# characters inside the string, as a JSON parser would insist.
_FIRST_ID = re.compile(
    rb'[ \t\r\n]*\{[ \t\r\n]*"custom_id"[ \t\r\n]*:[ \t\r\n]*"'
    rb'([^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*)"'
)
# A \u escape of a character between "@" and DEL (letters and "_" among them): such an escape
# could spell "custom_id" or "audio" where a search of the raw bytes would not see it.
_ESCAPED_ASCII = re.compile(rb"\\u00[4-7]")

# How an indexed line's id is read back: from its first key, or by parsing the line.
_FAST, _PARSED = 1, 2


def hides_ascii(raw: bytes) -> bool:
    r"""Whether a raw line may spell a key or a word with ``\u`` escapes a byte search misses.

    Args:
        raw: The line.

    Returns:
        True when the line holds a ``\u00XX`` escape of a character from ``@`` to DEL.
    """
    return b"\\u" in raw and _ESCAPED_ASCII.search(raw) is not None


def _decode_id(quoted: bytes) -> str | None:
    """The text of a JSON string's raw contents, or None when they are not valid."""
    try:
        if b"\\" not in quoted:
            return quoted.decode()
        value = json.loads(b'"' + quoted + b'"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def first_key_id(raw: bytes) -> str | None:
    """The ``custom_id`` of a line that opens with it, when the raw bytes tell it safely.

    Only a line with one ``"custom_id"`` in it qualifies: another one, nested or repeated,
    could be the one a parser would keep (JSON's last duplicate key wins).

    Args:
        raw: The line.

    Returns:
        The id, or None when the line must be parsed to tell it.
    """
    match = _FIRST_ID.match(raw)
    if match is None or raw.count(b'"custom_id"') != 1 or hides_ascii(raw):
        return None
    return _decode_id(match.group(1))


class InputIndex:
    """The custom ids of a batch input, in order, with a way to fetch each request.

    Built from a file, it holds no Python object per line: each line's offset, a 32-bit hash
    of its id and a byte of flags, in arrays, and an open-addressing table of line numbers
    keyed by the hash (about 20 bytes a line in all, whatever the line's size). A hash match
    is confirmed by reading the line back and comparing its id, so collisions cost a read,
    never a wrong answer. Lines with no string ``custom_id`` are skipped (a batch would have
    refused them; see ``from_path`` for a line that has one but is no request); when an id
    appears twice, the first line wins.
    """

    def __init__(self) -> None:
        self._positions: dict[str, int] = {}
        self._requests: list[BatchRequest] = []
        self._handle: BinaryIO | None = None
        # File-backed: per line, its start (plus the file's end, last), its id's hash and how
        # its id is read back (0 when it is not indexed); and the hash table of line + 1.
        self._starts = array("q")
        self._hashes = array("I")
        self._kinds = bytearray()
        self._table = array("I", [0])

    @classmethod
    def from_requests(cls, requests: Iterable[BatchRequest | Mapping[str, Any]]) -> InputIndex:
        """Index requests held in memory.

        Args:
            requests: The requests, as ``BatchRequest`` objects or dicts.

        Returns:
            The index.

        Raises:
            ValidationError: A dict is not a request (no string ``custom_id`` or no ``body``).
        """
        index = cls()
        problems: list[Problem] = []
        for number, request in enumerate(requests, start=1):
            req = request if isinstance(request, BatchRequest) else parse_request(request)
            if req is None:
                problems.append(
                    Problem(
                        number,
                        "custom_id",
                        "invalid_request",
                        "Not a request: it needs a string custom_id and an object body",
                    )
                )
                continue
            if req.custom_id not in index._positions:
                index._positions[req.custom_id] = len(index._requests)
                index._requests.append(req)
        if problems:
            raise ValidationError(problems, source="inputs")
        return index

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> InputIndex:
        """Index a JSONL input file by offsets, streaming it once.

        A line whose object opens with a string ``custom_id`` (and names ``custom_id`` nowhere
        else) is indexed from its raw bytes without being parsed; any other line is parsed
        whole and indexed when it is an object with a string ``custom_id``. So a line that
        opens with an id but is not a request (no ``body``, or broken after the id) is indexed
        all the same: it is listed by ``ids()``, met as ``missing``, and its request is None.

        Args:
            path: The input file; it stays open until ``close()``.

        Returns:
            The index.
        """
        index = cls()
        starts, hashes, kinds = index._starts, index._hashes, index._kinds
        offset = 0
        with open(path, "rb") as lines:
            for raw in lines:
                starts.append(offset)
                offset += len(raw)
                custom_id = first_key_id(raw)
                kind = _FAST
                if custom_id is None:
                    custom_id = custom_id_of_line(raw)
                    kind = _PARSED
                if custom_id is None:
                    hashes.append(0)
                    kinds.append(0)
                else:
                    hashes.append(custom_id_hash(custom_id))
                    kinds.append(kind)
        starts.append(offset)
        # Unbuffered: each lookup reads one line at a random offset, never a buffer's worth.
        index._handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        index._build_table()
        return index

    def _build_table(self) -> None:
        """Fill the hash table, in input order so that the first line for an id wins."""
        kinds, hashes = self._kinds, self._hashes
        # At most two thirds full, so that a probe for an absent id ends soon.
        size = max(1, (len(kinds) - kinds.count(0)) * 3 // 2 + 1)
        table = array("I", [0]) * size
        for line, kind in enumerate(kinds):
            if not kind:
                continue
            digest = hashes[line]
            slot = digest % size
            while entry := table[slot]:
                if hashes[entry - 1] == digest and self._id_at(entry - 1) == self._id_at(line):
                    kinds[line] = 0  # a later line for an id already indexed
                    break
                slot = slot + 1 if slot + 1 < size else 0
            else:
                table[slot] = line + 1
        self._table = table

    def _read(self, line: int) -> bytes:
        assert self._handle is not None
        start = self._starts[line]
        self._handle.seek(start)
        return self._handle.read(self._starts[line + 1] - start)

    def _id_of(self, line: int, raw: bytes) -> str | None:
        if self._kinds[line] == _FAST:
            match = _FIRST_ID.match(raw)
            return _decode_id(match.group(1)) if match is not None else None
        return custom_id_of_line(raw)

    def _id_at(self, line: int) -> str | None:
        return self._id_of(line, self._read(line))

    def locate(self, custom_id: str) -> tuple[int, BatchRequest | bytes] | None:
        """One lookup: the id's entry number and its request (in memory) or raw line.

        Args:
            custom_id: The id.

        Returns:
            The entry number (from 0) and the request or raw line; None when the id is not
            indexed, or the file-backed index is closed.
        """
        if self._handle is None:
            position = self._positions.get(custom_id)
            return None if position is None else (position, self._requests[position])
        table, hashes = self._table, self._hashes
        size = len(table)
        digest = custom_id_hash(custom_id)
        slot = digest % size
        while entry := table[slot]:
            line = entry - 1
            if hashes[line] == digest:
                raw = self._read(line)
                if self._id_of(line, raw) == custom_id:
                    return line, raw
            slot = slot + 1 if slot + 1 < size else 0
        return None

    @property
    def closed(self) -> bool:
        """Whether this index was built from a file that ``close()`` has since closed."""
        # A file-backed index always holds its file's end offset, even for an empty file.
        return self._handle is None and len(self._starts) > 0

    @property
    def size(self) -> int:
        """How many entry numbers ``locate`` may answer with (0 once closed)."""
        return len(self._kinds) if self._handle is not None else len(self._requests)

    def _unseen(self, seen: bytearray) -> Iterator[tuple[str, BatchRequest | bytes]]:
        """Each entry not flagged in ``seen``, in input order, with its request or raw line."""
        for _, custom_id, source in self.unseen_entries(seen):
            yield custom_id, source

    def unseen_entries(
        self, seen: bytearray, entries: range | None = None
    ) -> Iterator[tuple[int, str, BatchRequest | bytes]]:
        """Each entry not flagged in ``seen``, in input order, with its number and id.

        Args:
            seen: A flag per entry number (non-zero: a result was met for it).
            entries: Only these entry numbers (one part of a split job); all by default.

        Yields:
            The entry number, its custom id, and its request (in memory) or raw line.
        """
        if self._handle is None:
            for position in entries if entries is not None else range(len(self._requests)):
                if position < len(self._requests) and not seen[position]:
                    request = self._requests[position]
                    yield position, request.custom_id, request
            return
        for line in entries if entries is not None else range(len(self._kinds)):
            if line >= len(self._kinds):
                return
            kind = self._kinds[line]
            if kind and not seen[line]:
                if self.closed:
                    return  # closed while iterating
                raw = self._read(line)
                custom_id = self._id_of(line, raw)
                if custom_id is not None:
                    yield line, custom_id, raw

    def ids(self) -> Iterator[str]:
        """Yield every custom id in input order (read back from the file when file-backed)."""
        for custom_id, _ in self._unseen(bytearray(self.size)):
            yield custom_id

    def get(self, custom_id: str) -> BatchRequest | None:
        """Return the request with this custom id, or None.

        Args:
            custom_id: The id.

        Returns:
            The request, read from disk for a file-backed index; None when the id is unknown,
            its line is not a request, or the file-backed index is closed.
        """
        found = self.locate(custom_id)
        if found is None:
            return None
        source = found[1]
        return request_from_line(source) if isinstance(source, bytes) else source

    def __contains__(self, custom_id: object) -> bool:
        return isinstance(custom_id, str) and self.locate(custom_id) is not None

    def close(self) -> None:
        """Close the input file, if the index holds one; a closed index knows no ids."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._kinds = bytearray()

    def __enter__(self) -> InputIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
