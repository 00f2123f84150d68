"""The research part of the OpenAPI document: search across every version (and exports)."""

from __future__ import annotations

from ...search import ALIASES, MAX_QUERY
from .parts import OPEN, UNAVAILABLE, json_response, problem, ref


def research_paths() -> dict:
    """Return the paths of the research endpoints."""
    return {
        "/api/search": {"get": {
            "operationId": "search",
            "summary": "Search every version of every story",
            "description": (
                "With `q`: paragraphs and headlines of any version holding the words (FTS5 "
                "syntax: `\"a phrase\"`, `prefix*`, `OR`, `NOT`), each with the versions it "
                "stood in, so a word edited away is found with the versions it appears in. "
                "Without `q`: the versions whose update digest has a change of a kind "
                "(`changed`). Hits come by article, then version; follow `next` for more. "
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


def research_schemas() -> dict:
    """Return the component schemas of the research endpoints."""
    kinds = sorted(set(ALIASES.values()))
    return {
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
