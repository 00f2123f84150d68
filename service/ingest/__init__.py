"""Payloads to versions: plain text, JSON, HTML and ninjs parsed into a Submission (no Flask, no git)."""

from __future__ import annotations

from ..store.submission import Submission
from .errors import IngestError, MalformedPayload, UnprocessablePayload, UnsupportedContentType
from .ninjs import ninjs_version
from .payload import parse_payload

__all__ = [
    "IngestError", "MalformedPayload", "Submission", "UnprocessablePayload",
    "UnsupportedContentType", "ninjs_version", "parse_payload",
]
