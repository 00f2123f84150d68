"""The OpenAPI 3.1 document of the HTTP API, built as data (served at /api/openapi.json)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version

from ..diff.ignore import IGNORABLE
from ..store import ARTICLE_ID_PATTERN, ARTICLE_ID_RULE
from .problems import PROBLEM_JSON, PROBLEM_TYPES

PROBLEM = PROBLEM_JSON
ATOM = "application/atom+xml"

# The article id rule, as the store enforces it (one pattern, so the two cannot drift).
ID_PATTERN = ARTICLE_ID_PATTERN
VERSION_PATTERN = "^([1-9][0-9]{0,8}|latest)$"
FROM_PATTERN = "^(0|[1-9][0-9]{0,8}|latest)$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}


def _json(description: str, schema: str, headers: dict | None = None) -> dict:
    out = {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}
    if headers:
        out["headers"] = headers
    return out


def _header(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "schema": schema or {"type": "string"}}


_ETAG = {
    "ETag": _header("Entity tag; send it back in If-None-Match to get 304 when unchanged."),
    "Cache-Control": _header("`immutable` where the URL names a fixed version, else `no-cache`."),
}
_NOT_MODIFIED = {"description": "Not modified: the If-None-Match tag matches.",
                 "headers": {"ETag": _header("The entity tag.")}}
_IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                  "description": "An ETag from an earlier answer.", "schema": {"type": "string"}}
_ARTICLE_ID = {
    "name": "article_id", "in": "path", "required": True,
    "description": f"Article id: {ARTICLE_ID_RULE}.",
    "schema": {"type": "string", "pattern": ID_PATTERN, "minLength": 1, "maxLength": 128},
    "example": "ap-troops-eastern-europe",
}
_IGNORE = {"name": "ignore", "in": "query", "required": False,
           "description": "`typography`: compare quotes, dashes, white space and Unicode forms "
                          "as equal.",
           "schema": {"enum": list(IGNORABLE)}}
# A plain-text body needs some text: an empty or all-white-space body gets 422.
_TEXT = {"type": "string", "pattern": "\\S"}
_BAD_REQUEST = _problem("Invalid article id or parameter.")
_NOT_FOUND = _problem("No such article or version.")
_UNAVAILABLE = _problem("The store cannot be read.")


def _schemas() -> dict:
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
        "JsonSubmission": {
            "type": "object",
            "description": "A version as JSON: `body` (plain text) or `body_html`, and metadata.",
            "anyOf": [{"required": ["body"]}, {"required": ["body_html"]}],
            "additionalProperties": False,
            "properties": {
                "body": _TEXT,
                "body_html": {"type": "string", "description": "HTML; block elements become "
                              "paragraphs."},
                "headline": {"type": "string"},
                "byline": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "label": {"type": "string", "example": "2nd Ld-Writethru"},
                "editor_note": {"type": "string"},
                "published_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "NinjsDocument": {
            "type": "object",
            "description": "An IPTC ninjs 2.x or 3.x document, validated against IPTC's schema "
                           "(a failing field gives 422 naming it). As `application/json` it is "
                           "recognised by its `uri` or a `$schema` naming ninjs.",
            "required": ["uri"],
            "properties": {"uri": {"type": "string"}},
        },
        "IngestResult": {
            "type": "object",
            "required": ["article", "version", "commit", "created"],
            "properties": {
                "article": {"type": "string"},
                "version": {"type": "integer", "minimum": 1},
                "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
                "created": {"type": "boolean",
                            "description": "false when identical to the latest version."},
            },
        },
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
                "articles": {"type": "array", "items": _ref("ArticleSummary")},
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
                "versions": {"type": "array", "items": _ref("VersionSummary"),
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
                "meta": {"type": "object", "description": "headline, byline, url, label, "
                         "editor's note, the publisher's times, source format."},
            },
        },
        "Segment": {
            "type": "object",
            "required": ["op", "text"],
            "properties": {"op": {"enum": ["equal", "insert", "delete"]},
                           "text": {"type": "string"}},
        },
        "DiffRow": {
            "type": "object",
            "required": ["kind", "left", "right"],
            "properties": {
                "kind": {"enum": ["unchanged", "changed", "added", "removed", "moved"]},
                "left": {"type": ["integer", "null"], "minimum": 0,
                         "description": "Index in the old version (from 0)."},
                "right": {"type": ["integer", "null"], "minimum": 0,
                          "description": "Index in the new version (from 0)."},
                "segments": {"type": "array", "items": _ref("Segment"),
                             "description": "Word-level changes of changed and edited moved "
                                            "rows."},
                "promo": {"type": "boolean",
                          "description": "A promotional line (WATCH:, READ MORE:, ...)."},
            },
        },
        "DiffStats": {
            "type": "object",
            "required": ["unchanged", "changed", "added", "removed", "moved", "words_added",
                         "words_removed"],
            "properties": {k: {"type": "integer", "minimum": 0} for k in
                           ["unchanged", "changed", "added", "removed", "moved", "words_added",
                            "words_removed"]},
        },
        "Diff": {
            "type": "object",
            "required": ["article", "from", "to", "from_commit", "to_commit", "ignore", "stats",
                         "rows"],
            "properties": {
                "article": {"type": "string"},
                "from": {"type": "integer", "minimum": 0,
                         "description": "0 is the empty story before version 1."},
                "to": {"type": "integer", "minimum": 1},
                "from_commit": nullable_str,
                "to_commit": {"type": "string"},
                "ignore": {"type": ["string", "null"], "enum": ["typography", None]},
                "stats": _ref("DiffStats"),
                "rows": {"type": "array", "items": _ref("DiffRow"),
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
                "paragraphs": {"type": "array", "items": _ref("AnnotatedParagraph")},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}},
        },
    }


def _paths() -> dict:
    article = [_ARTICLE_ID]
    return {
        "/api/articles": {"get": {
            "operationId": "listArticles",
            "summary": "Articles, most recently updated first",
            "tags": ["articles"],
            "parameters": [
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                {"name": "cursor", "in": "query", "required": False,
                 "description": "Opaque cursor from the `next` link.",
                 "schema": {"type": "string"}},
                {"name": "q", "in": "query", "required": False,
                 "description": "Keep articles whose id or headline contains this text.",
                 "schema": {"type": "string"}},
                _IF_NONE_MATCH,
            ],
            "responses": {
                "200": _json("A page of articles.", "ArticleList", {
                    **_ETAG, "Link": _header('`<next URL>; rel="next"` when there are more.')}),
                "304": _NOT_MODIFIED,
                "400": _BAD_REQUEST,
                "503": _UNAVAILABLE,
            },
        }},
        "/api/articles/{article_id}": {"get": {
            "operationId": "getArticle",
            "summary": "An article and its versions",
            "tags": ["articles"],
            "parameters": [*article, _IF_NONE_MATCH],
            "responses": {"200": _json("The article.", "Article", _ETAG),
                          "304": _NOT_MODIFIED, "400": _BAD_REQUEST, "404": _NOT_FOUND,
                          "503": _UNAVAILABLE},
        }},
        "/api/articles/{article_id}/versions": {"post": {
            "operationId": "postVersion",
            "summary": "Ingest a version",
            "description": "Saves the body as the next version. A body identical to the latest "
                           "version (text and metadata) creates nothing and answers 200.",
            "tags": ["versions"],
            "security": [{}, {"bearer": []}],
            "parameters": article,
            "requestBody": {"required": True, "content": {
                "text/plain": {"schema": _TEXT},
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": {"anyOf": [_ref("JsonSubmission"),
                                                          _ref("NinjsDocument")]}},
                "application/ninjs+json": {"schema": _ref("NinjsDocument")},
                "application/vnd.iptc.ninjs+json": {"schema": _ref("NinjsDocument")},
            }},
            "responses": {
                "200": _json("Identical to the latest version; nothing created.",
                             "IngestResult", {"Location": _header("The version's URL.")}),
                "201": _json("Saved as a new version.", "IngestResult",
                             {"Location": _header("The new version's URL.")}),
                "400": _problem("Invalid article id, body not UTF-8 or malformed JSON."),
                "401": _problem("Missing or wrong bearer token (only when one is set)."),
                "413": _problem("Body larger than the limit (default 5 MiB)."),
                "415": _problem("Unsupported content type, or a Content-Encoding other than "
                                "identity (send the body uncompressed)."),
                "422": _problem("No body text, more paragraphs than WRITETHRU_MAX_PARAGRAPHS, or a "
                                "ninjs document that fails its schema."),
                "503": _UNAVAILABLE,
            },
        }},
        "/api/articles/{article_id}/versions/{n}": {"get": {
            "operationId": "getVersion",
            "summary": "One version: text, paragraphs, metadata",
            "tags": ["versions"],
            "parameters": [*article, {
                "name": "n", "in": "path", "required": True,
                "description": "Version number from 1, or `latest`.",
                "schema": {"type": "string", "pattern": VERSION_PATTERN}}, _IF_NONE_MATCH],
            "responses": {"200": _json("The version.", "Version", _ETAG),
                          "304": _NOT_MODIFIED, "400": _BAD_REQUEST, "404": _NOT_FOUND,
                          "503": _UNAVAILABLE},
        }},
        "/api/articles/{article_id}/diff": {"get": {
            "operationId": "getDiff",
            "summary": "The paragraph diff of two versions",
            "tags": ["diffs"],
            "parameters": [
                *article,
                {"name": "from", "in": "query", "required": False,
                 "description": "Older version (0: the empty story); default: the one before "
                                "`to`.",
                 "schema": {"type": "string", "pattern": FROM_PATTERN}},
                {"name": "to", "in": "query", "required": False,
                 "description": "Newer version; default: the latest.",
                 "schema": {"type": "string", "pattern": VERSION_PATTERN}},
                _IGNORE,
                _IF_NONE_MATCH,
            ],
            "responses": {"200": _json("The diff.", "Diff", _ETAG), "304": _NOT_MODIFIED,
                          "400": _BAD_REQUEST, "404": _NOT_FOUND, "503": _UNAVAILABLE},
        }},
        "/api/articles/{article_id}/annotate": {"get": {
            "operationId": "annotate",
            "summary": "For each paragraph, the version it first appeared in and last changed in",
            "tags": ["diffs"],
            "parameters": [*article, {
                "name": "version", "in": "query", "required": False,
                "description": "Version number or `latest` (default).",
                "schema": {"type": "string", "pattern": VERSION_PATTERN}}, _IGNORE,
                _IF_NONE_MATCH],
            "responses": {"200": _json("The annotation.", "Annotation", _ETAG),
                          "304": _NOT_MODIFIED, "400": _BAD_REQUEST, "404": _NOT_FOUND,
                          "503": _UNAVAILABLE},
        }},
        "/api/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document",
            "tags": ["meta"],
            "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
        "/healthz": {"get": {
            "operationId": "health",
            "summary": "Liveness and store check",
            "tags": ["meta"],
            "responses": {"200": _json("Up, and the store can be read.", "Health"),
                          "503": _UNAVAILABLE},
        }},
        "/feed.atom": {"get": {
            "operationId": "siteFeed",
            "summary": "Atom feed: the latest version of recently updated articles",
            "tags": ["feeds"],
            "parameters": [_IF_NONE_MATCH],
            "responses": {"200": _atom(), "304": _NOT_MODIFIED, "503": _html_or_problem(
                "The store cannot be read.")},
        }},
        "/articles/{article_id}/feed.atom": {"get": {
            "operationId": "articleFeed",
            "summary": "Atom feed: every version of one article, newest first",
            "tags": ["feeds"],
            "parameters": [*article, _IF_NONE_MATCH],
            "responses": {
                "200": _atom(), "304": _NOT_MODIFIED,
                "400": _html_or_problem("Invalid article id."),
                "404": _html_or_problem("No such article."),
                "503": _html_or_problem("The store cannot be read."),
            },
        }},
    }


def _atom() -> dict:
    return {"description": "An Atom (RFC 4287) feed; each entry names a version, its time and "
                           "what it changed, and links to its compare page.",
            "headers": _ETAG,
            "content": {ATOM: {"schema": {"type": "string"}}}}


def _html_or_problem(description: str) -> dict:
    # Pages outside /api answer errors in HTML unless the client asks for JSON.
    return {"description": description, "content": {
        "text/html": {"schema": {"type": "string"}},
        PROBLEM: {"schema": _ref("Problem")},
    }}


def _version() -> str:
    try:
        return dist_version("writethru")
    except PackageNotFoundError:
        return "0.0.0"


def document() -> dict:
    """Return the OpenAPI 3.1 document of the API as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "writethru",
            "version": _version(),
            "summary": "Every version of a news article in git, and paragraph diffs.",
            "description": "JSON under /api, Atom feeds, and a health check. Errors are RFC 9457 "
                           "problem documents (`application/problem+json`). Reads are open; "
                           "posting a version needs `Authorization: Bearer <token>` when the "
                           "server has WRITETHRU_TOKEN set.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "articles"}, {"name": "versions"}, {"name": "diffs"}, {"name": "feeds"},
            {"name": "meta"},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "The server's WRITETHRU_TOKEN; required for POST when set."}},
        },
    }
