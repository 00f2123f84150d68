"""Reading fields of a JSON payload, and turning parsed paragraphs and fields into a Submission."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ..store.submission import Submission
from ..store.text import canonical_text
from .errors import UnprocessablePayload

EDS_RE = re.compile(r"^(?:Eds?|Editors?|Editor'?s note)\s*:", re.IGNORECASE)
LABEL_RE = re.compile(
    r"^(?:\d+(?:st|nd|rd|th)\s+)?(?:Ld-)?Writethru\b.{0,80}$|^\d+(?:st|nd|rd|th)\s+Ld\b.{0,80}$",
    re.IGNORECASE,
)


@cache
def format_checker() -> Any:
    """Return jsonschema's format checker (date-time, uri), imported on first use.

    jsonschema with its format checkers takes about a second to import; a CLI command or a
    plain-text POST should not pay for it.
    """
    from jsonschema import Draft202012Validator

    return Draft202012Validator.FORMAT_CHECKER


def one_line(value: str) -> str:
    """Collapse white space (newlines included) to single spaces."""
    return " ".join(value.split())


def string_field(doc: dict, key: str, path: str | None = None) -> str | None:
    """Return a stripped string field, None when absent, null or blank; 422 if not a string."""
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UnprocessablePayload(
            f"{path or key} must be a string, not {type(value).__name__}", field=path or key
        )
    return value if value.strip() else None


def finish(paragraphs: list[str], meta: dict, fmt: str, sources: dict[str, bytes],
            body_field: str | None, original_text: bytes | None = None) -> Submission:
    """Move leading wire labels / editor's notes into meta, check the body, build it.

    ``original_text`` (plain-text payloads) is kept as a source unless the canonical text
    is byte for byte the same.
    """
    paragraphs = list(paragraphs)
    pulled: dict[str, list[str]] = {"editor_note": [], "label": []}
    while paragraphs:
        if EDS_RE.match(paragraphs[0]):
            pulled["editor_note"].append(paragraphs.pop(0))
        elif LABEL_RE.match(paragraphs[0]):
            pulled["label"].append(paragraphs.pop(0))
        else:
            break
    for key, values in pulled.items():
        if values and key not in meta:
            meta[key] = " ".join(values)
    if not paragraphs:
        raise UnprocessablePayload("the body has no text", field=body_field)
    if original_text is not None and canonical_text(paragraphs).encode("utf-8") != original_text:
        sources["source/original.txt"] = original_text
    return Submission(paragraphs=paragraphs, meta=meta, sources=sources, source_format=fmt)
