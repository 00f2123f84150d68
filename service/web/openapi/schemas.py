"""The component schemas of the OpenAPI document: articles, versions, diffs, problems."""

from __future__ import annotations

from ...diff.meta import FIELDS as META_FIELDS
from ..problems import PROBLEM_TYPES
from .bodies import body_schemas
from .parts import ref

# `true` when present, never false. Not `const: true`: openapi-python-client 0.29 writes an
# optional boolean const as invalid Python (`!= Trueand`), so the generated client will not import.
TRUE = {"type": "boolean", "enum": [True]}


def schemas() -> dict:
    """Return components.schemas."""
    nullable_str = {"type": ["string", "null"]}
    return {
        "Problem": {
            "type": "object",
            "description": "An RFC 9457 problem document.",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string", "format": "uri",
                         "description": "`urn:writethru:problem:<slug>`; slugs: "
                                        + ", ".join(PROBLEM_TYPES) + "."},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "parameter": {"type": "string", "description": "The query parameter at fault."},
                "field": {"type": "string", "description": "The payload field at fault."},
            },
        },
        **body_schemas(),
        "ArticleSummary": {
            "type": "object",
            "required": ["id", "headline", "versions", "updated_at", "commit"],
            "properties": {
                "id": {"type": "string"},
                "headline": nullable_str,
                "versions": {"type": "integer", "minimum": 1},
                "updated_at": {"type": "string", "format": "date-time"},
                "commit": {"type": "string"},
            },
        },
        "ArticleList": {
            "type": "object",
            "required": ["articles", "next"],
            "properties": {
                "articles": {"type": "array", "items": ref("ArticleSummary")},
                "next": {"type": ["string", "null"],
                         "description": "URL of the next page, or null on the last."},
            },
        },
        "VersionSummary": {
            "type": "object",
            "required": ["version", "commit", "created_at", "paragraphs", "words"],
            "properties": {
                "version": {"type": "integer", "minimum": 1},
                "commit": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "headline": nullable_str,
                "label": nullable_str,
                "paragraphs": {"type": "integer", "minimum": 0},
                "words": {"type": "integer", "minimum": 0},
            },
        },
        "Article": {
            "type": "object",
            "required": ["id", "headline", "updated_at", "latest", "versions"],
            "properties": {
                "id": {"type": "string"},
                "headline": nullable_str,
                "updated_at": {"type": "string", "format": "date-time"},
                "latest": {"type": "integer", "minimum": 1},
                "versions": {"type": "array", "items": ref("VersionSummary"),
                             "description": "Oldest first."},
            },
        },
        "Version": {
            "type": "object",
            "required": ["article", "version", "commit", "created_at", "text", "paragraphs",
                         "meta"],
            "properties": {
                "article": {"type": "string"},
                "version": {"type": "integer", "minimum": 1},
                "commit": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "text": {"type": "string",
                         "description": "Paragraphs separated by a blank line, final newline."},
                "paragraphs": {"type": "array", "items": {"type": "string"}},
                "meta": ref("VersionMeta"),
            },
        },
        "Segment": {
            "type": "object",
            "required": ["op", "text"],
            "properties": {"op": {"enum": ["equal", "insert", "delete", "break"],
                                  "description": "`break` only on split and joined rows: "
                                                 "where one paragraph of the several ends and "
                                                 "the next begins; its text is the single "
                                                 "paragraph's own white space there (or "
                                                 "empty)."},
                           "text": {"type": "string"}},
        },
        "DiffRow": {
            "type": "object",
            "description": "At most one old and one new paragraph, but for `split` (one old "
                           "paragraph re-broken into several consecutive new ones: `rights`) "
                           "and `joined` (several consecutive old ones made one: `lefts`); "
                           "`left` and `right` are integers or null on every kind.",
            "required": ["kind", "left", "right"],
            "properties": {
                "kind": {"enum": ["unchanged", "changed", "added", "removed", "moved", "split",
                                  "joined"]},
                "left": {"type": ["integer", "null"], "minimum": 0,
                         "description": "Index in the old version (from 0); on a joined row "
                                        "the first of `lefts`."},
                "right": {"type": ["integer", "null"], "minimum": 0,
                          "description": "Index in the new version (from 0); on a split row "
                                         "the first of `rights`."},
                "lefts": {"type": "array", "items": {"type": "integer", "minimum": 0},
                          "minItems": 2,
                          "description": "Joined rows only: the consecutive old paragraphs "
                                         "joined into `right`."},
                "rights": {"type": "array", "items": {"type": "integer", "minimum": 0},
                           "minItems": 2,
                           "description": "Split rows only: the consecutive new paragraphs "
                                          "`left` was split into."},
                "segments": {"type": "array", "items": ref("Segment"),
                             "description": "Word-level changes of changed and edited moved "
                                            "rows; on split and joined rows (always there) "
                                            "across the paragraphs: a split's equal, delete "
                                            "and break segments rebuild the old paragraph and "
                                            "its equal and insert segments between breaks each "
                                            "new one; a join the other way round."},
                "promo": {"type": "boolean",
                          "description": "A promotional line (WATCH:, READ MORE:, ...)."},
                "typography": {**TRUE,
                               "description": "On a changed or edited moved row whose only "
                                              "differences are quotes, dashes, spaces or "
                                              "Unicode forms (punctuation only)."},
            },
        },
        "MetaChange": {
            "type": "object",
            "description": "A metadata field that differs between the two versions.",
            "required": ["field", "old", "new"],
            "properties": {
                "field": {"enum": list(META_FIELDS)},
                "old": {**nullable_str, "description": "The value in the old version; null: none."},
                "new": {**nullable_str, "description": "The value in the new version; null: none."},
                "segments": {"type": "array", "items": ref("Segment"),
                             "description": "Word-level changes, for the headline."},
                "typography": {**TRUE,
                               "description": "Only quotes, dashes, spaces or Unicode forms "
                                              "differ."},
            },
        },
        "DiffStats": {
            "type": "object",
            "required": ["unchanged", "changed", "added", "removed", "moved", "words_added",
                         "words_removed", "typography_only", "meta_changed", "meta_fields",
                         "split", "joined"],
            "properties": {
                **{k: {"type": "integer", "minimum": 0} for k in
                   ["unchanged", "changed", "added", "removed", "moved", "words_added",
                    "words_removed"]},
                "split": {"type": "integer", "minimum": 0,
                          "description": "Split rows (one old paragraph, several new)."},
                "joined": {"type": "integer", "minimum": 0,
                           "description": "Joined rows (several old paragraphs, one new)."},
                "typography_only": {"type": "integer", "minimum": 0,
                                    "description": "Rows marked `typography`."},
                "meta_changed": {"type": "integer", "minimum": 0,
                                 "description": "How many metadata fields changed."},
                "meta_fields": {"type": "array", "items": {"enum": list(META_FIELDS)},
                                "description": "The metadata fields that changed, as in `meta`."},
            },
        },
        "DigestItem": {
            "type": "object",
            "description": "One change an editor looks for first. `kind`: killed (a withdrawn "
                           "story), headline, label, lede (new or rewritten), correction, "
                           "editor_note, byline, number (a number replaced in place, with the "
                           "words around it), quote (`change`: added, removed or altered), "
                           "more (further items of the kind `of`, left out), count (paragraphs "
                           "of one `change`: added, removed, moved, edited, split, joined, "
                           "typography).",
            "required": ["kind", "text", "row"],
            "properties": {
                "kind": {"enum": ["killed", "headline", "label", "lede", "correction",
                                  "editor_note", "byline", "number", "quote", "more", "count"]},
                "text": {"type": "string", "description": "The item in a few words."},
                "row": {"type": ["integer", "null"], "minimum": 0,
                        "description": "Index in `rows` of the row it comes from (the first, "
                                       "for a count); null: from the metadata."},
                "change": {"type": "string",
                           "description": "quote: added, removed, altered; count: which rows."},
                "old": {"description": "The value before (a number, quote, headline...)."},
                "new": {"description": "The value after."},
                "quote": {"type": "string"},
                "speaker": nullable_str,
                "count": {"type": "integer", "minimum": 1},
                "of": {"type": "string"},
                "note": {"type": "string"},
                "field": {"type": "string"},
                "status": {"type": "string"},
            },
        },
        "Diff": {
            "type": "object",
            "required": ["article", "from", "to", "from_commit", "to_commit", "ignore", "stats",
                         "meta", "digest", "rows"],
            "properties": {
                "article": {"type": "string"},
                "from": {"type": "integer", "minimum": 0,
                         "description": "0 is the empty story before version 1."},
                "to": {"type": "integer", "minimum": 1},
                "from_commit": nullable_str,
                "to_commit": {"type": "string"},
                "ignore": {"type": ["string", "null"], "enum": ["typography", None]},
                "stats": ref("DiffStats"),
                "meta": {"type": "array", "items": ref("MetaChange"),
                         "description": "What changed in headline, byline, label, editor's "
                                        "note, url and the publisher's times; with `ignore="
                                        "typography`, changes of typography alone are left "
                                        "out. From version 0 every field of `to` is listed."},
                "digest": {"type": "array", "items": ref("DigestItem"),
                           "description": "The update digest: the changes an editor looks "
                                          "for first, most important first (a killed story, "
                                          "headline, label, lede, corrections; numbers; "
                                          "quotes; counts). Empty for identical versions."},
                "rows": {"type": "array", "items": ref("DiffRow"),
                         "description": "In the new version's order, removed paragraphs where "
                                        "they stood."},
            },
        },
        "AnnotatedParagraph": {
            "type": "object",
            "required": ["index", "text", "first_version", "last_changed_version"],
            "properties": {
                "index": {"type": "integer", "minimum": 0},
                "text": {"type": "string"},
                "first_version": {"type": "integer", "minimum": 1},
                "last_changed_version": {"type": "integer", "minimum": 1},
            },
        },
        "Annotation": {
            "type": "object",
            "required": ["article", "version", "commit", "paragraphs"],
            "properties": {
                "article": {"type": "string"},
                "version": {"type": "integer", "minimum": 1},
                "commit": {"type": "string"},
                "paragraphs": {"type": "array", "items": ref("AnnotatedParagraph")},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {"const": "ok"},
                "read_only": {**TRUE, "description": "Present on a read-only server: "
                              "a replica, or a store this process cannot write."},
            },
        },
    }
