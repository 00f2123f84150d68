"""Submission: one version as a client sent it, the input of `GitStore.save`.

Ingest's parsers make them; the store defines them, so it takes one without importing parsers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .text import canonical_text


@dataclass(frozen=True)
class Submission:
    """One version as the client sent it: paragraphs, metadata and the original bytes.

    `meta` is the publisher's metadata (headline, byline, times, ...): with the text it makes
    a version's identity. `source_format` says how it was sent ("text", "json", "ninjs-3", ...);
    it is stored with the version but is not part of its identity, so the same story re-sent in
    another format is no new version. `warnings` says what the parser kept but did not read
    (a ninjs property it does not know, ...): told to the client, never stored.
    """

    paragraphs: list[str]
    meta: dict
    sources: dict[str, bytes] = field(default_factory=dict)
    source_format: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Return the canonical text of the paragraphs."""
        return canonical_text(self.paragraphs)
