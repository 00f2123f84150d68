"""ninjs (IPTC News in JSON) 1.x, 2.x and 3.x documents into a Submission.

Checked against IPTC's own schemas (1.6, 2.2 and 3.1, kept in schemas/; see `ninjs_schema`).
Properties the schema does not know are kept in source/ and named in the answer's warnings;
the text body is chosen by role and content type (`ninjs_bodies`), NITF and XHTML read by an
XML parser; the publisher's language, urgency, status, subjects, places and people go to meta.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..store.submission import Submission
from .errors import UnprocessablePayload
from .fields import finish, one_line
from .html import paragraphs_from_html
from .ninjs_bodies import Candidate, choose, kind_of
from .ninjs_meta import publisher_meta
from .ninjs_schema import LABELS, check

_TIME_KEYS = ("versionCreated", "firstCreated", "versioncreated", "firstcreated")
_BASIC_OFFSET = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(\d\d)$")
NINJS_TYPES = frozenset({"application/ninjs+json", "application/vnd.iptc.ninjs+json"})
#: Item types that carry no text of their own: with no text body, there is nothing to version.
MEDIA_TYPES = frozenset({"picture", "audio", "video", "graphic", "event", "planning"})

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
# Names only ninjs 1.x has (2.x renamed or dropped them); any of these, or a body_ /
# description_ / headline_ property, means 1.
_NINJS1_KEYS = frozenset({"$standard", "byline", "charcount", "wordcount", "event", "genre",
                          "headline", "infosource", "mimetype", "object", "organisation",
                          "person", "place", "subject", "trustindicator"})
_NINJS1_PREFIXES = ("body_", "description_", "headline_")


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
    if keys & _NINJS1_KEYS or any(k.startswith(_NINJS1_PREFIXES) for k in keys):
        return 1
    if keys & _NINJS2_KEYS or "contenttype" in item_keys:
        return 2
    return 3


def from_ninjs(doc: dict, body: bytes) -> Submission:
    """Validate a ninjs document and read it into a Submission (the raw body kept as a source)."""
    checked = {k: v for k, v in doc.items() if k != "$schema"}  # JSON Schema's key, not ninjs'
    warnings: list[str] = []
    used = set()
    guid = checked.get("guid")
    if "uri" not in checked and isinstance(guid, str) and guid.strip():
        # Superdesk's ninjs names the item's id `guid`; ninjs requires it as `uri`.
        checked["uri"] = guid
        used.add("$.guid")
        warnings.append("$.uri is missing; $.guid was taken as the item's uri")
    for key in _TIME_KEYS:
        value = checked.get(key)
        if isinstance(value, str) and (fixed := _BASIC_OFFSET.sub(r"\1\2:\3", value)) != value:
            # Superdesk writes times as 2024-05-01T10:05:00+0000; RFC 3339 wants +00:00.
            checked[key] = fixed
            warnings.append(f"$.{key} has an offset without a colon; read as {fixed}")
    version = ninjs_version(doc)
    extras = [path for path in check(checked, version) if path not in used]
    warnings += [f"{path} is not a {LABELS[version]} property: kept in source/ninjs.json, "
                 "not read" for path in extras]
    # Only what the schema understood is read: an unknown top-level property is never used.
    top = {path[2:] for path in extras if path.startswith("$.") and "." not in path[2:]}
    known = {k: v for k, v in checked.items() if k not in top}

    found = choose(_candidates(known, version))
    if found is None:
        item_type = known.get("type")
        if item_type in MEDIA_TYPES:
            raise UnprocessablePayload(
                f"{_article(item_type)} {item_type} item has no text to version: writethru "
                "keeps the versions of stories, and this item has no text body (text/plain, "
                "text/html, XHTML or NITF)", field="$.bodies" if version > 1 else "$.body_text")
        raise UnprocessablePayload(
            "ninjs document has no body (bodies, or body_text / body_html / body_xhtml)",
            field="$.bodies" if version > 1 else "$.body_text")
    warnings += found.warnings

    camel, v1 = version == 3, version == 1
    headline = known.get("headline") if v1 else _headline(known.get("headlines"), camel)
    fields = {
        "headline": headline or found.headline or known.get("title"),
        "byline": known.get("byline" if v1 else "by") or found.byline,
        "editor_note": known.get("edNote" if camel else "ednote"),
        "published_at": known.get("firstCreated" if camel else "firstcreated"),
        "updated_at": known.get("versionCreated" if camel else "versioncreated"),
        "version_label": known.get("version"),
        "slugline": known.get("slugline"),
    }
    paragraphs = found.paragraphs
    if len(paragraphs) > 1 and fields["headline"] and \
            paragraphs[0] == one_line(str(fields["headline"])):
        paragraphs = paragraphs[1:]  # the headline set again atop the body (TT's HTML5 <h1>)
    meta: dict = {"uri": checked["uri"]}
    for key, value in fields.items():
        if isinstance(value, str) and value.strip():
            meta[key] = one_line(value)
    meta.update(publisher_meta(known))
    submission = finish(paragraphs, meta, f"ninjs-{version}",
                        {"source/ninjs.json": body}, found.path)
    return replace(submission, warnings=tuple(warnings))


def _candidates(doc: dict, version: int) -> list[Candidate]:
    """Return the bodies of a document that hold text, in document order."""
    found = []
    if version == 1:
        for key, value in doc.items():
            if key.startswith("body_") and isinstance(value, str):
                suffix = key[len("body_"):]
                kind = kind_of("text/plain" if suffix == "text" else "", suffix, value)
                if kind:
                    found.append(Candidate(f"$.{key}", value, kind, ""))
        return found
    ctype_key = "contentType" if version == 3 else "contenttype"
    for index, item in enumerate(doc.get("bodies") or ()):
        if isinstance(item, dict) and isinstance(item.get("value"), str):
            role = str(item.get("role") or "")
            kind = kind_of(str(item.get(ctype_key) or ""), role, item["value"])
            if kind:
                found.append(Candidate(f"$.bodies[{index}].value", item["value"], kind, role))
    return found


def _headline(items: object, camel: bool) -> str | None:
    """Return the main headline of a headlines list: role main, else no role, else the first."""
    if not isinstance(items, list):
        return None
    usable = [i for i in items if isinstance(i, dict) and isinstance(i.get("value"), str)]
    for wanted in ("main", None):
        for item in usable:
            if item.get("role") == wanted:
                return _flat(item, camel)
    return _flat(usable[0], camel) if usable else None


def _flat(item: dict, camel: bool) -> str:
    ctype = str(item.get("contentType" if camel else "contenttype") or "").lower()
    value = item["value"]
    if "html" in ctype or (not ctype and value.lstrip().startswith("<")):
        return " ".join(paragraphs_from_html(value))
    return value


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
