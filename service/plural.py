"""Counts in words: "1 paragraph", "3 paragraphs". One rule for pages, feeds and the terminal."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """Return the count and the noun, singular for exactly one (many defaults to one + 's')."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
