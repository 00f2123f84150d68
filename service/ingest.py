"""Parsing an ingest payload (plain text, JSON, HTML or ninjs) into a Submission.

Pure: knows content types but not requests, git or Flask. Content types accepted:

- ``text/plain`` (any charset parameter; the bytes must be UTF-8): DESIGN §3 text rules.
- ``text/html``: the text of the block elements.
- ``application/json``: ``{"body" | "body_html", "headline", "byline", "url", "label",
  "published_at", "updated_at", "editor_note"}``. An object with a ``uri`` key (a field this
  format does not have, and the one field ninjs requires) or a ``$schema`` naming ninjs is
  read as ninjs instead.
- ``application/ninjs+json``, ``application/vnd.iptc.ninjs+json``: always ninjs.

Wire labels and editor's notes ("1st Ld-Writethru", "Eds: UPDATES with ...") are metadata,
never body paragraphs: they come from their fields, and leading paragraphs of that shape are
taken out of a body into ``label`` / ``editor_note`` when the payload has no such field.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .paragraphs import canonical_text, paragraphs_from_html, split_text
from .submission import Submission

__all__ = [
    "IngestError", "MalformedPayload", "Submission", "UnprocessablePayload",
    "UnsupportedContentType", "ninjs_version", "parse_payload",
]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
GEOJSON_URI = "https://geojson.org/schema/GeoJSON.json"
NINJS_TYPES = frozenset({"application/ninjs+json", "application/vnd.iptc.ninjs+json"})
JSON_FIELDS = ("body", "body_html", "headline", "byline", "url", "label", "published_at",
               "updated_at", "editor_note")
_TIME_FIELDS = ("published_at", "updated_at")
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER

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

_EDS_RE = re.compile(r"^(?:Eds?|Editors?|Editor'?s note)\s*:", re.IGNORECASE)
_LABEL_RE = re.compile(
    r"^(?:\d+(?:st|nd|rd|th)\s+)?(?:Ld-)?Writethru\b.{0,80}$|^\d+(?:st|nd|rd|th)\s+Ld\b.{0,80}$",
    re.IGNORECASE,
)


class IngestError(ValueError):
    """A payload that cannot become a version; ``detail`` says why, ``field`` where."""

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class MalformedPayload(IngestError):
    """The bytes cannot be read at all: not UTF-8, malformed JSON, JSON not an object."""


class UnsupportedContentType(IngestError):
    """The content type is missing or not one this service reads."""


class UnprocessablePayload(IngestError):
    """Readable, but not a usable version: no body, empty body, wrong field types, bad ninjs."""


def parse_payload(body: bytes, content_type: str | None, *,
                  max_paragraphs: int | None = None) -> Submission:
    """Parse a request body by its content type into a Submission.

    Raises:
        UnsupportedContentType: no or unknown content type (415).
        MalformedPayload: not UTF-8, malformed JSON, JSON not an object (400).
        UnprocessablePayload: no or empty body, wrong field types, ninjs failing its schema,
            more than max_paragraphs paragraphs (422).
    """
    submission = _parse(body, content_type)
    # A story is tens or hundreds of paragraphs. Five MiB of one-word lines would be millions,
    # and every diff and page of such a "story" would cost seconds in a worker.
    if max_paragraphs is not None and len(submission.paragraphs) > max_paragraphs:
        raise UnprocessablePayload(
            f"the body has {len(submission.paragraphs):,} paragraphs; at most "
            f"{max_paragraphs:,} are taken (WRITETHRU_MAX_PARAGRAPHS)", field="body")
    return submission


def _parse(body: bytes, content_type: str | None) -> Submission:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if not media_type:
        raise UnsupportedContentType("a Content-Type header is required")
    if media_type == "text/plain":
        return _from_text(body)
    if media_type == "text/html":
        return _from_html(body)
    if media_type in NINJS_TYPES:
        return _from_ninjs(_json_object(body), body)
    if media_type == "application/json":
        doc = _json_object(body)
        if "uri" in doc or "ninjs" in str(doc.get("$schema", "")):
            return _from_ninjs(doc, body)
        return _from_json(doc, body)
    raise UnsupportedContentType(
        f"unsupported content type {media_type!r}; use text/plain, text/html, "
        "application/json or application/ninjs+json"
    )


def _decode(body: bytes) -> str:
    try:
        # utf-8-sig: a byte-order mark is an encoding artefact, not text.
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedPayload(f"body is not valid UTF-8 (byte {exc.start})") from exc


def _json_object(body: bytes) -> dict:
    try:
        doc = json.loads(_decode(body))
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"malformed JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedPayload(f"JSON body must be an object, not {type(doc).__name__}")
    return doc


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _finish(paragraphs: list[str], meta: dict, fmt: str, sources: dict[str, bytes],
            body_field: str | None, original_text: bytes | None = None) -> Submission:
    """Move leading wire labels / editor's notes into meta, check the body, build it.

    ``original_text`` (plain-text payloads) is kept as a source unless the canonical text
    is byte for byte the same.
    """
    paragraphs = list(paragraphs)
    pulled: dict[str, list[str]] = {"editor_note": [], "label": []}
    while paragraphs:
        if _EDS_RE.match(paragraphs[0]):
            pulled["editor_note"].append(paragraphs.pop(0))
        elif _LABEL_RE.match(paragraphs[0]):
            pulled["label"].append(paragraphs.pop(0))
        else:
            break
    for key, values in pulled.items():
        if values and key not in meta:
            meta[key] = " ".join(values)
    if not paragraphs:
        raise UnprocessablePayload("the body has no text", field=body_field)
    if original_text is not None and canonical_text(paragraphs).encode("utf-8") != original_text:
        sources["source/original.txt"] = original_text
    return Submission(paragraphs=paragraphs, meta=meta, sources=sources, source_format=fmt)


def _from_text(body: bytes) -> Submission:
    return _finish(split_text(_decode(body)), {}, "text", {}, None, original_text=body)


def _from_html(body: bytes) -> Submission:
    paragraphs = paragraphs_from_html(_decode(body))
    return _finish(paragraphs, {}, "html", {"source/body.html": body}, None)


def _string_field(doc: dict, key: str, path: str | None = None) -> str | None:
    """Return a stripped string field, None when absent, null or blank; 422 if not a string."""
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UnprocessablePayload(
            f"{path or key} must be a string, not {type(value).__name__}", field=path or key
        )
    return value if value.strip() else None


def _from_json(doc: dict, body: bytes) -> Submission:
    unknown = sorted(set(doc) - set(JSON_FIELDS))
    if unknown:
        raise UnprocessablePayload(
            f"unknown field {unknown[0]!r}; expected {', '.join(JSON_FIELDS)}", field=unknown[0]
        )
    values = {key: _string_field(doc, key) for key in JSON_FIELDS}
    if "body" in doc and "body_html" in doc:
        raise UnprocessablePayload("give either body or body_html, not both", field="body_html")
    if "body" not in doc and "body_html" not in doc:
        raise UnprocessablePayload("a body (or body_html) field is required", field="body")
    meta: dict = {}
    for key in ("headline", "byline", "url", "label", "editor_note", *_TIME_FIELDS):
        if values[key] is not None:
            meta[key] = _one_line(values[key])
    for key in _TIME_FIELDS:
        if key in meta and not FORMAT_CHECKER.conforms(meta[key], "date-time"):
            raise UnprocessablePayload(
                f"{key} must be an RFC 3339 date-time such as 2022-02-02T14:05:00Z", field=key
            )
    if "url" in meta and not FORMAT_CHECKER.conforms(meta["url"], "uri"):
        raise UnprocessablePayload("url must be an absolute URI", field="url")
    sources = {"source/body.json": body}
    if "body_html" in doc:
        paragraphs = paragraphs_from_html(values["body_html"] or "")
        return _finish(paragraphs, meta, "html", sources, "body_html")
    return _finish(split_text(values["body"] or ""), meta, "json", sources, "body")


@cache
def _validator(version: int) -> Draft202012Validator:
    """Return the ninjs validator for major version 2 or 3 (schemas from IPTC, kept locally)."""
    name = "ninjs-schema_3.1.json" if version == 3 else "ninjs-schema_2.2.json"
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    # Both schemas $ref GeoJSON for places[].geo(JSON|json); offline we stand in a schema
    # that accepts any object rather than fail (or fetch) when a document uses it.
    stand_in = DRAFT202012.create_resource({"type": "object"})
    registry = Registry().with_resource(GEOJSON_URI, stand_in)
    return Draft202012Validator(schema, registry=registry, format_checker=FORMAT_CHECKER)


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


def _from_ninjs(doc: dict, body: bytes) -> Submission:
    version = ninjs_version(doc)
    checked = {k: v for k, v in doc.items() if k != "$schema"}  # JSON Schema's key, not ninjs'
    legacy: dict[str, str] = {}
    if version == 1:
        for key in _NINJS1_STRING_KEYS:
            if key in checked:
                value = _string_field(checked, key, f"$.{key}")
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
            meta[key] = _one_line(value)

    if legacy.get("body_html"):
        paragraphs, body_field = paragraphs_from_html(legacy["body_html"]), "$.body_html"
    elif legacy.get("body_text"):
        paragraphs, body_field = split_text(legacy["body_text"]), "$.body_text"
    elif checked.get("bodies"):
        item = _pick(checked["bodies"])
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
    return _finish(paragraphs, meta, fmt, {"source/ninjs.json": body}, body_field)
