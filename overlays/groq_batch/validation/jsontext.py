r"""Reading a JSON line as text: how deep it nests, how a field is named, what UTF-8 cannot hold.

The pieces the line checks, the metadata check and the cost estimate share: ``depth_scan`` finds
a too-deep container before the line is parsed (a parser would overflow on it), ``field_name``
names a field by its path (``body.messages[0].content``), ``has_lone_surrogate`` finds what has no
UTF-8 form (``"\ud800"``), and ``short`` renders any value for a message, bounded and ASCII-safe.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 256
"""The deepest nesting of arrays and objects a line may have, the line itself being level 1.

Python's recursive JSON parser and encoder give up near 1,000 levels, fewer when the stack is
already deep, so a line nested that far could be accepted here and then break whatever reads it
next. Real request bodies (JSON schemas included) stay far below this.
"""

__all__ = [
    "MAX_DEPTH",
    "SURROGATE_ESCAPE",
    "NonFinite",
    "depth_scan",
    "field_name",
    "has_lone_surrogate",
    "short",
]

# Only a line holding one of these escapes can decode to a lone surrogate; raw UTF-8 cannot
# carry one (it fails as invalid UTF-8 first), so other lines skip the search for them.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# The tokens that matter for nesting: strings (skipped whole), brackets, colons and commas.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:,]', re.DOTALL)
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


class NonFinite:
    """Stands in for ``NaN``/``Infinity`` while parsing, so the walk can name the field."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def short(value: object, limit: int = 60) -> str:
    """A bounded, ASCII-safe rendering of any value for a message."""
    try:
        text = ascii(value)
    except (RecursionError, ValueError):  # pragma: no cover - bounded depth makes this rare
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate, which UTF-8 cannot encode."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def field_name(path: Iterable[str | int]) -> str:
    """A field's path as a reader writes it: ``body.messages[0]``, odd keys quoted."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            # Keys with dots, spaces or lone surrogates: quoted, and always printable.
            out += f"[{json.dumps(part)}]"
    return out


def depth_scan(text: str, max_depth: int) -> list[str | int] | None:
    """The path to the first container nested deeper than ``max_depth``, or None.

    Runs on the text, before parsing, so a line too deep for the parser is never parsed (the
    validator and the estimate both use it).

    Args:
        text: One JSON line, as text.
        max_depth: The deepest nesting allowed, the line itself being level 1.

    Returns:
        The keys and indexes down to the too-deep container, or None when the line is fine.
    """
    # One frame per open container: its kind, and where in it the scan is (key or index).
    frames: list[list[Any]] = []
    last_string: str | None = None
    for match in _STRUCTURE.finditer(text):
        symbol = match.group()
        if symbol in ("[", "{"):
            if len(frames) + 1 > max_depth:
                return [label if label is not None else "?" for _, label in frames]
            frames.append([symbol, 0 if symbol == "[" else None])
        elif symbol in ("]", "}"):
            if frames:
                frames.pop()
        elif symbol == ":":
            if frames and frames[-1][0] == "{":
                frames[-1][1] = last_string
        elif symbol == ",":
            if frames and frames[-1][0] == "[":
                frames[-1][1] += 1
        else:
            last_string = _decode_key(symbol)
    return None


def _decode_key(token: str) -> str:
    try:
        key = json.loads(token)
    except ValueError:
        return token.strip('"')
    return key if isinstance(key, str) else token
