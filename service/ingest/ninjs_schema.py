"""Checking a ninjs document against IPTC's schema for its version (1.6, 2.2 or 3.1).

Errors are sorted in two: properties the schema does not know (its additionalProperties or
unevaluatedProperties false), which publishers add all the time (Superdesk's charcount,
wordcount and guid, in-house extensions) and which are reported as warnings; and everything
else (a wrong type, a bad date, a missing uri), which refuses the document naming the field.
jsonschema is imported when the first ninjs document arrives, not when writethru starts.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from .errors import UnprocessablePayload
from .fields import format_checker

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
GEOJSON_URI = "https://geojson.org/schema/GeoJSON.json"
SCHEMA_FILES = {1: "ninjs-schema_1.6.json", 2: "ninjs-schema_2.2.json", 3: "ninjs-schema_3.1.json"}
LABELS = {1: "ninjs 1.6", 2: "ninjs 2.2", 3: "ninjs 3.1"}
_EXTRA_KEYWORDS = ("additionalProperties", "unevaluatedProperties")


@cache
def schema(version: int) -> dict:
    """Return IPTC's schema of ninjs major version 1, 2 or 3 (kept in schemas/)."""
    return json.loads((SCHEMA_DIR / SCHEMA_FILES[version]).read_text(encoding="utf-8"))


@cache
def validator(version: int) -> Any:
    """Return the validator of ninjs major version 1 (draft-07), 2 or 3 (draft 2020-12)."""
    from jsonschema import Draft7Validator, Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    # 2.2 and 3.1 $ref GeoJSON for places[].geo(JSON|json); offline we stand in a schema
    # that accepts any object rather than fail (or fetch) when a document uses it.
    stand_in = DRAFT202012.create_resource({"type": "object"})
    registry = Registry().with_resource(GEOJSON_URI, stand_in)
    cls = Draft7Validator if version == 1 else Draft202012Validator
    return cls(schema(version), registry=registry, format_checker=format_checker())


def check(doc: dict, version: int) -> list[str]:
    """Validate doc under its version's schema; return the unknown properties (JSON paths).

    Raises UnprocessablePayload naming the field for any other schema error.
    """
    from jsonschema.exceptions import best_match

    root = schema(version)
    extras: list[str] = []
    real = []
    for error in validator(version).iter_errors(doc):
        names = _extras(error, root) if error.validator in _EXTRA_KEYWORDS else []
        if names:
            extras += [_join(error.json_path, name) for name in names]
        else:
            real.append(error)
    error = best_match(real)
    if error is not None:
        path = error.json_path
        field = path
        if error.validator == "required" and isinstance(error.validator_value, list):
            missing = [k for k in error.validator_value if k not in (error.instance or {})]
            if missing:
                field = _join(path, missing[0])
        raise UnprocessablePayload(f"{field}: {error.message} (schema {LABELS[version]})",
                                   field=field)
    return sorted(set(extras))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if name.isidentifier() else f"{path}[{name!r}]"


def _extras(error: Any, root: dict) -> list[str]:
    """Return the keys of the object an error is about that its schema does not declare."""
    if error.validator_value is not False or not isinstance(error.instance, dict):
        return []
    names: set[str] = set()
    patterns: list[str] = []
    _declared(error.schema, root, names, patterns, depth=0)
    return [k for k in error.instance
            if k not in names and not any(re.search(p, k) for p in patterns)]


def _declared(node: Any, root: dict, names: set[str], patterns: list[str], depth: int) -> None:
    """Collect the property names and patterns a schema declares, through local $refs."""
    if not isinstance(node, dict) or depth > 8:
        return
    names.update(node.get("properties") or {})
    patterns.extend(node.get("patternProperties") or {})
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        _declared(target, root, names, patterns, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key) or ():
            _declared(sub, root, names, patterns, depth + 1)
