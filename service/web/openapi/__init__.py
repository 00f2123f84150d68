"""The OpenAPI 3.1 document of the HTTP API, built as data (served at /api/openapi.json)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version

from .paths import paths
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
            {"name": "articles"}, {"name": "versions"}, {"name": "diffs"}, {"name": "feeds"},
            {"name": "meta"},
        ],
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "The server's WRITETHRU_TOKEN; required for POST when set."}},
        },
    }
