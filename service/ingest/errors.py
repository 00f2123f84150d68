"""Why a payload cannot become a version: each maps to one HTTP status and one CLI message."""

from __future__ import annotations


class IngestError(ValueError):
    """A payload that cannot become a version; ``detail`` says why, ``field`` where."""

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class MalformedPayload(IngestError):
    """The bytes cannot be read at all: not UTF-8, malformed JSON, JSON not an object."""


class UnsupportedContentType(IngestError):
    """The content type is missing or not one this service reads."""


class UnprocessablePayload(IngestError):
    """Readable, but not a usable version: no body, empty body, wrong field types, bad ninjs."""
