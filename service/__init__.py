"""writethru: every version of a news story in git, and how it changed, paragraph by paragraph.

Wings: `store` (git), `diff` (the engine and the Differ), `ingest` (payloads), `web` (Flask),
`cli` (click); docs/ARCHITECTURE.md describes them. Importing this package loads none of them,
so `writethru --help` does not pay for Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create the web app (see service.web.app.create_app)."""
    from .web.app import create_app as create

    return create(test_config)
