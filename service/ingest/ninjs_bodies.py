"""Choosing the text body of a ninjs item by its role and content type, and reading it.

A publisher often sends one story several ways: AP a text/plain body with no paragraph breaks
beside an XHTML one; ADDB NITF beside plain text; TT plain text, HTML5, its own XML and a
"rich" HTML5 with pictures. Markup keeps the paragraphs, so it is preferred over plain text;
a role that names the story (main, or none) over one that names something else (summary).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..store.text import split_text
from .html import paragraphs_from_html
from .nitf import read_nitf, read_xhtml

#: Rank of each kind of body: lower is preferred. "xml" is XML of an unknown vocabulary.
KIND_RANK = {"nitf": 0, "xhtml": 0, "html": 1, "text": 2, "xml": 3}
#: Roles that name the story itself; any other role ranks after them, these last of all.
STORY_ROLES = frozenset({"", "main", "text", "body", "nitf", "xhtml", "html", "html5"})
SIDE_ROLES = frozenset({"summary", "abstract", "teaser", "caption", "description", "note"})


@dataclass
class Candidate:
    """One body that could be the story's text."""

    path: str     # JSON path of its value, for errors: $.bodies[1].value, $.body_xhtml
    value: str
    kind: str     # a key of KIND_RANK
    role: str


@dataclass
class ReadBody:
    """The paragraphs of the chosen body, and what else its markup said."""

    paragraphs: list[str]
    path: str
    headline: str | None = None
    byline: str | None = None
    warnings: list[str] = field(default_factory=list)


def kind_of(content_type: str, role: str, value: str) -> str | None:
    """Return the kind of a body from its content type (or, without one, role and markup)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype:
        if "nitf" in ctype:
            return "nitf"
        if "xhtml" in ctype:
            return "xhtml"
        if "html" in ctype:
            return "html"
        if ctype == "text/plain":
            return "text"
        if ctype.endswith("xml"):
            return "xml"
        return None  # a picture, JSON, ...: not text this service can version
    hint = role.lower()
    for kind in ("nitf", "xhtml", "html"):
        if kind in hint:
            return kind
    stripped = value.lstrip()
    if not stripped.startswith("<"):
        return "text"
    return "nitf" if "<nitf" in stripped[:500].lower() else "html"


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Return the candidates, best first: story role, then markup, then position."""
    def key(item: tuple[int, Candidate]) -> tuple[int, int, int]:
        position, c = item
        role = c.role.lower()
        role_rank = 0 if role == "main" else 1 if role in STORY_ROLES else \
            3 if role in SIDE_ROLES else 2
        return role_rank, KIND_RANK[c.kind], position

    return [c for _, c in sorted(enumerate(candidates), key=key)]


def read(candidate: Candidate) -> ReadBody:
    """Read one body into paragraphs (NITF and XHTML by an XML parser)."""
    found = ReadBody([], candidate.path)
    if candidate.kind in ("nitf", "xhtml", "xml"):
        reader = read_nitf if candidate.kind == "nitf" else read_xhtml
        xml = reader(candidate.value, candidate.path)
        if xml.well_formed:
            found.paragraphs, found.headline, found.byline = xml.paragraphs, xml.headline, \
                xml.byline
            return found
        found.warnings.append(f"{candidate.path} is not well-formed XML; it was read as HTML")
        found.paragraphs = paragraphs_from_html(candidate.value)
    elif candidate.kind == "html":
        found.paragraphs = paragraphs_from_html(candidate.value)
    else:
        found.paragraphs = split_text(candidate.value)
    return found


def choose(candidates: list[Candidate]) -> ReadBody | None:
    """Read the best body that has text; the best one (empty) when none has; None without any."""
    ranked = rank(candidates)
    first: ReadBody | None = None
    for candidate in ranked:
        found = read(candidate)
        if found.paragraphs:
            return found
        first = first or found
    return first
