"""The webhook part of the OpenAPI document: subscriptions made over HTTP (bearer token only)."""

from __future__ import annotations

from typing import Any

from ...hooks.config import MIN_SECRET
from .parts import json_response, problem, ref

_AUTH: list[dict[str, list]] = [{"bearer": []}]
_ERRORS = {
    "401": problem("Missing or wrong bearer token."),
    "403": problem("The server has no WRITETHRU_TOKEN: webhooks are managed in its hooks file."),
}
_PATTERN = "^[A-Za-z0-9._\\-*?\\[\\]!]{1,128}$"


def hooks_paths() -> dict:
    """Return the paths of the webhook subscription endpoints."""
    return {
        "/api/hooks": {
            "get": {
                "operationId": "listHooks",
                "summary": "Webhook subscriptions",
                "description": "The subscriptions made over HTTP (with their ids) and those of "
                               "the server's hooks file. Secrets are never shown.",
                "tags": ["webhooks"], "security": _AUTH,
                "responses": {"200": json_response("The subscriptions.", "HookList"), **_ERRORS},
            },
            "post": {
                "operationId": "addHook",
                "summary": "Subscribe a URL to new versions",
                "description": "Every new version of the articles named (ids or globs; all when "
                               "left out) is POSTed to the URL as JSON, signed with "
                               "HMAC-SHA256 of the body under the secret in "
                               "`X-Writethru-Signature: sha256=<hex>`. Checked as the hooks "
                               "file's entries are; a URL already subscribed is refused.",
                "tags": ["webhooks"], "security": _AUTH,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": ref("HookSubscription")}}},
                "responses": {
                    "201": json_response("Subscribed.", "Hook", {"Location": {
                        "description": "Where to DELETE it.", "schema": {"type": "string"}}}),
                    **_ERRORS,
                    "415": problem("Not application/json."),
                    "422": problem("A field that cannot be used (named in `field`), or a URL "
                                   "already subscribed."),
                },
            },
        },
        "/api/hooks/{hook_id}": {"delete": {
            "operationId": "deleteHook",
            "summary": "Unsubscribe",
            "description": "Deletes a subscription made over HTTP; deliveries still queued for "
                           "it are dropped.",
            "tags": ["webhooks"], "security": _AUTH,
            "parameters": [{"name": "hook_id", "in": "path", "required": True,
                            "description": "The id the subscription was given.",
                            "schema": {"type": "string"}}],
            "responses": {"204": {"description": "Deleted."}, **_ERRORS,
                          "404": problem("No subscription with that id was made over HTTP.")},
        }},
    }


def hooks_schemas() -> dict:
    """Return the component schemas of the webhook endpoints."""
    articles: dict[str, Any] = {"type": "array", "minItems": 1,
                                "items": {"type": "string", "pattern": _PATTERN},
                                "description": "Article ids or glob patterns such as `ap-*`."}
    return {
        "HookSubscription": {
            "type": "object", "required": ["url", "secret"], "additionalProperties": False,
            "properties": {
                "url": {"type": "string", "format": "uri",
                        "pattern": "^https?://[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?(/[^#\\s]*)?$",
                        "description": "Where to POST each new version."},
                "secret": {"type": "string", "minLength": MIN_SECRET,
                           "description": "The HMAC-SHA256 key the payload is signed with."},
                "articles": articles,
                "description": {"type": "string"},
            },
        },
        "Hook": {
            "type": "object", "required": ["id", "url", "articles", "description", "created_at"],
            "properties": {
                "id": {"type": "string"}, "url": {"type": "string"}, "articles": articles,
                "description": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
        "HookList": {
            "type": "object", "required": ["subscriptions", "from_file"],
            "properties": {
                "subscriptions": {"type": "array", "items": ref("Hook")},
                "from_file": {"type": "array", "items": {
                    "type": "object", "required": ["url", "articles", "description"],
                    "properties": {"url": {"type": "string"}, "articles": articles,
                                   "description": {"type": "string"}}}},
            },
        },
    }
