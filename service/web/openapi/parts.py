"""Building blocks of the OpenAPI document: parameters, responses, headers, patterns."""


from __future__ import annotations

from ...diff.ignore import IGNORABLE
from ...store import ARTICLE_ID_PATTERN, ARTICLE_ID_RULE
from ..problems import PROBLEM_JSON

PROBLEM = PROBLEM_JSON
ATOM = "application/atom+xml"
NINJS = "application/ninjs+json"
#: The `security` of an open operation: no credentials (without it, linters and generators
#: cannot tell open reads from operations that forgot to say).
OPEN: list = []

# The article id rule, as the store enforces it (one pattern, so the two cannot drift).
ID_PATTERN = ARTICLE_ID_PATTERN
VERSION_PATTERN = "^([1-9][0-9]{0,8}|latest)$"
FROM_PATTERN = "^(0|[1-9][0-9]{0,8}|latest)$"


def ref(name: str) -> dict:
    """Return a $ref to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def problem(description: str) -> dict:
    """Return an error response: a problem+json document."""
    return {"description": description, "content": {PROBLEM: {"schema": ref("Problem")}}}


def json_response(description: str, schema: str, headers: dict | None = None) -> dict:
    """Return a JSON response of a component schema, with optional headers."""
    out = {"description": description, "content": {"application/json": {"schema": ref(schema)}}}
    if headers:
        out["headers"] = headers
    return out


def header(description: str, schema: dict | None = None) -> dict:
    """Return a response header object (a string unless schema says otherwise)."""
    return {"description": description, "schema": schema or {"type": "string"}}


ETAG = {
    "ETag": header("Entity tag; send it back in If-None-Match to get 304 when unchanged."),
    "Cache-Control": header("`immutable` where the URL names a fixed version, else `no-cache`."),
}
NOT_MODIFIED = {"description": "Not modified: the If-None-Match tag matches.",
                 "headers": {"ETag": header("The entity tag.")}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                  "description": "An ETag from an earlier answer.", "schema": {"type": "string"}}
ARTICLE_ID = {
    "name": "article_id", "in": "path", "required": True,
    "description": f"Article id: {ARTICLE_ID_RULE}.",
    "schema": {"type": "string", "pattern": ID_PATTERN, "minLength": 1, "maxLength": 128},
    "example": "ap-troops-eastern-europe",
}
# The ingest handler reads it (anything but identity: 415). Listed also because
# openapi-python-client 0.29 imports `Unset`, which its code for a body of several media types
# names, only when the operation has an optional parameter (its issue #1451).
CONTENT_ENCODING = {"name": "Content-Encoding", "in": "header", "required": False,
                    "description": "Only `identity`: send the body uncompressed.",
                    "schema": {"type": "string", "enum": ["identity"]}}
IGNORE = {"name": "ignore", "in": "query", "required": False,
           "description": "`typography`: compare quotes, dashes, white space and Unicode forms "
                          "as equal.",
           "schema": {"enum": list(IGNORABLE)}}
# A plain-text body needs some text: an empty or all-white-space body gets 422.
TEXT = {"type": "string", "pattern": "\\S"}
BAD_REQUEST = problem("Invalid article id or parameter.")
NOT_FOUND = problem("No such article or version.")
UNAVAILABLE = problem("The store cannot be read.")
# Any request can be refused before it reaches a route: a URL or headers too long.
TOO_LARGE_REQUEST = problem("The request cannot be taken: URL or headers too long (414, 431).")
