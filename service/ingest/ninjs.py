"""ninjs (IPTC News in JSON) 1.x, 2.x and 3.x documents into a Submission.

Checked against IPTC's own schemas (2.2 and 3.1, kept in schemas/); jsonschema is imported
when the first ninjs document arrives, not when writethru starts.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ..store.submission import Submission
from ..store.text import split_text
from .errors import UnprocessablePayload
from .fields import finish, format_checker, one_line, string_field
from .html import paragraphs_from_html

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
GEOJSON_URI = "https://geojson.org/schema/GeoJSON.json"
NINJS_TYPES = frozenset({"application/ninjs+json", "application/vnd.iptc.ninjs+json"})

# ninjs 3.x renamed the 2.x lowercase properties to camelCase; any of these decides.
_NINJS3_KEYS = frozenset({
    "versionCreated", "firstCreated", "contentCreated", "embargoedUntil", "pubStatus",
    "copyrightHolder", "copyrightNotice", "usageTerms", "edNote", "representationType",
    "infoSources", "altIds", "trustIndicators", "rightsInfo", "digitalSourceType",
    "eventDetails", "plannedCoverage",
})
_NINJS2_KEYS = frozenset({
    "versioncreated", "firstcreated", "contentcreated", "embargoed", "pubstatus",
    "copyrightholder", "copyrightnotice", "usageterms", "ednote", "representationtype",
    "infosources", "altids", "trustindicators", "rightsinfo", "digitalsourcetype",
})
# ninjs 1.x names that ninjs 2.2 dropped (its schema rejects them) but that 2.x-era feeds
# still send. Accepted in lowercase documents, checked as strings, reported as "ninjs-1".
_NINJS1_STRING_KEYS = ("headline", "byline", "body_text", "body_html")


@cache
def _validator(version: int) -> Any:
    """Return the ninjs validator for major version 2 or 3 (schemas from IPTC, kept locally)."""
    name = "ninjs-schema_3.1.json" if version == 3 else "ninjs-schema_2.2.json"
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    # Both schemas $ref GeoJSON for places[].geo(JSON|json); offline we stand in a schema
    # that accepts any object rather than fail (or fetch) when a document uses it.
    stand_in = DRAFT202012.create_resource({"type": "object"})
    registry = Registry().with_resource(GEOJSON_URI, stand_in)
    return Draft202012Validator(schema, registry=registry, format_checker=format_checker())


def ninjs_version(doc: dict) -> int:
    """Return which ninjs schema a document follows: 1, 2 or 3.

    In order: a ``$schema`` naming ninjs-schema_3 / _2 / _1 decides; otherwise any camelCase
    3.x property (``versionCreated``, ``edNote``, ``contentType`` in a body or headline, ...)
    means 3; any lowercase 2.x property (``versioncreated``, ``ednote``, ``contenttype``) or
    1.x field (``body_text``, ``body_html``, ``headline``, ``byline``) means 2, or 1 when a
    1.x field is present. A document with neither (say only uri, headlines and bodies) is
    read as 3.x, the version IPTC recommends; such a document is valid under both.
    """
    declared = str(doc.get("$schema", ""))
    for version in (3, 2, 1):
        if f"ninjs-schema_{version}" in declared:
            return version
    keys = set(doc)
    item_keys: set[str] = set()
    for list_key in ("bodies", "headlines", "descriptions"):
        items = doc.get(list_key)
        if isinstance(items, list):
            item_keys.update(k for item in items if isinstance(item, dict) for k in item)
    if keys & _NINJS3_KEYS or "contentType" in item_keys:
        return 3
    if keys & set(_NINJS1_STRING_KEYS):
        return 1
    if keys & _NINJS2_KEYS or "contenttype" in item_keys:
        return 2
    return 3


def _schema_error(doc: dict, version: int) -> UnprocessablePayload | None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator(version).iter_errors(doc))
    if error is None:
        return None
    path = error.json_path
    label = "ninjs 3.1" if version == 3 else "ninjs 2.2"
    return UnprocessablePayload(f"{path}: {error.message} (schema {label})", field=path)


def _pick(items: list[dict]) -> dict | None:
    """Choose the main item of a headlines/bodies list: role main, else no role, else first."""
    for wanted in ("main", None):
        for item in items:
            if item.get("role") == wanted:
                return item
    return items[0] if items else None


def _is_html(item: dict, ctype_key: str) -> bool:
    ctype = str(item.get(ctype_key) or "").lower()
    if ctype:
        return "html" in ctype
    # No contentType: ninjs leaves it to the provider; markup is recognisable.
    return item["value"].lstrip().startswith("<")


def from_ninjs(doc: dict, body: bytes) -> Submission:
    """Validate a ninjs document and read it into a Submission (the raw body kept as a source)."""
    version = ninjs_version(doc)
    checked = {k: v for k, v in doc.items() if k != "$schema"}  # JSON Schema's key, not ninjs'
    legacy: dict[str, str] = {}
    if version == 1:
        for key in _NINJS1_STRING_KEYS:
            if key in checked:
                value = string_field(checked, key, f"$.{key}")
                legacy[key] = value or ""
                del checked[key]
    error = _schema_error(checked, 3 if version == 3 else 2)
    if error is not None:
        raise error
    camel = version == 3
    ctype_key = "contentType" if camel else "contenttype"

    meta: dict = {"uri": checked["uri"]}
    headline = legacy.get("headline")
    if not headline and checked.get("headlines"):
        item = _pick(checked["headlines"])
        assert item is not None  # the list is not empty
        headline = item["value"]
        if item and _is_html(item, ctype_key):
            headline = " ".join(paragraphs_from_html(headline))
    fields = {
        "headline": headline,
        "byline": legacy.get("byline") or checked.get("by"),
        "editor_note": checked.get("edNote" if camel else "ednote"),
        "published_at": checked.get("firstCreated" if camel else "firstcreated"),
        "updated_at": checked.get("versionCreated" if camel else "versioncreated"),
        "version_label": checked.get("version"),
        "slugline": checked.get("slugline"),
    }
    for key, value in fields.items():
        if value and value.strip():
            meta[key] = one_line(value)

    if legacy.get("body_html"):
        paragraphs, body_field = paragraphs_from_html(legacy["body_html"]), "$.body_html"
    elif legacy.get("body_text"):
        paragraphs, body_field = split_text(legacy["body_text"]), "$.body_text"
    elif checked.get("bodies"):
        item = _pick(checked["bodies"])
        assert item is not None  # the list is not empty
        index = checked["bodies"].index(item)
        body_field = f"$.bodies[{index}].value"
        if _is_html(item, ctype_key):
            paragraphs = paragraphs_from_html(item["value"])
        else:
            paragraphs = split_text(item["value"])
    else:
        raise UnprocessablePayload(
            "ninjs document has no body (bodies, or body_text / body_html)", field="$.bodies"
        )
    fmt = f"ninjs-{version}"
    return finish(paragraphs, meta, fmt, {"source/ninjs.json": body}, body_field)
