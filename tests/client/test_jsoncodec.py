"""The accelerated JSON decoding answers exactly as the standard library does, value or error."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from typing import Any

import pytest

from groq_batch import jsoncodec

DOCUMENTS = [
    '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}',
    '{"a":1,"a":2}',  # the last of two equal keys wins
    '{"seed":123456789012345678901234567890}',  # stays an exact int (orjson makes it a float)
    '{"t":0.1,"u":-0.0,"v":1e-320}',
    '{"a":NaN}',  # the standard library's lenient constants...
    '{"a":-Infinity}',
    '{"a":1e400}',  # ...and a float out of range, which it reads as inf
    '\ufeff{"a":1}',  # a byte-order mark in text: the standard library refuses it
    '{"a":"\\ud800"}',  # an escaped lone surrogate
    '{"a":"\udc80"}',  # a raw lone surrogate in text
    '{"a":"\u00e9\u4e2d\U0001f600"}',
    "[1,2] x",
    '{"a":',
    "",
    "null",
    '"just a string"',
    '{"a":' + "9" * 5000 + "}",  # over Python's digit limit: its ValueError
    "[" * 3000 + "]" * 3000,  # deeper than msgspec goes
]


def _outcome(decode: Any, document: str | bytes) -> tuple[str, str]:
    try:
        value = decode(document)
    except Exception as exc:  # the exact error is the point of the comparison
        return ("error", f"{type(exc).__name__}: {exc}")
    return ("value", repr(value))


def _constant(name: str) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name] * 1


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_document_gets_the_standard_librarys_value_or_error(document: str) -> None:
    fallback = json.JSONDecoder(parse_constant=_constant).decode
    fast = jsoncodec.decoder(fallback)
    assert _outcome(fast, document) == _outcome(fallback, document)
    if "\udc80" not in document:
        assert _outcome(fast, document.encode("utf-8")) == _outcome(fallback, document)


def test_the_accelerator_is_on_when_installed_and_off_when_asked() -> None:
    pytest.importorskip("msgspec")
    assert jsoncodec.ACCELERATED
    code = "from groq_batch import jsoncodec; print(jsoncodec.ACCELERATED)"
    env = {**os.environ, jsoncodec.PURE_JSON_ENV: "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "False"


def test_the_pure_path_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsoncodec, "_fast", None)
    fallback = json.JSONDecoder().decode
    pure = jsoncodec.decoder(fallback)
    for document in DOCUMENTS:
        assert _outcome(pure, document) == _outcome(fallback, document)


def test_invalid_utf8_bytes_are_refused_as_a_reader_would() -> None:
    with pytest.raises(UnicodeDecodeError):
        jsoncodec.decode_line(b'{"a":"\xff"}')
