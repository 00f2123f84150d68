"""Parsing an ingest payload (plain text, JSON, HTML or ninjs) into a Submission.

Pure: knows content types but not requests, git or Flask. Content types accepted:

- ``text/plain`` (any charset parameter; UTF-8): paragraphs as `store.text.split_text` reads them.
- ``text/html``: the text of the block elements.
- ``application/json``: ``{"body" | "body_html", "headline", "byline", "url", "label",
  "published_at", "updated_at", "editor_note"}``. An object with a ``uri`` key (a field this
  format does not have, and the one field ninjs requires), a ``$schema`` naming ninjs, or a
  ``guid`` beside a ``body_*`` field (Superdesk) is read as ninjs instead.
- ``application/ninjs+json``, ``application/vnd.iptc.ninjs+json``: always ninjs.

Wire labels and editor's notes ("1st Ld-Writethru", "Eds: UPDATES with ...") are metadata,
never body paragraphs: they come from their fields, and leading paragraphs of that shape are
taken out of a body into ``label`` / ``editor_note`` when the payload has no such field.
"""

from __future__ import annotations

import json
import re

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


#: What `extract` may ask of an HTML body: "article" finds the story in a whole page.
EXTRACT_MODES = ("article",)


def parse_payload(body: bytes, content_type: str | None, *,
                  max_paragraphs: int | None = None, extract: str | None = None) -> Submission:
    """Parse a request body by its content type into a Submission.

    extract="article" (HTML only): the page is read as a news page, its story's paragraphs,
    headline, byline and times found by the extractor the watcher uses (`ingest.article`),
    its furniture (navigation, share buttons, related links, ads) left out.

    Raises:
        UnsupportedContentType: no or unknown content type (415).
        MalformedPayload: not UTF-8, malformed JSON, JSON not an object (400).
        UnprocessablePayload: no or empty body, wrong field types, ninjs failing its schema,
            more than max_paragraphs paragraphs (422).
    """
    if extract is not None and extract not in EXTRACT_MODES:
        raise UnprocessablePayload(f"extract={extract!r} is not known; the only mode is "
                                   "'article' (find the story in a whole HTML page)",
                                   field="extract")
    submission = _parse(body, content_type, extract)
    # A story is tens or hundreds of paragraphs. Five MiB of one-word lines would be millions,
    # and every diff and page of such a "story" would cost seconds in a worker.
    if max_paragraphs is not None and len(submission.paragraphs) > max_paragraphs:
        raise UnprocessablePayload(
            f"the body has {len(submission.paragraphs):,} paragraphs; at most "
            f"{max_paragraphs:,} are taken (WRITETHRU_MAX_PARAGRAPHS)", field="body")
    return submission


def _parse(body: bytes, content_type: str | None, extract: str | None = None) -> Submission:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if not media_type:
        raise UnsupportedContentType("a Content-Type header is required")
    if extract is not None and media_type != "text/html":
        raise UnsupportedContentType(f"extract={extract} reads HTML pages; send text/html, "
                                     f"not {media_type}")
    if extract == "article":
        return _from_page(body)
    if media_type == "text/plain":
        return _from_text(body)
    if media_type == "text/html":
        return _from_html(body)
    if media_type in NINJS_TYPES:
        return from_ninjs(_json_object(body), body)
    if media_type == "application/json":
        doc = _json_object(body)
        # Superdesk's ninjs may name the item's id `guid` and send no `uri`.
        superdesk = "guid" in doc and any(k.startswith("body_") for k in doc)
        if "uri" in doc or "ninjs" in str(doc.get("$schema", "")) or superdesk:
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


#: Deepest nesting taken. ninjs nests a few levels; a deeper document is an attack or an
#: accident, and would make the parser or the schema validator recurse past Python's limit.
MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class _DuplicateKey(ValueError):
    """An object names one key twice (json.loads would silently keep the last)."""


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(f"the key {twice!r} appears twice in one object")
    return doc


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _json_object(body: bytes) -> dict:
    """Parse a JSON object, refusing what json.loads would take but cannot be stored faithfully.

    Refused with 400: malformed JSON, nesting deeper than MAX_JSON_DEPTH, duplicate keys,
    NaN and Infinity, integers too long for Python to read, and strings holding a lone
    surrogate (a \\ud800 escape is valid JSON syntax but no character: it cannot be UTF-8).
    """
    try:
        doc = json.loads(_decode(body), object_pairs_hook=_no_duplicates,
                         parse_constant=_no_constant)
    except RecursionError as exc:
        raise MalformedPayload(f"JSON nested more than {MAX_JSON_DEPTH} levels deep") from exc
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"malformed JSON: {exc}") from exc
    except ValueError as exc:  # duplicate keys, NaN, integers past Python's digit limit
        said = str(exc)
        if "integer string conversion" in said:
            said = "a number has more digits than can be read (4,300 at most)"
        raise MalformedPayload(f"malformed JSON: {said}") from exc
    if not isinstance(doc, dict):
        raise MalformedPayload(f"JSON body must be an object, not {type(doc).__name__}")
    _check_json(doc)
    return doc


def _check_json(doc: dict) -> None:
    """Raise MalformedPayload for nesting past MAX_JSON_DEPTH or a lone surrogate anywhere."""
    todo: list[tuple[object, str, int]] = [(doc, "$", 1)]
    while todo:
        value, path, depth = todo.pop()
        if depth > MAX_JSON_DEPTH:
            raise MalformedPayload(f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
                                   field=path[:200])
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if key.isidentifier() else f"{path}[{key!r}]"
                if _SURROGATE.search(key):
                    raise MalformedPayload(f"a key in {path} holds a lone surrogate "
                                           "(an escape such as \\ud800 that is no character)",
                                           field=path[:200])
                todo.append((item, where, depth + 1))
        elif isinstance(value, list):
            todo.extend((item, f"{path}[{k}]", depth + 1) for k, item in enumerate(value))
        elif isinstance(value, str) and (found := _SURROGATE.search(value)):
            raise MalformedPayload(
                f"{path} holds a lone surrogate (\\u{ord(found.group()):04x} at character "
                f"{found.start()}), which is no character and cannot be stored as UTF-8",
                field=path[:200])


def _from_text(body: bytes) -> Submission:
    return finish(split_text(_decode(body)), {}, "text", {}, None, original_text=body)


def _from_html(body: bytes) -> Submission:
    paragraphs = paragraphs_from_html(_decode(body))
    return finish(paragraphs, {}, "html", {"source/body.html": body}, None)


def _from_page(body: bytes) -> Submission:
    """A whole news page: its story found by the extractor, furniture left out."""
    from .article import NotAStory, extract

    try:
        story = extract(_decode(body), url="")
    except NotAStory as exc:
        raise UnprocessablePayload(f"no story found in the page: {exc}", field="body") from exc
    meta: dict = {}
    for key, value in (("headline", story.headline), ("byline", story.byline),
                       ("published_at", story.published_at), ("updated_at", story.updated_at),
                       ("url", story.canonical)):
        if value and value.strip():
            meta[key] = one_line(value)
    return finish(story.paragraphs, meta, "html-article", {"source/page.html": body}, "body")


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
