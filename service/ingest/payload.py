"""Parsing an ingest payload (plain text, JSON, HTML or ninjs) into a Submission.

Pure: knows content types but not requests, git or Flask. Content types accepted:

- ``text/plain`` (any charset parameter; UTF-8): paragraphs as `store.text.split_text` reads them.
- ``text/html``: the text of the block elements.
- ``application/json``: ``{"body" | "body_html", "headline", "byline", "url", "label",
  "published_at", "updated_at", "editor_note"}``. An object with a ``uri`` key (a field this
  format does not have, and the one field ninjs requires) or a ``$schema`` naming ninjs is
  read as ninjs instead.
- ``application/ninjs+json``, ``application/vnd.iptc.ninjs+json``: always ninjs.

Wire labels and editor's notes ("1st Ld-Writethru", "Eds: UPDATES with ...") are metadata,
never body paragraphs: they come from their fields, and leading paragraphs of that shape are
taken out of a body into ``label`` / ``editor_note`` when the payload has no such field.
"""

from __future__ import annotations

import json

from ..store.submission import Submission
from ..store.text import split_text
from .errors import IngestError, MalformedPayload, UnprocessablePayload, UnsupportedContentType
from .fields import finish, format_checker, one_line, string_field
from .html import paragraphs_from_html
from .ninjs import NINJS_TYPES, from_ninjs

__all__ = ["IngestError", "parse_payload"]

JSON_FIELDS = ("body", "body_html", "headline", "byline", "url", "label", "published_at",
               "updated_at", "editor_note")
_TIME_FIELDS = ("published_at", "updated_at")


def parse_payload(body: bytes, content_type: str | None, *,
                  max_paragraphs: int | None = None) -> Submission:
    """Parse a request body by its content type into a Submission.

    Raises:
        UnsupportedContentType: no or unknown content type (415).
        MalformedPayload: not UTF-8, malformed JSON, JSON not an object (400).
        UnprocessablePayload: no or empty body, wrong field types, ninjs failing its schema,
            more than max_paragraphs paragraphs (422).
    """
    submission = _parse(body, content_type)
    # A story is tens or hundreds of paragraphs. Five MiB of one-word lines would be millions,
    # and every diff and page of such a "story" would cost seconds in a worker.
    if max_paragraphs is not None and len(submission.paragraphs) > max_paragraphs:
        raise UnprocessablePayload(
            f"the body has {len(submission.paragraphs):,} paragraphs; at most "
            f"{max_paragraphs:,} are taken (WRITETHRU_MAX_PARAGRAPHS)", field="body")
    return submission


def _parse(body: bytes, content_type: str | None) -> Submission:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if not media_type:
        raise UnsupportedContentType("a Content-Type header is required")
    if media_type == "text/plain":
        return _from_text(body)
    if media_type == "text/html":
        return _from_html(body)
    if media_type in NINJS_TYPES:
        return from_ninjs(_json_object(body), body)
    if media_type == "application/json":
        doc = _json_object(body)
        if "uri" in doc or "ninjs" in str(doc.get("$schema", "")):
            return from_ninjs(doc, body)
        return _from_json(doc, body)
    raise UnsupportedContentType(
        f"unsupported content type {media_type!r}; use text/plain, text/html, "
        "application/json or application/ninjs+json"
    )


def _decode(body: bytes) -> str:
    try:
        # utf-8-sig: a byte-order mark is an encoding artefact, not text.
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedPayload(f"body is not valid UTF-8 (byte {exc.start})") from exc


def _json_object(body: bytes) -> dict:
    try:
        doc = json.loads(_decode(body))
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"malformed JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedPayload(f"JSON body must be an object, not {type(doc).__name__}")
    return doc


def _from_text(body: bytes) -> Submission:
    return finish(split_text(_decode(body)), {}, "text", {}, None, original_text=body)


def _from_html(body: bytes) -> Submission:
    paragraphs = paragraphs_from_html(_decode(body))
    return finish(paragraphs, {}, "html", {"source/body.html": body}, None)


def _from_json(doc: dict, body: bytes) -> Submission:
    unknown = sorted(set(doc) - set(JSON_FIELDS))
    if unknown:
        raise UnprocessablePayload(
            f"unknown field {unknown[0]!r}; expected {', '.join(JSON_FIELDS)}", field=unknown[0]
        )
    values = {key: string_field(doc, key) for key in JSON_FIELDS}
    if "body" in doc and "body_html" in doc:
        raise UnprocessablePayload("give either body or body_html, not both", field="body_html")
    if "body" not in doc and "body_html" not in doc:
        raise UnprocessablePayload("a body (or body_html) field is required", field="body")
    meta: dict = {}
    for key in ("headline", "byline", "url", "label", "editor_note", *_TIME_FIELDS):
        value = values[key]
        if value is not None:
            meta[key] = one_line(value)
    for key in _TIME_FIELDS:
        if key in meta and not format_checker().conforms(meta[key], "date-time"):
            raise UnprocessablePayload(
                f"{key} must be an RFC 3339 date-time such as 2022-02-02T14:05:00Z", field=key
            )
    if "url" in meta and not format_checker().conforms(meta["url"], "uri"):
        raise UnprocessablePayload("url must be an absolute URI", field="url")
    sources = {"source/body.json": body}
    if "body_html" in doc:
        paragraphs = paragraphs_from_html(values["body_html"] or "")
        return finish(paragraphs, meta, "html", sources, "body_html")
    return finish(split_text(values["body"] or ""), meta, "json", sources, "body")
