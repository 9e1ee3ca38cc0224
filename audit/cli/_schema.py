"""Check a results.json against the shipped JSON Schema, without the ``jsonschema`` package.

``jsonschema`` is a development extra, but ``rai-audit render`` and ``compare`` must
refuse a crafted file (a figure of kind ``"html"``, a verdict ``"bogus"``) everywhere.
This is the part of JSON Schema (draft 2020-12) that ``audit/results.schema.json``
uses, and only that: :data:`KEYWORDS` lists it, and a test fails when the schema starts
using a keyword outside it. Another test checks the answers against ``jsonschema``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["KEYWORDS", "first_problem"]

#: The keywords this validator applies.
KEYWORDS = frozenset(
    {
        "$ref", "type", "enum", "const", "pattern", "minLength", "minimum", "minItems",
        "maxItems", "items", "required", "properties", "additionalProperties", "allOf",
        "oneOf", "if", "then",
    }
)  # fmt: skip
#: Keywords that only annotate or hold definitions; nothing to check.
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}

Problem = tuple[tuple[Any, ...], str]


def first_problem(instance: Any, schema: dict[str, Any]) -> str | None:
    """The first place where ``instance`` breaks ``schema``, in one line, or ``None``.

    Parameters
    ----------
    instance : Any
        Parsed JSON.
    schema : dict
        A JSON Schema that uses only :data:`KEYWORDS` (and local ``#/$defs/...`` refs).

    Returns
    -------
    str or None
        ``"at sections/0/verdict: 'bogus' is not one of [...]"``, or ``None`` when valid.

    Examples
    --------
    >>> schema = {"type": "object", "properties": {"kind": {"enum": ["svg", "png"]}}}
    >>> first_problem({"kind": "html"}, schema)
    "at kind: 'html' is not one of ['svg', 'png']"
    >>> first_problem({"kind": "svg"}, schema) is None
    True
    """
    for path, message in _problems(instance, schema, schema, ()):
        where = "/".join(str(step) for step in path) or "(top level)"
        return f"at {where}: {message}"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _resolve(root: dict[str, Any], reference: str) -> dict[str, Any]:
    if not reference.startswith("#/"):
        raise ValueError(f"only local $ref are supported, got {reference!r}")
    target: Any = root
    for step in reference[2:].split("/"):
        target = target[step]
    return target


def _valid(instance: Any, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    return next(_problems(instance, schema, root, ()), None) is None


def _problems(
    instance: Any, schema: dict[str, Any], root: dict[str, Any], path: tuple[Any, ...]
) -> Iterator[Problem]:
    if "$ref" in schema:
        yield from _problems(instance, _resolve(root, schema["$ref"]), root, path)
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else kinds
        if not any(_TYPES[name](instance) for name in names):
            yield path, f"{_short(instance)} is not of type {', '.join(map(repr, names))}"
            return
    if "const" in schema and not _same(instance, schema["const"]):
        yield path, f"{schema['const']!r} was expected, got {_short(instance)}"
    if "enum" in schema and not any(_same(instance, e) for e in schema["enum"]):
        yield path, f"{_short(instance)} is not one of {schema['enum']!r}"
    if isinstance(instance, str):
        if "pattern" in schema and re.search(schema["pattern"], instance) is None:
            yield path, f"{_short(instance)} does not match {schema['pattern']!r}"
        if len(instance) < schema.get("minLength", 0):
            yield path, f"{_short(instance)} is shorter than {schema['minLength']}"
    if _TYPES["number"](instance) and "minimum" in schema and instance < schema["minimum"]:
        yield path, f"{instance!r} is less than the minimum of {schema['minimum']!r}"
    if isinstance(instance, list):
        yield from _array(instance, schema, root, path)
    if isinstance(instance, dict):
        yield from _object(instance, schema, root, path)
    for part in schema.get("allOf", ()):
        yield from _problems(instance, part, root, path)
    if "oneOf" in schema:
        matches = sum(_valid(instance, part, root) for part in schema["oneOf"])
        if matches != 1:
            yield path, f"{_short(instance)} is valid under {matches} of the oneOf schemas, not 1"
    if "if" in schema and "then" in schema and _valid(instance, schema["if"], root):
        yield from _problems(instance, schema["then"], root, path)


def _array(
    instance: list[Any], schema: dict[str, Any], root: dict[str, Any], path: tuple[Any, ...]
) -> Iterator[Problem]:
    if len(instance) < schema.get("minItems", 0):
        yield path, f"{_short(instance)} has fewer than {schema['minItems']} items"
    if "maxItems" in schema and len(instance) > schema["maxItems"]:
        yield path, f"{_short(instance)} has more than {schema['maxItems']} items"
    if "items" in schema:
        for index, item in enumerate(instance):
            yield from _problems(item, schema["items"], root, (*path, index))


def _object(
    instance: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: tuple[Any, ...]
) -> Iterator[Problem]:
    for name in schema.get("required", ()):
        if name not in instance:
            yield path, f"{name!r} is a required property"
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, value in instance.items():
        if name in properties:
            yield from _problems(value, properties[name], root, (*path, name))
        elif extra is False:
            yield path, f"unexpected property {name!r}"
        elif isinstance(extra, dict):
            yield from _problems(value, extra, root, (*path, name))
