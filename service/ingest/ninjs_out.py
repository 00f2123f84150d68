"""A stored version as a ninjs 3.x document (IPTC News in JSON), for clients that read ninjs.

Pure: a Version in, a dict out. Only properties ninjs 3.1 declares are written, so the document
validates against IPTC's schema (tests/test_ninjs_out.py checks it); the text goes out as one
text/plain body, paragraphs separated by blank lines, which is how `store.text` reads it back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..json_shapes import iso
from .ninjs_meta import ENTITY_FIELDS
from .ninjs_schema import schema

MEDIA_TYPE = "application/ninjs+json"
_STATUSES = {"usable": "usable", "withheld": "withheld", "canceled": "canceled",
             "cancelled": "canceled"}
# meta key -> ninjs 3.x property, for plain strings.
_STRINGS = (("byline", "by"), ("editor_note", "edNote"), ("slugline", "slugline"),
            ("language", "language"), ("published_at", "firstCreated"))


def version_uri(article: str) -> str:
    """Return the uri given to an article whose publisher sent none."""
    return f"urn:writethru:article:{quote(article, safe='')}"


def to_ninjs(v: Any) -> dict:
    """Return version v (a store Version) as a ninjs 3.x document."""
    meta = v.meta or {}
    doc: dict[str, Any] = {
        "uri": meta.get("uri") if isinstance(meta.get("uri"), str) else version_uri(v.article),
        "type": "text",
        # ninjs' version is that of the item its uri names: the publisher's, when it sent one.
        "version": _string(meta.get("version_label")) or str(v.version),
        # The publisher's time of this version when it sent one, else when writethru got it.
        "versionCreated": _string(meta.get("updated_at")) or iso(v.created_at),
    }
    for key, name in _STRINGS:
        value = _string(meta.get(key))
        if value:
            doc[name] = value
    headline = _string(meta.get("headline"))
    if headline:
        doc["headlines"] = [{"role": "main", "contentType": "text/plain", "value": headline}]
    doc["bodies"] = [{"role": "main", "contentType": "text/plain",
                      "value": "\n\n".join(v.paragraphs)}]
    status = _STATUSES.get(str(meta.get("pub_status") or "").lower())
    if status:
        doc["pubStatus"] = status
    urgency = meta.get("urgency")
    if isinstance(urgency, int) and not isinstance(urgency, bool) and 1 <= urgency <= 9:
        doc["urgency"] = urgency
    for key in ("subjects", "places", "people"):
        items = [_entity(item, key) for item in meta.get(key) or () if isinstance(item, dict)]
        if any(items):
            doc[key] = [item for item in items if item]
    return doc


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _entity(item: dict, key: str) -> dict:
    """Keep the fields of a stored subject/place/person that ninjs 3.1 declares for it."""
    declared = schema(3)["$defs"]["ninjsType"]["properties"][key]["items"]["properties"]
    return {k: item[k] for k in ENTITY_FIELDS if k in declared and isinstance(item.get(k), str)}
