"""The research part of the OpenAPI document: search across every version (and exports)."""

from __future__ import annotations

from typing import Any

from ...export.records import ACTIONS, CHANGE_FIELDS, CHANGE_KINDS, STAT_FIELDS, VERSION_FIELDS
from ...search import ALIASES, MAX_QUERY
from .parts import ARTICLE_ID, OPEN, UNAVAILABLE, json_response, problem, ref

NDJSON = "application/x-ndjson"
_DATE = {"type": "string", "description": "A date (the whole day) or an RFC 3339 date-time."}


def research_paths() -> dict:
    """Return the paths of the research endpoints."""
    return {
        **_export_path(),
        "/api/search": {"get": {
            "operationId": "search",
            "summary": "Search every version of every story",
            "description": (
                "With `q`: paragraphs and headlines of any version holding the words (FTS5 "
                "syntax: `\"a phrase\"`, `prefix*`, `OR`, `NOT`), each with the versions it "
                "stood in, so a word edited away is found with the versions it appears in. "
                "Without `q`: the versions whose update digest has a change of a kind "
                "(`changed`). Hits come in a stable order (text hits as indexed, change hits "
                "by article and version); follow `next` for more. "
                "`pending` counts stories not yet indexed (new versions are indexed for at "
                "most a second before the answer, the rest in the background)."),
            "tags": ["research"],
            "security": OPEN,
            "parameters": [
                {"name": "q", "in": "query", "required": False,
                 "description": "Words to find (FTS5 query syntax).",
                 "schema": {"type": "string", "maxLength": MAX_QUERY}},
                {"name": "changed", "in": "query", "required": False,
                 "description": "Only stories (with q) or versions (without) with an update "
                                "that made one of these changes, joined by commas.",
                 "schema": {"type": "string"},
                 "example": "number,quote"},
                {"name": "since", "in": "query", "required": False,
                 "description": "Versions saved on or after this date or date-time.",
                 "schema": {"type": "string"}, "example": "2026-12-01"},
                {"name": "until", "in": "query", "required": False,
                 "description": "Versions saved on or before this date (the whole day) or "
                                "date-time.",
                 "schema": {"type": "string"}},
                {"name": "label", "in": "query", "required": False,
                 "description": "Versions whose wire label contains this text.",
                 "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "required": False,
                 "description": "Hits per page.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                {"name": "cursor", "in": "query", "required": False,
                 "description": "Opaque cursor from the `next` link.",
                 "schema": {"type": "string"}},
            ],
            "responses": {
                "200": json_response("A page of hits.", "SearchResults"),
                "400": problem("A query FTS5 cannot read, one too long, an unknown change, a "
                               "date that is not one, or a cursor that is not ours."),
                "503": UNAVAILABLE,
            },
        }},
    }


def _export_path() -> dict:
    article = {**ARTICLE_ID, "in": "query", "name": "article"}
    return {"/api/export": {"get": {
        "operationId": "exportArticle",
        "summary": "One story's versions or changes, as JSON Lines",
        "description": (
            "Streams one record a line (`application/x-ndjson`): with `what=changes` one "
            "ChangeRecord per changed paragraph between consecutive versions (kind and "
            "NewsEdits' action, old and new text, word counts), with `what=versions` one "
            "VersionRecord per version. Every story at once: `writethru export` (see "
            "docs/EXPORT.md)."),
        "tags": ["research"],
        "security": OPEN,
        "parameters": [
            article,
            {"name": "what", "in": "query", "required": False, "description": "Which records.",
             "schema": {"type": "string", "enum": ["changes", "versions"], "default": "changes"}},
            {"name": "since", "in": "query", "required": False, "schema": _DATE,
             "description": "Versions saved on or after."},
            {"name": "until", "in": "query", "required": False, "schema": _DATE,
             "description": "Versions saved on or before."},
        ],
        "responses": {
            # JSON Lines: the schema is the array of the records, one of them a line.
            "200": {"description": "The records, one JSON object a line.",
                    "headers": {"Cache-Control": {"description": "`no-cache`.",
                                                  "schema": {"type": "string"}}},
                    "content": {NDJSON: {"schema": {
                        "type": "array", "description": "Each item is one line of the answer.",
                        "items": {"oneOf": [ref("ChangeRecord"), ref("VersionRecord")]}}}}},
            "400": problem("A missing or invalid article id, an unknown `what`, a bad date."),
            "404": problem("No such article."),
            "503": UNAVAILABLE,
        },
    }}}


def _export_schemas() -> dict:
    nullable_int: dict[str, Any] = {"type": ["integer", "null"]}
    change: dict[str, Any] = {name: {"type": "string"} for name in CHANGE_FIELDS}
    change.update({
        "record": {"const": "change"}, "from_version": {"type": "integer"},
        "to_version": {"type": "integer"},
        "kind": {"type": "string", "enum": list(CHANGE_KINDS)},
        "action": {"type": "string", "enum": sorted(set(ACTIONS.values()))},
        "old_index": nullable_int, "new_index": nullable_int,
        "old_indexes": {"type": "array", "items": {"type": "integer"}},
        "new_indexes": {"type": "array", "items": {"type": "integer"}},
        "old_text": {"type": ["string", "null"]}, "new_text": {"type": ["string", "null"]},
        "old_words": {"type": "integer"}, "new_words": {"type": "integer"},
        "edited": {"type": "boolean"}, "promo": {"type": "boolean"},
        "changed_at": {"type": "string", "format": "date-time"},
    })
    version: dict[str, Any] = {name: {"type": ["string", "null"]} for name in VERSION_FIELDS}
    version.update({name: nullable_int for name in STAT_FIELDS})
    version.update({
        "record": {"const": "version"}, "version": {"type": "integer"},
        "paragraphs": {"type": "integer"}, "words": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "meta_fields": {"type": ["array", "null"], "items": {"type": "string"}},
        "meta": {"type": "object"},
    })
    return {
        "ChangeRecord": {"type": "object", "required": list(CHANGE_FIELDS), "properties": change,
                         "description": "A paragraph-level change (docs/EXPORT.md)."},
        "VersionRecord": {"type": "object", "required": list(VERSION_FIELDS),
                          "properties": version,
                          "description": "A version and its counts (docs/EXPORT.md)."},
    }


def research_schemas() -> dict:
    """Return the component schemas of the research endpoints."""
    kinds = sorted(set(ALIASES.values()))
    return {
        **_export_schemas(),
        "SearchResults": {
            "type": "object", "required": ["hits", "next", "pending"],
            "properties": {
                "hits": {"type": "array", "items": ref("SearchHit")},
                "next": {"type": ["string", "null"], "description": "The next page, or null."},
                "pending": {"type": "integer", "minimum": 0,
                            "description": "Stories not yet indexed."},
            },
        },
        "SearchHit": {
            "type": "object",
            "required": ["article", "match", "from_version", "to_version", "headline",
                         "versions", "links"],
            "properties": {
                "article": {"type": "string"},
                "match": {"type": "string", "enum": ["text", "change"],
                          "description": "`text`: a paragraph or headline holding the words; "
                                         "`change`: a version with a change asked for."},
                "field": {"type": "string", "enum": ["headline", "body"]},
                "paragraph": {"type": ["integer", "null"],
                              "description": "The paragraph's number in its first version."},
                "from_version": {"type": "integer", "minimum": 0},
                "to_version": {"type": "integer", "minimum": 1},
                "text": {"type": "string"},
                "highlights": {"type": "array", "description": "[start, end) of each match in "
                                                              "text, in characters.",
                               "items": {"type": "array", "items": {"type": "integer"},
                                         "minItems": 2, "maxItems": 2}},
                "changes": {"type": "array", "items": {
                    "type": "object", "required": ["kind", "text"],
                    "properties": {"kind": {"type": "string", "enum": kinds},
                                   "text": {"type": "string"}}}},
                "headline": {"type": "string", "description": "The story's latest headline."},
                "versions": {"type": "integer", "description": "The story's version count."},
                "label": {"type": "string"},
                "created_at": {"type": ["string", "null"], "format": "date-time"},
                "links": {"type": "object", "additionalProperties": {"type": ["string", "null"]},
                          "description": "Pages: where the text came in (`appeared`), where it "
                                         "changed or went (`gone`), the compare of a change."},
            },
        },
    }
