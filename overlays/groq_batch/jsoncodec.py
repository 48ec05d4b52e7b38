"""JSON decoding for the hot paths, with an optional accelerator and the standard library's answers.

Validation, the results join and the local server parse one JSON document per line, millions of
times in a large job. With the ``fast`` extra installed (``pip install 'groq-batch[fast]'``,
msgspec), :func:`decode_line` and the decoders :func:`decoder` makes parse with msgspec, about
four times faster than ``json.loads`` on a request line; without it, or with
``GROQ_BATCH_PURE_JSON=1`` in the environment, it is the
standard library alone.

Either way the result is the standard library's. msgspec parses what it accepts the same way
(integers stay exact however large, the last of two equal keys wins), and everything it refuses
(``NaN`` and ``Infinity``, a number beyond a float's range, a byte-order mark, a lone surrogate,
malformed JSON) is parsed again by the caller's standard-library decoder. So a valid line is
fast, and a bad one gets exactly the verdict and the message it always had. msgspec rather than
orjson for this reason: orjson turns an integer above 64 bits into a float, which a validator
would then judge differently.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, Final

__all__ = ["ACCELERATED", "PURE_JSON_ENV", "decode_line", "decoder"]

PURE_JSON_ENV: Final = "GROQ_BATCH_PURE_JSON"
"""Set to a non-empty value other than ``0`` to parse with the standard library only."""


def _accelerator() -> Callable[[bytes | str], Any] | None:
    if os.environ.get(PURE_JSON_ENV, "") not in ("", "0"):
        return None
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec.json.Decoder().decode


_fast = _accelerator()
ACCELERATED: Final = _fast is not None
"""Whether msgspec parses first (the ``fast`` extra is installed and not turned off)."""

_stdlib_decode: Final = json.JSONDecoder().decode


def decoder(fallback: Callable[[str], Any] = _stdlib_decode) -> Callable[[bytes | str], Any]:
    """A decode function that answers as ``fallback`` does, faster when it can.

    Args:
        fallback: The standard-library decoding the caller relies on: a configured
            ``json.JSONDecoder(...).decode`` (with its ``parse_constant``, say). It parses
            every document the accelerator refuses, and raises the caller's usual errors.

    Returns:
        A function of one document (UTF-8 bytes or text) returning its Python value; bytes
        that are not UTF-8 raise ``UnicodeDecodeError``, as a JSON Lines reader's would.
    """
    fast = _fast
    if fast is None:

        def pure(document: bytes | str) -> Any:
            text = document if isinstance(document, str) else document.decode("utf-8")
            return fallback(text)

        return pure

    def accelerated(document: bytes | str) -> Any:
        try:
            return fast(document)
        # msgspec's errors are ValueErrors, as is the UnicodeEncodeError of text holding a
        # lone surrogate, which the standard library parses; its depth limit is not Python's.
        except (ValueError, RecursionError):
            text = document if isinstance(document, str) else document.decode("utf-8")
            return fallback(text)

    return accelerated


def _without_bom(text: str) -> Any:
    return _stdlib_decode(text[1:] if text.startswith("\ufeff") else text)


decode_line: Final = decoder(_without_bom)
"""Parse one JSON Lines line, a leading byte-order mark dropped as ``json.loads`` drops it."""
