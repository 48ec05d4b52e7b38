"""The server's own verdict on a batch input file, independent of the client's validator.

A line is judged by the spec's ``BatchRequestLine`` schema (``request_line.schema.json``,
copied from ``spec/openapi.yaml`` by ``generator/regenerate.py``), run by a compiled validator,
jsonschema-rs: on real chat lines it checks one in about 0.6 us, where fastjsonschema takes
4.4 us and jsonschema 67 us, so the schema costs a small part of parsing the line. A refused
line is explained by the same validator, which names every field at fault.

What a schema cannot say is checked here, in the server's own code: bytes that are not UTF-8,
text that is not JSON or not an object, ``NaN``/``Infinity``, lone UTF-16 surrogates and
nesting deeper than `MAX_DEPTH` (none of which a store can keep), a ``custom_id`` used twice,
and the file's line and byte limits. The client's ``groq_batch.validation`` is never imported:
the two are separate readers of one spec, and a test holds them to the same verdict on the
bad-input corpus.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import jsonschema_rs

from groq_batch.jsoncodec import decoder

__all__ = [
    "MAX_DEPTH",
    "SCHEMA_PATH",
    "LineError",
    "LineJudge",
    "judge_path",
    "request_line_schema",
]

SCHEMA_PATH = Path(__file__).with_name("request_line.schema.json")
MAX_DEPTH = 256
"""The deepest nesting of arrays and objects a line may have, the line itself being level 1.

A line nested far deeper than any real request breaks recursive JSON readers downstream (the
store, the executor). The client refuses the same depth; a test keeps the two numbers equal.
"""

# Only a line holding one of these escapes can decode to a lone surrogate (raw bytes cannot:
# they fail as UTF-8 first), so other lines skip the walk that finds one.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# Strings (read whole, so brackets inside them do not count), brackets and commas.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_MAX_PER_LINE = 10  # enough per line to show the pattern, without flooding `errors`


@dataclass(frozen=True, slots=True)
class LineError:
    """One reason the server refuses a batch input file, as Groq reports it in ``errors``.

    Attributes:
        line: The 1-based line at fault, or None for the whole file.
        param: The field at fault (``custom_id``, ``body.model``, ...), or None.
        code: A machine-readable code, for example ``duplicate_custom_id``.
        message: What is wrong, for a person.
    """

    line: int | None
    param: str | None
    code: str
    message: str


@cache
def request_line_schema() -> dict[str, Any]:
    """The spec's ``BatchRequestLine`` as a standalone JSON Schema, read once."""
    return cast(dict[str, Any], json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(request_line_schema())


def _subschema(schema_path: list[str | int]) -> dict[str, Any]:
    """The schema that holds the keyword at ``schema_path`` (paths run from the root)."""
    node: Any = request_line_schema()
    for key in schema_path[:-1]:
        node = node[key]
    return cast(dict[str, Any], node)


@cache
def _field_order() -> dict[str, int]:
    """Each field the schema names, numbered in the order the spec lists them."""
    schema = request_line_schema()
    order: dict[str, int] = {}

    def visit(node: dict[str, Any], prefix: str) -> None:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        for name, sub in node.get("properties", {}).items():
            order.setdefault(f"{prefix}{name}", len(order))
            visit(sub, f"{prefix}{name}.")
        if "then" in node:
            visit(node["then"], prefix)

    visit(schema, "")
    return order


def _param(path: Collection[str | int]) -> str:
    """``body.messages[0].content``; a key that is not a plain name is quoted as JSON."""
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            parts.append(f".{part}" if parts else part)
        else:
            parts.append(f"[{json.dumps(part)}]")
    return "".join(parts)


def _shown(value: object) -> str:
    text = ascii(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _noun(schema: dict[str, Any]) -> str:
    """What a schema asks for, in words: ``a non-empty string``, ``a JSON object``, ..."""
    kind = schema.get("type")
    if isinstance(kind, list):  # [string, "null"]: a null passed, so name the real type
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        return "a non-empty string" if schema.get("minLength", 0) > 0 else "a string"
    return {"object": "a JSON object", "array": "an array", "number": "a number"}.get(
        str(kind), f"of type {kind}"
    )


def _named(path: list[str | int]) -> list[str | int]:
    """The path up to its last named field: an array item's fault is its array's."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return path


def _schema_errors(number: int, value: dict[str, Any]) -> list[LineError]:
    """Every field of a refused line that breaks the schema, in the spec's field order."""
    kinds = jsonschema_rs.ValidationErrorKind
    found: dict[str, LineError] = {}
    for error in _validator().iter_errors(value):
        kind = error.kind
        if isinstance(kind, kinds.AnyOf):  # `X or null`: X's own complaint is the one to show
            context = [e for branch in kind.context for e in branch] or [error]
            error = next((e for e in context if not isinstance(e.kind, kinds.Type)), context[0])
            kind = error.kind
        where = list(error.instance_path)
        if isinstance(kind, kinds.Required):
            where.append(kind.property)
        where = _named(where)
        param = _param(where)
        if param in found or not where:
            continue
        name = str(where[-1])
        if isinstance(kind, kinds.Required) or error.instance is None:
            # A null counts as absent, as Groq's "Missing required parameter" reads.
            found[param] = LineError(
                number, param, f"missing_{name}", f"Missing required parameter: '{param}'"
            )
        elif isinstance(kind, kinds.Enum):
            choices = ", ".join(f"'{c}'" for c in kind.options)
            found[param] = LineError(
                number,
                param,
                f"invalid_{name}",
                f"Invalid value: {_shown(error.instance)}. Supported values are: {choices}",
            )
        else:
            noun = _noun(_subschema(list(error.schema_path)))
            found[param] = LineError(number, param, f"invalid_{name}", f"'{param}' must be {noun}")
    order = _field_order()
    return sorted(found.values(), key=lambda e: order.get(e.param or "", len(order)))


def _storable_copy(value: Any) -> Any:
    """``value`` with each non-finite number made 0.0 and each lone surrogate U+FFFD.

    Those are reported on their own; the copy lets the schema judge the rest as it would
    have (a ``NaN`` custom_id is still a number, not a string), where the validator would
    otherwise read ``NaN`` as null.
    """
    if isinstance(value, dict):
        return {_fixed(k): _storable_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable_copy(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return 0.0
    if isinstance(value, str):
        return _fixed(value)
    return value


def _fixed(text: str) -> str:
    return text if _utf8(text) else text.encode("utf-8", "replace").decode("utf-8")


def _too_deep(text: str, max_depth: int) -> list[str | int] | None:
    """The path to the first container nested deeper than ``max_depth``, or None.

    Reads the text, not a parse of it: a line too deep for a recursive parser is never parsed.
    """
    # Per open container: its bracket and where in it the reading is (the key, or the index).
    open_: list[list[Any]] = []
    key: str | int = "?"
    for token in _TOKEN.finditer(text):
        found = token.group()
        if found[0] == '"':
            key = found  # in an object, the string just before a value is that value's key
        elif found in "[{":
            if len(open_) >= max_depth:
                return [_key(at) for _, at in open_]
            if open_ and open_[-1][0] == "{":
                open_[-1][1] = key
            open_.append([found, 0])
        elif found in "]}":
            if open_:
                open_.pop()
        elif open_ and open_[-1][0] == "[":  # a comma between array items
            open_[-1][1] += 1
    return None


def _key(token: str | int) -> str | int:
    if isinstance(token, int) or not token.startswith('"'):
        return token
    try:
        return str(json.loads(token))
    except ValueError:
        return token.strip('"')


def _unstorable(number: int, value: Any) -> Iterator[LineError]:
    """Each ``NaN``/``Infinity`` and each lone surrogate (in a key or a string), in order."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key in node:
                if not _utf8(key):
                    yield LineError(
                        number,
                        _param([*path, key]),
                        "lone_surrogate",
                        "A key holds a lone surrogate",
                    )
            stack.extend(reversed([(v, [*path, k]) for k, v in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([(v, [*path, i]) for i, v in enumerate(node)]))
        elif isinstance(node, float) and not math.isfinite(node):
            shown = "NaN" if math.isnan(node) else ("Infinity" if node > 0 else "-Infinity")
            yield LineError(
                number, _param(path) or None, "non_finite_number", f"{shown} is not a JSON number"
            )
        elif isinstance(node, str) and not _utf8(node):
            yield LineError(
                number,
                _param(path) or None,
                "lone_surrogate",
                "A string holds a lone UTF-16 surrogate, which has no UTF-8 form",
            )


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _id_hash(custom_id: str) -> int:
    """The 32-bit hash ids are sorted by; module-level so that a test can make ids collide."""
    return hash(custom_id) & 0xFFFFFFFF


class LineJudge:
    """Judges a batch input file line by line, then applies the file's limits.

    Args:
        endpoint: The batch's endpoint.
        endpoints: The endpoints this server runs; the batch's must be one of them.
        max_lines: The most lines one batch accepts.
        max_bytes: The largest input file one batch accepts.
        max_depth: The deepest nesting a line may have.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        endpoints: Collection[str],
        max_lines: int,
        max_bytes: int,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.endpoint = endpoint
        self.endpoints = frozenset(endpoints)
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.errors: list[LineError] = []
        self.lines = 0
        self.bytes = 0
        self._crossed_at: int | None = None
        # Each line's id hash and number in one 64-bit slot, and where each line starts: 16
        # bytes a line, where a dict of the ids costs about 125 (a 1,000,000-line file). Equal
        # hashes are found by sorting at the end, and only those lines' ids are read back, so
        # two ids that share a hash are never taken for one. Partitioned by the hash's top byte,
        # so that the sort only ever holds one partition as Python ints.
        self._ids = [array("Q") for _ in range(256)]
        self._starts = array("q")
        self._non_finite = False
        # msgspec parses first when the fast extra is in; whatever it refuses (NaN, a lone
        # surrogate, bad JSON) gets this decoder's own verdict and message.
        self._decode = decoder(json.JSONDecoder(parse_constant=self._constant).decode)
        self._is_valid = _validator().is_valid

    def _constant(self, name: str) -> float:
        self._non_finite = True
        return float(name)

    def add(self, raw: bytes) -> None:
        """Judge the next line of the file (with or without its line ending)."""
        self.lines += 1
        self._starts.append(self.bytes)
        self.bytes += len(raw)
        number = self.lines
        if self._crossed_at is None and self.bytes > self.max_bytes:
            self._crossed_at = number
        stored = len(raw) if raw.endswith(b"\n") else len(raw) + 1
        if stored > self.max_bytes:
            self.errors.append(
                LineError(
                    number,
                    None,
                    "line_too_large",
                    f"Line of {stored} bytes; a batch file may be at most {self.max_bytes} bytes",
                )
            )
        self.errors.extend(self._line(number, raw.rstrip(b"\r\n")))

    def _line(self, number: int, raw: bytes) -> list[LineError]:
        if not raw.strip():
            return [
                LineError(number, None, "empty_line", "Blank line; every line must be a request")
            ]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return [LineError(number, None, "invalid_utf8", f"Not valid UTF-8: {exc.reason}")]
        # Counting brackets is cheap and clears nearly every line of the nesting scan.
        if text.count("[") + text.count("{") > self.max_depth:
            deep = _too_deep(text, self.max_depth)
            if deep is not None:
                shown = _param(deep[:8]) + ("..." if len(deep) > 8 else "")
                return [
                    LineError(
                        number,
                        shown or None,
                        "too_deep",
                        f"Nested more than {self.max_depth} levels deep",
                    )
                ]
        self._non_finite = False
        try:
            value = self._decode(text)
        except RecursionError:
            return [
                LineError(
                    number, None, "too_deep", f"Nested more than {self.max_depth} levels deep"
                )
            ]
        except json.JSONDecodeError as exc:
            return [
                LineError(
                    number, None, "invalid_json", f"Invalid JSON at column {exc.colno}: {exc.msg}"
                )
            ]
        except ValueError as exc:  # an integer over Python's digit limit, for one
            return [LineError(number, None, "invalid_json", f"Invalid JSON: {exc}")]
        if not isinstance(value, dict):
            kind = "null" if value is None else type(value).__name__
            return [LineError(number, None, "not_an_object", f"Expected a JSON object, got {kind}")]
        errors: list[LineError] = []
        if self._non_finite or _SURROGATE.search(text):
            for error in _unstorable(number, value):
                errors.append(error)
                if len(errors) >= _MAX_PER_LINE:
                    break
        judged = _storable_copy(value) if errors else value
        if not self._is_valid(judged):
            errors += _schema_errors(number, judged)
        custom_id = value.get("custom_id")
        if isinstance(custom_id, str) and custom_id:
            digest = _id_hash(custom_id)
            self._ids[digest >> 24].append(digest << 32 | number)
        return errors

    def _duplicates(self, read: Callable[[int, int], bytes]) -> Iterator[LineError]:
        """Each line whose custom_id an earlier line used, read back through ``read``."""
        for partition in self._ids:
            keys = sorted(partition)
            start = 0
            while start < len(keys):
                end = start + 1
                while end < len(keys) and keys[end] >> 32 == keys[start] >> 32:
                    end += 1
                if end - start > 1:
                    first: dict[str, int] = {}
                    for key in keys[start:end]:  # by hash, then line: first met, first used
                        number = key & 0xFFFFFFFF
                        begin = self._starts[number - 1]
                        raw = read(begin, self._line_end(number) - begin)
                        custom_id = json.loads(raw)["custom_id"]
                        if custom_id in first:
                            yield LineError(number, "custom_id", "duplicate_custom_id",
                                f"Duplicate custom_id {_shown(custom_id)}, first used on line "
                                f"{first[custom_id]}")  # fmt: skip
                        else:
                            first[custom_id] = number
                start = end

    def _line_end(self, number: int) -> int:
        return self._starts[number] if number < len(self._starts) else self.bytes

    def finish(self, read: Callable[[int, int], bytes]) -> list[LineError]:
        """Every problem found, line by line, then those of the whole file.

        Args:
            read: Reads ``size`` bytes of the file from ``offset``: lines whose ids share a
                hash are read back to tell a duplicate from a collision.
        """
        later = list(self._duplicates(read))
        # Back in line order, each duplicate ahead of its line's other problems (custom_id is
        # the first field); a sort is stable, so the rest keep their order.
        errors = sorted(later + self.errors, key=lambda e: e.line or 0) if later else self.errors
        if self.endpoint not in self.endpoints:
            errors.append(
                LineError(
                    None,
                    "endpoint",
                    "invalid_endpoint",
                    f"Unsupported endpoint {_shown(self.endpoint)}; supported: "
                    + ", ".join(sorted(self.endpoints)),
                )
            )
        if self.lines == 0:
            errors.append(LineError(None, None, "empty_file", "The file has no requests"))
        if self.lines > self.max_lines:
            errors.append(
                LineError(
                    None,
                    None,
                    "too_many_lines",
                    f"{self.lines} lines; a batch accepts at most {self.max_lines}",
                )
            )
        if self._crossed_at is not None:
            errors.append(
                LineError(
                    self._crossed_at,
                    None,
                    "file_too_large",
                    f"{self.bytes} bytes; a batch file may be at most {self.max_bytes} bytes, "
                    f"and line {self._crossed_at} crosses that limit",
                )
            )
        return errors


def judge_path(
    path: Path,
    *,
    endpoint: str,
    endpoints: Collection[str],
    max_lines: int,
    max_bytes: int,
    max_depth: int = MAX_DEPTH,
) -> list[LineError]:
    """Judge a batch input file on disk, streaming.

    Args:
        path: The file.
        endpoint: The batch's endpoint.
        endpoints: The endpoints this server runs.
        max_lines: The most lines one batch accepts.
        max_bytes: The largest input file one batch accepts.
        max_depth: The deepest nesting a line may have.

    Returns:
        Every problem found, in line order, then the whole file's; empty when the file is good.
    """
    judge = LineJudge(
        endpoint=endpoint,
        endpoints=endpoints,
        max_lines=max_lines,
        max_bytes=max_bytes,
        max_depth=max_depth,
    )
    with path.open("rb") as lines, path.open("rb", buffering=0) as again:
        for raw in lines:
            judge.add(raw)

        def read(offset: int, size: int) -> bytes:
            again.seek(offset)
            return again.read(size)

        return judge.finish(read)
