"""The OpenAPI 3.1 document of the HTTP API, built as data (served at /api/openapi.json)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version

from .hooks import hooks_paths, hooks_schemas
from .paths import paths
from .research import research_paths, research_schemas
from .schemas import schemas

__all__ = ["document"]


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
            {"name": "articles", "description": "The stories in the store and their histories."},
            {"name": "versions", "description": "Sending a version, and reading one back."},
            {"name": "diffs", "description": "What changed between versions, paragraph by "
                                             "paragraph, and where each paragraph came from."},
            {"name": "feeds", "description": "Atom feeds of new versions."},
            {"name": "meta", "description": "This document and the health check."},
            {"name": "research", "description": "Search across every version, and exports."},
            {"name": "webhooks", "description": "Subscriptions to new versions (bearer token)."},
        ],
        "paths": {**paths(), **research_paths(), **hooks_paths()},
        "components": {
            "schemas": {**schemas(), **research_schemas(), **hooks_schemas()},
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "The server's WRITETHRU_TOKEN; required for POST when set."}},
        },
    }
