"""Deterministic JSON instances of a JSON Schema: the echo model's structured output.

`instance_for` builds a value that validates against a schema, the way a model in JSON-schema
mode would answer, from a seed: the same schema and seed always give the same value. It covers
what structured-output schemas use in practice (Pydantic's, OpenAI's strict mode, tool
parameters): ``type`` (and lists of types, ``nullable``), ``properties``/``required``/
``additionalProperties``/``patternProperties``/``min``/``maxProperties``, ``enum``, ``const``,
``items``/``prefixItems``/``contains``/``min``/``maxItems``/``uniqueItems``, numeric bounds and
``multipleOf``, string ``format``/``pattern``/``min``/``maxLength``, local ``$ref`` with
``$defs``/``definitions`` (recursion included), and ``allOf``/``anyOf``/``oneOf``.

Why not a library: the ones that generate instances (hypothesis-jsonschema, jsf) are random by
design and pull in Hypothesis or Faker, which the server should not carry; what is needed here
is small and must be deterministic.

It is best effort where JSON Schema itself makes generation hard: ``not``, ``if``/``then``, a
``pattern`` combined with tight length bounds, or a ``oneOf`` whose branches overlap. A schema
that cannot be satisfied at all raises `SchemaError`, which the echo model reports as Groq's
``json_validate_failed``.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import re
import uuid
from collections.abc import Mapping, Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, TypeVar
from urllib.parse import unquote

__all__ = ["SchemaError", "instance_for"]

# Past this depth only what the schema requires is generated (required properties, minItems,
# the null branch of a union), so recursive schemas end. Beyond _HARD_DEPTH a schema that still
# requires more nesting cannot be finished.
_SOFT_DEPTH = 4
_HARD_DEPTH = 64
_WORDS = (
    "alpha",
    "amber",
    "bright",
    "cedar",
    "delta",
    "echo",
    "harbor",
    "lumen",
    "maple",
    "nova",
    "orbit",
    "quartz",
    "river",
    "summit",
    "tango",
    "violet",
)
_OBJECT_KEYS = ("properties", "required", "additionalProperties", "patternProperties")
_ARRAY_KEYS = ("items", "prefixItems", "contains", "minItems", "maxItems", "uniqueItems")
_STRING_KEYS = ("minLength", "maxLength", "pattern", "format")
_NUMBER_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


class SchemaError(ValueError):
    """The schema cannot be satisfied, or uses something that cannot be resolved."""


def instance_for(schema: Mapping[str, Any] | bool, *, seed: int) -> Any:
    """A JSON value that validates against `schema`, the same for the same seed.

    Args:
        schema: The JSON Schema (a dict, or a boolean schema).
        seed: Picks among the valid values (enum members, numbers, words).

    Returns:
        The value: a dict, list, str, int, float, bool or None.

    Raises:
        SchemaError: The schema is unsatisfiable or has an unresolvable ``$ref``.
    """
    # Determinism, not secrecy, is what the generator needs from its random numbers.
    rng = random.Random(seed)  # noqa: S311
    return _Generator(schema, rng).make(schema, 0, "value")


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Two schemas as one that demands both (for ``allOf`` and ``$ref`` with siblings)."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "properties":
            merged = dict(out[key])
            for name, sub in value.items():
                if (
                    name in merged
                    and isinstance(merged[name], Mapping)
                    and isinstance(sub, Mapping)
                ):
                    merged[name] = _merge(merged[name], sub)
                else:
                    merged[name] = sub
            out[key] = merged
        elif key == "required":
            out[key] = [*out[key], *(r for r in value if r not in out[key])]
        elif key in ("minimum", "minLength", "minItems", "minProperties"):
            out[key] = max(out[key], value)
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties"):
            out[key] = min(out[key], value)
        elif key == "type":
            left = set(out[key]) if isinstance(out[key], list) else {out[key]}
            right = set(value) if isinstance(value, list) else {value}
            if "number" in left and "integer" in right:
                left.add("integer")
            if "number" in right and "integer" in left:
                right.add("integer")
            both = sorted(left & right)
            if not both:
                raise SchemaError(f"allOf demands types {sorted(left)} and {sorted(right)}")
            out[key] = both if len(both) > 1 else both[0]
        elif key == "allOf":
            out[key] = [*out[key], *value]
        elif isinstance(out[key], Mapping) and isinstance(value, Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


_N = TypeVar("_N", int, float)


def _fill_range(
    low: _N | None, high: _N | None, default: tuple[_N, _N], width: _N
) -> tuple[_N, _N]:
    """A range with an open end closed `width` away from the other; `default` if both are open."""
    if low is None and high is None:
        return default
    if low is None:
        assert high is not None
        return high - width, high
    if high is None:
        return low, low + width
    return low, high


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class _Generator:
    def __init__(self, root: Mapping[str, Any] | bool, rng: random.Random) -> None:
        self.root = root
        self.rng = rng

    # --------------------------------------------------------------------- schema plumbing
    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise SchemaError(f"only local references are supported, not {ref!r}")
        node: Any = self.root
        for raw in ref[1:].split("/")[1:]:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SchemaError(f"unresolvable reference {ref!r}")
        return node

    def _resolve(self, schema: Any) -> Any:
        for _ in range(100):
            if not (isinstance(schema, Mapping) and "$ref" in schema):
                return schema
            target = self._pointer(schema["$ref"])
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            if isinstance(target, bool) or not siblings:
                schema = target
            else:
                schema = _merge(target, siblings)
        raise SchemaError("a $ref refers only to itself")

    def _flatten_all_of(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self._resolve(part)
            if part is True:
                continue
            if part is False:
                raise SchemaError("allOf contains the false schema")
            if "allOf" in part:
                part = self._flatten_all_of(part)
            out = _merge(out, part)
        return out

    # ------------------------------------------------------------------------------ values
    def make(self, schema: Any, depth: int, name: str) -> Any:
        if depth > _HARD_DEPTH:
            raise SchemaError("the schema requires unbounded nesting")
        schema = self._resolve(schema)
        if schema is True or schema == {}:
            return self._text(name, 0, None)
        if schema is False:
            raise SchemaError("the false schema accepts no value")
        if not isinstance(schema, Mapping):
            raise SchemaError(f"not a schema: {schema!r}")
        if "allOf" in schema:
            schema = self._flatten_all_of(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            options = list(schema["enum"])
            if not options:
                raise SchemaError("an empty enum accepts no value")
            return self.rng.choice(options)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branch = self._branch(schema[key], depth)
                rest = {k: v for k, v in schema.items() if k != key}
                resolved = self._resolve(branch)
                if resolved is True:
                    return self.make(rest or True, depth, name)
                return self.make(_merge(rest, resolved) if rest else resolved, depth, name)
        kind = self._type(schema, depth)
        if kind == "null":
            return None
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "object":
            return self._object(schema, depth, name)
        if kind == "array":
            return self._array(schema, depth, name)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        return self._string(schema, name)

    def _branch(self, branches: Sequence[Any], depth: int) -> Any:
        """The branch to follow: the first that is not null, or null once deep enough."""
        if not branches:
            raise SchemaError("an empty anyOf/oneOf accepts no value")
        resolved = [self._resolve(b) for b in branches]

        def is_null(b: Any) -> bool:
            return isinstance(b, Mapping) and b.get("type") == "null"

        if depth >= _SOFT_DEPTH:
            for original, b in zip(branches, resolved, strict=True):
                if is_null(b):
                    return original
        for original, b in zip(branches, resolved, strict=True):
            if b is not False and not is_null(b):
                return original
        return branches[0]

    def _type(self, schema: Mapping[str, Any], depth: int) -> str:
        declared = schema.get("type")
        nullable = schema.get("nullable") is True
        if isinstance(declared, list):
            if not declared:
                raise SchemaError("an empty type list accepts no value")
            nullable = nullable or "null" in declared
            others = [t for t in declared if t != "null"]
            declared = others[0] if others else "null"
        if nullable and depth >= _SOFT_DEPTH:
            return "null"
        if isinstance(declared, str):
            return declared
        for keys, kind in (
            (_OBJECT_KEYS, "object"),
            (_ARRAY_KEYS, "array"),
            (_STRING_KEYS, "string"),
            (_NUMBER_KEYS, "number"),
        ):
            if any(k in schema for k in keys):
                return kind
        return "string"

    # ----------------------------------------------------------------------------- objects
    def _extra_schema(self, schema: Mapping[str, Any], key: str) -> Any:
        for pattern, sub in schema.get("patternProperties", {}).items():
            if re.search(pattern, key):
                return sub
        extra = schema.get("additionalProperties", True)
        return extra if isinstance(extra, Mapping) else True

    def _object(self, schema: Mapping[str, Any], depth: int, name: str) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = list(schema.get("required", []))
        wanted = [k for k in properties if depth < _SOFT_DEPTH or k in required]
        out: dict[str, Any] = {}
        for key in wanted:
            out[key] = self.make(properties[key], depth + 1, key)
        for key in required:
            if key not in out:
                out[key] = self.make(self._extra_schema(schema, key), depth + 1, key)
        optional = [k for k in out if k not in required]
        maximum = schema.get("maxProperties")
        while maximum is not None and len(out) > maximum and optional:
            del out[optional.pop()]
        minimum = schema.get("minProperties", 0)
        if len(out) < minimum and schema.get("additionalProperties", True) is not False:
            # Names the patternProperties accept would be better, but any name will do when
            # additional properties are allowed.
            index = 0
            while len(out) < minimum:
                key = f"{name}_{index}"
                index += 1
                if key not in out:
                    out[key] = self.make(self._extra_schema(schema, key), depth + 1, key)
        return out

    # ------------------------------------------------------------------------------ arrays
    def _array(self, schema: Mapping[str, Any], depth: int, name: str) -> list[Any]:
        items = schema.get("items", True)
        prefix: list[Any] = list(schema.get("prefixItems", []))
        if isinstance(items, list):  # draft 7 tuples
            prefix, items = items, schema.get("additionalItems", True)
        minimum = int(schema.get("minItems", 0))
        maximum = schema.get("maxItems")
        count = max(minimum, 1 if depth < _SOFT_DEPTH else 0)
        if depth < _SOFT_DEPTH:
            count = max(count, len(prefix))
        if maximum is not None:
            count = min(count, int(maximum))
        if items is False:
            count = min(count, len(prefix))
        contains = schema.get("contains")
        if contains is not None:
            count = max(count, schema.get("minContains", 1))
        out: list[Any] = []
        seen: set[str] = set()
        unique = schema.get("uniqueItems") is True
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            if contains is not None and index == len(prefix) and isinstance(sub, Mapping):
                sub = _merge(sub, self._resolve(contains)) if sub else contains
            elif contains is not None and index == len(prefix):
                sub = contains
            value = self.make(sub, depth + 1, name)
            for _ in range(20):
                if not unique or _canonical(value) not in seen:
                    break
                value = self.make(sub, depth + 1, name)
            seen.add(_canonical(value))
            out.append(value)
        return out

    # ----------------------------------------------------------------------------- numbers
    @staticmethod
    def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, float | None, bool, bool]:
        """``(low, high, low_open, high_open)`` from draft-4 and later bound keywords."""
        low = schema.get("minimum")
        high = schema.get("maximum")
        low_open = high_open = False
        ex_min = schema.get("exclusiveMinimum")
        ex_max = schema.get("exclusiveMaximum")
        if ex_min is True:
            low_open = True
        elif (
            isinstance(ex_min, int | float)
            and not isinstance(ex_min, bool)
            and (low is None or ex_min >= low)
        ):
            low, low_open = ex_min, True
        if ex_max is True:
            high_open = True
        elif (
            isinstance(ex_max, int | float)
            and not isinstance(ex_max, bool)
            and (high is None or ex_max <= high)
        ):
            high, high_open = ex_max, True
        return low, high, low_open, high_open

    def _integer(self, schema: Mapping[str, Any]) -> int:
        low, high, low_open, high_open = self._bounds(schema)
        lo = None if low is None else (math.floor(low) + 1 if low_open else math.ceil(low))
        hi = None if high is None else (math.ceil(high) - 1 if high_open else math.floor(high))
        lo, hi = _fill_range(lo, hi, (1, 100), 100)
        if lo > hi:
            raise SchemaError(f"no integer between {low} and {high}")
        step = schema.get("multipleOf")
        if step:
            first, last = math.ceil(lo / step), math.floor(hi / step)
            candidates = [
                int(k * step)
                for k in range(first, min(last, first + 50) + 1)
                if float(k * step).is_integer()
            ]
            if not candidates:
                raise SchemaError(f"no integer multiple of {step} between {low} and {high}")
            return self.rng.choice(candidates[:10])
        return self.rng.randint(lo, min(hi, lo + 1000))

    def _number(self, schema: Mapping[str, Any]) -> float | int:
        low, high, low_open, high_open = self._bounds(schema)
        low, high = _fill_range(low, high, (0.0, 100.0), 100.0)
        if low > high or (low == high and (low_open or high_open)):
            raise SchemaError(f"no number between {low} and {high}")
        step = schema.get("multipleOf")
        if step:
            first, last = math.ceil(low / step), math.floor(high / step)
            for k in range(first, min(last, first + 50) + 1):
                value = round(k * step, 12)
                inside = (low < value or (not low_open and low == value)) and (
                    value < high or (not high_open and value == high)
                )
                # JSON Schema validators divide and check for a whole quotient, so only values
                # that survive float division count.
                if inside and (value / step).is_integer():
                    return int(value) if isinstance(step, int) else value
            raise SchemaError(f"no multiple of {step} between {low} and {high}")
        if low == high:
            return low
        value = round(low + (high - low) * self.rng.choice((0.25, 0.5, 0.75)), 2)
        if not (low < value < high):
            value = low + (high - low) / 2
        return value

    # ----------------------------------------------------------------------------- strings
    def _words(self, count: int) -> str:
        return " ".join(self.rng.choice(_WORDS) for _ in range(count))

    def _text(self, name: str, minimum: int, maximum: int | None) -> str:
        base = re.sub(r"[_\W]+", " ", name).strip() or "value"
        text = f"{base} {self._words(1)}"
        while len(text) < minimum:
            text += " " + self._words(1)
        if maximum is not None and len(text) > maximum:
            text = text[:maximum].rstrip() if maximum > 1 else text[:maximum]
            text += "x" * (minimum - len(text))
        return text

    def _format(self, fmt: str) -> str | None:
        rng = self.rng
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(730))
        clock = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        word = rng.choice(_WORDS)
        number = rng.randrange(1, 255)
        formats = {
            "date": day.isoformat(),
            "date-time": f"{day.isoformat()}T{clock}Z",
            "time": f"{clock}Z",
            "duration": f"P{number}D",
            "email": f"{word}.{number}@example.com",
            "idn-email": f"{word}.{number}@example.com",
            "hostname": f"{word}.example.com",
            "idn-hostname": f"{word}.example.com",
            "ipv4": f"192.0.2.{number}",
            "ipv6": f"2001:db8::{number:x}",
            "uri": f"https://example.com/{word}/{number}",
            "url": f"https://example.com/{word}/{number}",
            "iri": f"https://example.com/{word}/{number}",
            "uri-reference": f"/{word}/{number}",
            "iri-reference": f"/{word}/{number}",
            "uri-template": f"https://example.com/{word}/{{id}}",
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "json-pointer": f"/{word}/{number}",
            "relative-json-pointer": f"0/{word}",
            "regex": f"^{word}[0-9]+$",
            "byte": "ZWNobw==",
        }
        return formats.get(fmt)

    def _string(self, schema: Mapping[str, Any], name: str) -> str:
        minimum = int(schema.get("minLength", 0))
        maximum = schema.get("maxLength")
        fmt = schema.get("format")
        if isinstance(fmt, str):
            value = self._format(fmt)
            if value is not None:
                return value
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            return self._from_pattern(pattern, minimum, maximum)
        return self._text(name, minimum, maximum)

    def _from_pattern(self, pattern: str, minimum: int, maximum: int | None) -> str:
        try:
            compiled = re.compile(pattern)
            parsed = sre_parse.parse(pattern)
        except (re.error, RecursionError) as exc:
            raise SchemaError(f"invalid pattern {pattern!r}: {exc}") from exc
        best = ""
        for _ in range(30):
            value = _Xeger(self.rng).render(parsed)
            if compiled.search(value) is None:
                continue
            best = value
            if len(value) >= minimum and (maximum is None or len(value) <= maximum):
                return value
            if len(value) < minimum and not pattern.endswith("$"):
                # An unanchored end lets any tail through.
                padded = value + "x" * (minimum - len(value))
                if compiled.search(padded) and (maximum is None or len(padded) <= maximum):
                    return padded
        return best


class _Xeger:
    """Renders a string that a parsed regular expression matches (the common constructs)."""

    _candidates = "aA0 _-.x"

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.groups: dict[int, str] = {}

    def render(self, parsed: Any) -> str:
        return "".join(self._node(op, arg) for op, arg in parsed)

    def _node(self, op: Any, arg: Any) -> str:
        rng = self.rng
        if op is sre.LITERAL:
            return chr(arg)
        if op is sre.NOT_LITERAL:
            return "a" if arg != ord("a") else "b"
        if op is sre.ANY:
            return "a"
        if op is sre.IN:
            return self._in(arg)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            count = rng.randint(low, min(high, low + 2))
            return "".join(self.render(sub) for _ in range(count))
        if op is sre.SUBPATTERN:
            group, _, _, sub = arg
            text = self.render(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op is getattr(sre, "ATOMIC_GROUP", None):
            return self.render(arg)
        if op is sre.BRANCH:
            return self.render(rng.choice(arg[1]))
        if op is sre.GROUPREF:
            return self.groups.get(arg, "")
        # AT (anchors), ASSERT/ASSERT_NOT (lookarounds): no text of their own.
        return ""

    def _in(self, items: Any) -> str:
        negate = bool(items) and items[0][0] is sre.NEGATE
        if negate:
            for ch in self._candidates:
                if not self._in_set(ch, items[1:]):
                    return ch
            return "~"
        op, arg = self.rng.choice(items)
        if op is sre.LITERAL:
            return chr(arg)
        if op is sre.RANGE:
            return chr(self.rng.randint(arg[0], arg[1]))
        if op is sre.CATEGORY:
            return {
                sre.CATEGORY_DIGIT: self.rng.choice("0123456789"),
                sre.CATEGORY_NOT_DIGIT: "a",
                sre.CATEGORY_SPACE: " ",
                sre.CATEGORY_NOT_SPACE: "a",
                sre.CATEGORY_WORD: self.rng.choice("abcdefghijklmnopqrstuvwxyz"),
                sre.CATEGORY_NOT_WORD: "-",
            }.get(arg, "a")
        return "a"

    @staticmethod
    def _in_set(ch: str, items: Any) -> bool:
        code = ord(ch)
        for op, arg in items:
            if op is sre.LITERAL and arg == code:
                return True
            if op is sre.RANGE and arg[0] <= code <= arg[1]:
                return True
            if op is sre.CATEGORY:
                matched = {
                    sre.CATEGORY_DIGIT: ch.isdigit(),
                    sre.CATEGORY_NOT_DIGIT: not ch.isdigit(),
                    sre.CATEGORY_SPACE: ch.isspace(),
                    sre.CATEGORY_NOT_SPACE: not ch.isspace(),
                    sre.CATEGORY_WORD: ch.isalnum() or ch == "_",
                    sre.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
                }.get(arg, False)
                if matched:
                    return True
        return False
