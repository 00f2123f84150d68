"""What POST /api/articles/{id}/versions takes and answers, and a version's metadata.

One named model per request media type, so that client generators make one typed class each
(an `anyOf` of `required` lists left openapi-python-client with no JSON model at all). The
JSON fields come from the ingest code's own JSON_FIELDS: a field added there without a
description here fails at import, so the document cannot drift from the parser.
"""

from __future__ import annotations

from ...diff.meta import FIELDS as META_FIELDS
from ...ingest.ninjs import NINJS_TYPES
from ...ingest.payload import JSON_FIELDS
from .parts import TEXT, ref

#: The ninjs media types, the registered one first (generated clients send the first).
NINJS_MEDIA_TYPES = sorted(NINJS_TYPES, key=lambda t: (t != "application/ninjs+json", t))

_DATE_TIME = {"type": "string", "format": "date-time"}
_JSON_FIELD_SCHEMAS: dict[str, dict] = {
    "body": {**TEXT, "description": "Plain text; paragraphs separated by a blank line. Give "
             "exactly one of `body` and `body_html`."},
    "body_html": {"type": "string", "description": "HTML; its block elements become "
                  "paragraphs. Give exactly one of `body` and `body_html`."},
    "headline": {"type": "string"},
    "byline": {"type": "string", "example": "By Lolita C. Baldor"},
    "url": {"type": "string", "format": "uri", "description": "An absolute URI."},
    "label": {"type": "string", "example": "2nd Ld-Writethru"},
    "published_at": {**_DATE_TIME, "description": "The publisher's first publication time "
                     "(RFC 3339)."},
    "updated_at": {**_DATE_TIME, "description": "The publisher's time of this version "
                   "(RFC 3339)."},
    "editor_note": {"type": "string", "example": "Eds: UPDATES with Russian reaction."},
}
# A name, code or URI identifies a subject, place or person; publishers send any of them.
_NAMED = {"type": "object", "additionalProperties": True,
          "properties": {"name": {"type": "string"}, "code": {"type": "string"},
                         "uri": {"type": "string"}}}
_NAMED_LIST = {"type": "array", "items": ref("NamedThing")}


def body_schemas() -> dict:
    """Return the component schemas of the ingest request bodies and answer."""
    return {
        "TextSubmission": {
            **TEXT, "description": "A version as plain text (`text/plain`, UTF-8): paragraphs "
            "separated by a blank line. Leading wire labels (`1st Ld-Writethru`) and editor's "
            "notes (`Eds: ...`) become metadata."},
        "HtmlSubmission": {
            "type": "string", "description": "A version as HTML (`text/html`): the text of its "
                                             "block elements becomes the paragraphs."},
        "JsonSubmission": {
            "type": "object",
            "description": "A version as JSON: exactly one of `body` (plain text) or "
                           "`body_html` must be given (none or both: 422), with optional "
                           "metadata. Any other field gives 422 naming it. An object with a "
                           "`uri` field, or a `$schema` naming ninjs, is read as ninjs instead.",
            "additionalProperties": False,
            "properties": {name: _JSON_FIELD_SCHEMAS[name] for name in JSON_FIELDS},
            # Exactly one of body and body_html, said with if/then/else: validators and test
            # generators read it, and client generators, which an `anyOf` of `required`
            # lists left with no model at all, pass over it.
            "if": {"properties": {"body_html": True}, "required": ["body_html"]},
            "then": {"not": {"properties": {"body": True}, "required": ["body"]}},
            "else": {"properties": {"body": True}, "required": ["body"]},
        },
        "NinjsDocument": _ninjs(),
        "NamedThing": {**_NAMED, "description": "A subject, place or person as the publisher "
                       "named it: at least one of `name`, `code`, `uri`."},
        "IngestResult": {
            "type": "object",
            "required": ["article", "version", "commit", "created"],
            "properties": {
                "article": {"type": "string"},
                "version": {"type": "integer", "minimum": 1},
                "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
                "created": {"type": "boolean",
                            "description": "false when identical to the latest version."},
                "warnings": {"type": "array", "items": {"type": "string"},
                             "description": "Fields of a ninjs document that were not "
                                            "understood; the document is kept whole in the "
                                            "version's `source/`."},
            },
        },
        "VersionMeta": _version_meta(),
    }


def _ninjs() -> dict:
    return {
        "type": "object",
        "description": "An IPTC ninjs document (1.x, 2.x or 3.x; answered as 3.x). Checked "
                       "against IPTC's schema of its version; a failing field gives 422 naming "
                       "it, and fields a schema does not know are reported in `warnings`. "
                       "Only `uri` is required here; the headline comes from `headlines` "
                       "(1.x: `headline`), the text from `bodies` (1.x: `body_text` or "
                       "`body_html`; NITF and XHTML bodies are read), the byline from `by` "
                       "(1.x: `byline`), the publisher's time from `versionCreated` (2.x: "
                       "`versioncreated`). A picture, audio or video item has no text: 422.",
        "required": ["uri"],
        "additionalProperties": True,
        "properties": {
            # Only uri is typed: typed optional fields let test generators build documents
            # that IPTC's schema refuses (schemathesis then finds POST "mostly rejected").
            "uri": {"type": "string", "description": "The item's identifier."},
        },
    }


def _version_meta() -> dict:
    # The compared fields come from the diff engine's list (a new one without a description
    # here fails at import).
    return {
        "type": "object",
        "description": "What the publisher sent besides the text, and how it was sent. Open: "
                       "fields may be added.",
        "additionalProperties": True,
        "properties": {
            **{name: _JSON_FIELD_SCHEMAS[name] for name in META_FIELDS},
            "source_format": {"type": "string", "example": "ninjs-3",
                              "description": "How the version was sent: text, json, html, "
                                             "ninjs-1, ninjs-2, ninjs-3."},
            "pub_status": {"type": "string", "example": "usable",
                           "description": "ninjs `pubStatus`: usable, canceled or withheld "
                                          "(the last two mark a kill)."},
            "language": {"type": "string", "example": "en"},
            "subjects": _NAMED_LIST,
            "places": _NAMED_LIST,
            "people": _NAMED_LIST,
            "urgency": {"type": "integer", "description": "ninjs urgency, 1 (most) to 9."},
        },
    }
