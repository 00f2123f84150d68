"""The paths of the OpenAPI document: every route of the API, feeds and health check."""

from __future__ import annotations

from ...ingest.payload import EXTRACT_MODES
from .bodies import NINJS_MEDIA_TYPES
from .parts import (
    ARTICLE_ID,
    ATOM,
    BAD_REQUEST,
    CONTENT_ENCODING,
    ETAG,
    FROM_PATTERN,
    IF_NONE_MATCH,
    IGNORE,
    NINJS,
    NOT_FOUND,
    NOT_MODIFIED,
    OPEN,
    PROBLEM,
    TOO_LARGE_REQUEST,
    UNAVAILABLE,
    VERSION_PATTERN,
    header,
    json_response,
    problem,
    ref,
)


def paths() -> dict:
    """Return the paths object."""
    article = [ARTICLE_ID]
    return {
        "/api/articles": {"get": {
            "operationId": "listArticles",
            "summary": "Articles, most recently updated first",
            "description": "A page of articles with their latest headline and version count. "
                           "Follow `next` (or the `Link` header) for the next page.",
            "tags": ["articles"],
            "security": OPEN,
            "parameters": [
                {"name": "limit", "in": "query", "required": False,
                 "description": "Articles per page.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                {"name": "cursor", "in": "query", "required": False,
                 "description": "Opaque cursor from the `next` link.",
                 "schema": {"type": "string"}},
                {"name": "q", "in": "query", "required": False,
                 "description": "Keep articles whose id or headline contains this text.",
                 "schema": {"type": "string"}},
                IF_NONE_MATCH,
            ],
            "responses": {
                "200": json_response("A page of articles.", "ArticleList", {
                    **ETAG, "Link": header('`<next URL>; rel="next"` when there are more.')}),
                "304": NOT_MODIFIED,
                "400": problem("A limit out of range or a cursor that is not one of ours."),
                "503": UNAVAILABLE,
            },
        }},
        "/api/articles/{article_id}": {"get": {
            "operationId": "getArticle",
            "summary": "An article and its versions",
            "description": "The article's latest headline and every version, oldest first, "
                           "with its time, headline, label and size.",
            "tags": ["articles"],
            "security": OPEN,
            "parameters": [*article, IF_NONE_MATCH],
            "responses": {"200": json_response("The article.", "Article", ETAG),
                          "304": NOT_MODIFIED, "400": BAD_REQUEST, "404": NOT_FOUND,
                          "503": UNAVAILABLE},
        }},
        "/api/articles/{article_id}/versions": {"post": {
            "operationId": "postVersion",
            "summary": "Ingest a version",
            # ?extract= is described here, not as a parameter: it applies to text/html bodies
            # only, a rule between a parameter and the body a schema cannot state, and
            # generators (schemathesis) would pair it with every body and find it refused.
            "description": "Saves the body as the next version. A body identical to the latest "
                           "version (text and metadata) creates nothing and answers 200. Add "
                           f"`?extract={EXTRACT_MODES[0]}` to a text/html body that is a whole "
                           "news page: its story (paragraphs, headline, byline, times) is kept, "
                           "the page's navigation, ads, share buttons and related links left "
                           "out, and the page itself stored as the version's source.",
            "tags": ["versions"],
            # Open when the server has no WRITETHRU_TOKEN; the bearer token when it has one.
            "security": [{}, {"bearer": []}],
            "parameters": [*article, CONTENT_ENCODING],
            "requestBody": {"required": True, "description": "The version, in one of four "
                            "formats chosen by Content-Type.", "content": {
                "application/json": {"schema": ref("JsonSubmission")},
                **{media: {"schema": ref("NinjsDocument")} for media in NINJS_MEDIA_TYPES},
                "text/plain": {"schema": ref("TextSubmission")},
                "text/html": {"schema": ref("HtmlSubmission")},
            }},
            "responses": {
                "200": json_response("Identical to the latest version; nothing created.",
                             "IngestResult", {"Location": header("The version's URL.")}),
                "201": json_response("Saved as a new version.", "IngestResult",
                             {"Location": header("The new version's URL.")}),
                "400": problem("Invalid article id, body not UTF-8 or malformed JSON."),
                "401": problem("Missing or wrong bearer token (only when one is set)."),
                "403": problem("This server is a read-only replica (`read-only`: "
                               "WRITETHRU_READ_ONLY, or a store it cannot write); send versions "
                               "to the primary."),
                "413": problem("Body larger than the limit (default 5 MiB)."),
                "415": problem("Unsupported content type, or a Content-Encoding other than "
                                "identity (send the body uncompressed)."),
                "422": problem("No body text, more paragraphs than WRITETHRU_MAX_PARAGRAPHS, a "
                                "JSON field unknown or of the wrong type, a ninjs document "
                                "that fails its schema, or a ninjs media item (picture, "
                                "audio, video) with no text; `field` names the field."),
                "503": _retry(problem("The store cannot be written at the moment.")),
                "507": _retry(problem("The store's disk is full (`store-full`). Send the "
                                      "version again later: re-sending is safe, a version "
                                      "already saved answers 200.")),
            },
        }},
        "/api/articles/{article_id}/versions/{n}": {"get": {
            "operationId": "getVersion",
            "summary": "One version: text, paragraphs, metadata",
            "description": "A version's text, its paragraphs and the publisher's metadata. "
                           "With `Accept: application/ninjs+json`, the version as a ninjs 3.x "
                           "document.",
            "tags": ["versions"],
            "security": OPEN,
            "parameters": [*article, {
                "name": "n", "in": "path", "required": True,
                "description": "Version number from 1, or `latest`.",
                "schema": {"type": "string", "pattern": VERSION_PATTERN}}, IF_NONE_MATCH],
            "responses": {"200": _version_answer(),
                          "304": NOT_MODIFIED, "400": BAD_REQUEST, "404": NOT_FOUND,
                          "503": UNAVAILABLE},
        }},
        "/api/articles/{article_id}/diff": {"get": {
            "operationId": "getDiff",
            "summary": "The paragraph diff of two versions",
            "description": "Each paragraph of the two versions as unchanged, changed (with "
                           "word segments), added, removed, moved, split or joined, the "
                           "metadata that changed, counts, and the update digest.",
            "tags": ["diffs"],
            "security": OPEN,
            "parameters": [
                *article,
                {"name": "from", "in": "query", "required": False,
                 "description": "Older version (0: the empty story); default: the one before "
                                "`to`.",
                 "schema": {"type": "string", "pattern": FROM_PATTERN}},
                {"name": "to", "in": "query", "required": False,
                 "description": "Newer version; default: the latest.",
                 "schema": {"type": "string", "pattern": VERSION_PATTERN}},
                IGNORE,
                IF_NONE_MATCH,
            ],
            "responses": {"200": json_response("The diff.", "Diff", ETAG), "304": NOT_MODIFIED,
                          "400": BAD_REQUEST, "404": NOT_FOUND, "503": UNAVAILABLE},
        }},
        "/api/articles/{article_id}/annotate": {"get": {
            "operationId": "annotate",
            "summary": "For each paragraph, the version it first appeared in and last changed in",
            "description": "Like `git blame` by paragraph: which version brought each "
                           "paragraph in and which last changed it.",
            "tags": ["diffs"],
            "security": OPEN,
            "parameters": [*article, {
                "name": "version", "in": "query", "required": False,
                "description": "Version number or `latest` (default).",
                "schema": {"type": "string", "pattern": VERSION_PATTERN}}, IGNORE,
                IF_NONE_MATCH],
            "responses": {"200": json_response("The annotation.", "Annotation", ETAG),
                          "304": NOT_MODIFIED, "400": BAD_REQUEST, "404": NOT_FOUND,
                          "503": UNAVAILABLE},
        }},
        "/api/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document",
            "description": "The OpenAPI 3.1 document of the API, built from the code's own "
                           "definitions.",
            "tags": ["meta"],
            "security": OPEN,
            "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "4XX": TOO_LARGE_REQUEST},
        }},
        "/healthz": {"get": {
            "operationId": "health",
            "summary": "Liveness and store check",
            "description": "200 while the server is up and its store can be read; 503 when "
                           "the store cannot be read or a save found it damaged.",
            "tags": ["meta"],
            "security": OPEN,
            "responses": {"200": json_response("Up, and the store can be read.", "Health"),
                          "4XX": TOO_LARGE_REQUEST,
                          "503": problem("The store cannot be read, or is damaged.")},
        }},
        "/feed.atom": {"get": {
            "operationId": "siteFeed",
            "summary": "Atom feed: the latest version of recently updated articles",
            "description": "One entry per recently updated article, for feed readers.",
            "tags": ["feeds"],
            "security": OPEN,
            "parameters": [IF_NONE_MATCH],
            "responses": {"200": _atom(), "304": NOT_MODIFIED,
                          "4XX": _html_or_problem(TOO_LARGE_REQUEST["description"]),
                          "503": _html_or_problem("The store cannot be read.")},
        }},
        "/articles/{article_id}/feed.atom": {"get": {
            "operationId": "articleFeed",
            "summary": "Atom feed: every version of one article, newest first",
            "description": "One entry per version, saying what it changed.",
            "tags": ["feeds"],
            "security": OPEN,
            "parameters": [*article, IF_NONE_MATCH],
            "responses": {
                "200": _atom(), "304": NOT_MODIFIED,
                "400": _html_or_problem("Invalid article id."),
                "404": _html_or_problem("No such article."),
                "503": _html_or_problem("The store cannot be read."),
            },
        }},
    }


def _version_answer() -> dict:
    answer = json_response("The version (JSON), or as ninjs 3.x when asked by Accept.", "Version",
                           ETAG)
    answer["content"][NINJS] = {"schema": ref("NinjsDocument")}
    return answer


def _atom() -> dict:
    return {"description": "An Atom (RFC 4287) feed; each entry names a version, its time and "
                           "what it changed, and links to its compare page.",
            "headers": ETAG,
            "content": {ATOM: {"schema": {"type": "string"}}}}


def _retry(response: dict) -> dict:
    """Return an error response that carries Retry-After."""
    return {**response, "headers": {"Retry-After": header(
        "Seconds to wait before sending again.", {"type": "string", "pattern": "^[0-9]+$"})}}


def _html_or_problem(description: str) -> dict:
    # Pages outside /api answer errors in HTML unless the client asks for JSON.
    return {"description": description, "content": {
        "text/html": {"schema": {"type": "string"}},
        PROBLEM: {"schema": ref("Problem")},
    }}
