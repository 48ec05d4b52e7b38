"""The echo model's JSON-schema instances, checked by an independent validator (jsonschema)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groq_batch_server.structured import SchemaError, instance_for

ADDRESS = {
    "type": "object",
    "properties": {
        "street": {"type": "string", "minLength": 3},
        "zip": {"type": "string", "pattern": r"^[0-9]{5}(-[0-9]{4})?$"},
        "country": {"enum": ["US", "CA", "MX"]},
    },
    "required": ["street", "zip", "country"],
    "additionalProperties": False,
}

# A curated set covering what structured-output and tool schemas use: Pydantic's output,
# OpenAI strict mode, draft-4 leftovers, and the awkward corners.
SCHEMAS: dict[str, dict[str, Any]] = {
    "flat object": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    },
    "strict object": ADDRESS,
    "enum and const": {
        "type": "object",
        "properties": {
            "kind": {"const": "invoice"},
            "status": {"type": "string", "enum": ["open", "paid", "void"]},
            "priority": {"enum": [1, 2, 3]},
        },
        "required": ["kind", "status", "priority"],
    },
    "integer bounds": {
        "type": "object",
        "properties": {
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "positive": {"type": "integer", "exclusiveMinimum": 0},
            "tiny": {"type": "integer", "minimum": -3, "exclusiveMaximum": -1},
            "even": {"type": "integer", "multipleOf": 2, "minimum": 7, "maximum": 11},
            "big": {"type": "integer", "minimum": 1_000_000_000_000},
        },
        "required": ["percent", "positive", "tiny", "even", "big"],
    },
    "number bounds": {
        "type": "object",
        "properties": {
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "open": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.01},
            "cents": {"type": "number", "multipleOf": 0.01, "minimum": 0.07},
            "price": {"type": "number", "multipleOf": 0.5, "exclusiveMinimum": 10},
            "below": {"type": "number", "maximum": -1e6},
            "exact": {"type": "number", "minimum": 3.5, "maximum": 3.5},
        },
        "required": ["score", "open", "cents", "price", "below", "exact"],
    },
    "draft-4 boolean exclusive bounds": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {
            "n": {"type": "integer", "minimum": 5, "exclusiveMinimum": True, "maximum": 7},
            "x": {"type": "number", "maximum": 1, "exclusiveMaximum": True, "minimum": 0},
        },
        "required": ["n", "x"],
    },
    "string formats": {
        "type": "object",
        "properties": {
            fmt: {"type": "string", "format": fmt}
            for fmt in (
                "date",
                "date-time",
                "time",
                "email",
                "uri",
                "uuid",
                "ipv4",
                "ipv6",
                "hostname",
                "duration",
                "uri-reference",
                "json-pointer",
                "regex",
            )
        },
        "required": ["date", "date-time", "email", "uri", "uuid"],
    },
    "string lengths": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "minLength": 4, "maxLength": 4},
            "long": {"type": "string", "minLength": 60},
            "short": {"type": "string", "maxLength": 2},
            "one": {"type": "string", "minLength": 1, "maxLength": 1},
            "empty": {"type": "string", "maxLength": 0},
        },
        "required": ["code", "long", "short", "one", "empty"],
    },
    "patterns": {
        "type": "object",
        "properties": {
            "sku": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
            "hex": {"type": "string", "pattern": r"^#(?:[0-9a-fA-F]{3}){1,2}$"},
            "slug": {"type": "string", "pattern": r"^[a-z0-9]+(?:-[a-z0-9]+)*$"},
            "choice": {"type": "string", "pattern": "^(red|green|blue)$"},
            "unanchored": {"type": "string", "pattern": "ab+c", "minLength": 8},
            "not_digits": {"type": "string", "pattern": r"^[^0-9\s]{2,5}$"},
            "phone": {"type": "string", "pattern": r"^\+?[1-9]\d{1,14}$"},
            "repeat": {"type": "string", "pattern": r"^(ab)\1$"},
        },
        "required": ["sku", "hex", "slug", "choice", "unanchored", "not_digits", "phone"],
    },
    "arrays": {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 5},
            "none": {"type": "array", "items": {"type": "integer"}, "maxItems": 0},
            "unique": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 6},
                "minItems": 4,
                "uniqueItems": True,
            },
            "pair": {
                "type": "array",
                "prefixItems": [{"type": "string"}, {"type": "number"}],
                "items": False,
                "minItems": 2,
            },
            "has_answer": {
                "type": "array",
                "items": {"type": "integer"},
                "contains": {"const": 42},
            },
            "matrix": {
                "type": "array",
                "items": {"type": "array", "items": {"type": "number"}, "minItems": 2},
                "minItems": 2,
            },
        },
        "required": ["tags", "none", "unique", "pair", "has_answer", "matrix"],
    },
    "nullable types": {
        "type": "object",
        "properties": {
            "maybe": {"type": ["string", "null"]},
            "only_null": {"type": "null"},
            "flag": {"type": "boolean"},
            "nothing": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
        },
        "required": ["maybe", "only_null", "flag", "nothing"],
    },
    "refs and defs (Pydantic style)": {
        "$defs": {
            "Address": ADDRESS,
            "Person": {
                "type": "object",
                "properties": {
                    "name": {"title": "Name", "type": "string"},
                    "home": {"$ref": "#/$defs/Address"},
                    "work": {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]},
                },
                "required": ["name", "home"],
            },
        },
        "type": "object",
        "properties": {"people": {"type": "array", "items": {"$ref": "#/$defs/Person"}}},
        "required": ["people"],
    },
    "draft-7 definitions": {
        "definitions": {"id": {"type": "string", "format": "uuid"}},
        "type": "object",
        "properties": {"ids": {"type": "array", "items": {"$ref": "#/definitions/id"}}},
        "required": ["ids"],
    },
    "recursive tree": {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "value": {"type": "integer"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
                "required": ["value", "children"],
            }
        },
        "$ref": "#/$defs/Node",
    },
    "recursive linked list": {
        "$defs": {
            "Cell": {
                "type": "object",
                "properties": {
                    "head": {"type": "string"},
                    "tail": {"anyOf": [{"$ref": "#/$defs/Cell"}, {"type": "null"}]},
                },
                "required": ["head", "tail"],
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/Cell",
    },
    "anyOf and oneOf": {
        "type": "object",
        "properties": {
            "id": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string"}]},
            "shape": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}},
                        "required": ["kind", "r"],
                    },
                    {
                        "type": "object",
                        "properties": {"kind": {"const": "square"}, "side": {"type": "number"}},
                        "required": ["kind", "side"],
                    },
                ]
            },
        },
        "required": ["id", "shape"],
    },
    "allOf": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {
                "properties": {"b": {"type": "string"}, "a": {"minimum": 10}},
                "required": ["b"],
            },
            {"$ref": "#/$defs/C"},
        ],
        "$defs": {"C": {"properties": {"c": {"type": "boolean"}}, "required": ["c"]}},
    },
    "additionalProperties schema": {
        "type": "object",
        "properties": {"fixed": {"type": "string"}},
        "required": ["fixed", "extra"],
        "additionalProperties": {"type": "integer", "minimum": 5},
        "minProperties": 4,
    },
    "patternProperties": {
        "type": "object",
        "patternProperties": {"^x_": {"type": "boolean"}},
        "required": ["x_enabled"],
        "additionalProperties": False,
    },
    "maxProperties drops optionals": {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "string"},
            "c": {"type": "string"},
        },
        "required": ["a"],
        "maxProperties": 2,
    },
    "untyped keywords infer the type": {
        "type": "object",
        "properties": {
            "s": {"minLength": 5},
            "n": {"minimum": 2, "maximum": 3},
            "o": {"properties": {"k": {"type": "integer"}}, "required": ["k"]},
            "a": {"items": {"type": "string"}, "minItems": 1},
            "anything": {},
        },
        "required": ["s", "n", "o", "a", "anything"],
    },
    "OpenAPI nullable": {
        "type": "object",
        "properties": {"note": {"type": "string", "nullable": True}},
        "required": ["note"],
    },
    "top-level array": {
        "type": "array",
        "items": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]},
        "minItems": 2,
        "maxItems": 2,
    },
    "top-level scalar": {"type": "string", "format": "email"},
}


def _validator(schema: dict[str, Any]) -> Any:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_instances_validate(name: str) -> None:
    schema = SCHEMAS[name]
    validator = _validator(schema)
    for seed in range(25):
        value = instance_for(schema, seed=seed)
        errors = [e.message for e in validator.iter_errors(value)]
        assert errors == [], (seed, value)


def test_same_seed_same_value_and_seeds_vary() -> None:
    schema = SCHEMAS["refs and defs (Pydantic style)"]
    assert instance_for(schema, seed=7) == instance_for(schema, seed=7)
    assert len({repr(instance_for(schema, seed=s)) for s in range(10)}) > 1


def test_optional_properties_are_filled() -> None:
    value = instance_for(SCHEMAS["maxProperties drops optionals"], seed=0)
    assert "a" in value
    assert len(value) == 2
    full = instance_for(SCHEMAS["string formats"], seed=0)
    assert set(full) == set(SCHEMAS["string formats"]["properties"])


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "minimum": 5, "maximum": 4},
        {"type": "integer", "multipleOf": 10, "minimum": 1, "maximum": 9},
        {"enum": []},
        {"$ref": "#/$defs/Missing"},
        {"$ref": "https://example.com/schema.json"},
        {"allOf": [{"type": "string"}, {"type": "integer"}]},
        {
            "$defs": {
                "Loop": {
                    "type": "object",
                    "properties": {"next": {"$ref": "#/$defs/Loop"}},
                    "required": ["next"],
                }
            },
            "$ref": "#/$defs/Loop",
        },
    ],
)
def test_unsatisfiable_schemas_raise(schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaError):
        instance_for(schema, seed=0)


# ------------------------------------------------------------------- generated schemas
def _leaf_schemas() -> st.SearchStrategy[dict[str, Any]]:
    bounds = st.tuples(st.integers(-1000, 1000), st.integers(0, 50))
    integer = bounds.map(lambda b: {"type": "integer", "minimum": b[0], "maximum": b[0] + b[1]})
    exclusive = bounds.map(
        lambda b: {"type": "number", "exclusiveMinimum": b[0], "exclusiveMaximum": b[0] + b[1] + 1}
    )
    multiple = st.sampled_from([2, 3, 5, 0.5, 0.25, 0.1]).map(
        lambda m: {"type": "number", "multipleOf": m, "minimum": 1}
    )
    lengths = st.tuples(st.integers(0, 30), st.integers(0, 30)).map(
        lambda b: {"type": "string", "minLength": min(b), "maxLength": max(b)}
    )
    formats = st.sampled_from(["date", "date-time", "email", "uuid", "ipv4", "uri"]).map(
        lambda f: {"type": "string", "format": f}
    )
    enum = st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), min_size=1).map(
        lambda values: {"enum": values}
    )
    simple = st.sampled_from(
        [{"type": "boolean"}, {"type": "null"}, {"type": ["string", "null"]}, {}]
    )
    return st.one_of(integer, exclusive, multiple, lengths, formats, enum, simple)


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    names = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)
    objects = st.dictionaries(names, children, max_size=4).flatmap(
        lambda props: st.builds(
            lambda required, closed: {
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": not closed,
            },
            st.lists(st.sampled_from(sorted(props)), unique=True) if props else st.just([]),
            st.booleans(),
        )
    )
    arrays = st.tuples(children, st.integers(0, 3), st.integers(0, 3)).map(
        lambda t: {"type": "array", "items": t[0], "minItems": min(t[1:]), "maxItems": max(t[1:])}
    )
    unions = st.lists(children, min_size=1, max_size=3).map(lambda subs: {"anyOf": subs})
    return st.one_of(objects, arrays, unions)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(schema=st.recursive(_leaf_schemas(), _extend, max_leaves=12), seed=st.integers(0, 2**32))
def test_generated_schemas_get_valid_instances(schema: dict[str, Any], seed: int) -> None:
    value = instance_for(schema, seed=seed)
    assert [e.message for e in _validator(schema).iter_errors(value)] == []
