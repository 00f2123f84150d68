"""The web wing: Flask blueprints for the JSON API, the pages and the feeds, on the store and the Differ."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
