"""Extracting a story from a news page: paragraphs, headline, byline and the publisher's times.

trafilatura finds the main text (news researchers' extractor of choice); furniture it lets
through (a repeated byline, "Advertisement", share prompts) is dropped here by pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

FURNITURE = re.compile(
    r"^(?:advertisement|advertisment|sponsored( content)?|ad|"
    r"share (this|on)\b.{0,40}|email this( story| article)?|"
    r"(related|more) (stories|articles|from)\b.{0,40}|read more\b.{0,40}|"
    r"sign up\b.{0,120}|subscribe\b.{0,80}|follow us\b.{0,60}|"
    r"(photo|image)( credit)?:.{0,80}|©.{0,120}|all rights reserved\.?)$",
    re.IGNORECASE)


class NotAStory(ValueError):
    """The page is no story: broken beyond reading, or no main text found."""


@dataclass(frozen=True)
class Story:
    """What a page says: its paragraphs and the publisher's metadata."""

    paragraphs: list[str]
    headline: str = ""
    byline: str = ""
    published_at: str | None = None
    updated_at: str | None = None
    canonical: str | None = None
    meta: dict = field(default_factory=dict)


def extract(html: bytes | str, url: str, *, drop: tuple[str, ...] = (),
            favor: str = "precision") -> Story:
    """Return the story on a page, or raise NotAStory (no main text, not parseable)."""
    import lxml.etree  # type: ignore[import-untyped]
    import trafilatura

    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    try:
        xml = trafilatura.extract(
            html, url=url, output_format="xml", with_metadata=True, include_comments=False,
            include_tables=False, favor_precision=favor == "precision",
            favor_recall=favor == "recall", deduplicate=False)
    except Exception as exc:  # trafilatura raises whatever lxml raises on hopeless input
        raise NotAStory(f"cannot parse the page: {exc}") from exc
    if not xml:
        raise NotAStory("no main text found on the page")
    doc = lxml.etree.fromstring(xml.encode("utf-8"))
    headline = _clean(doc.get("title") or "")
    byline = _clean(doc.get("author") or "")
    patterns = [re.compile(p, re.IGNORECASE) for p in drop]
    paragraphs = []
    for node in doc.iterfind("./main//"):
        if node.tag not in ("p", "head", "item", "quote") or _inside_block(node):
            continue
        text = _clean(" ".join(node.itertext()))
        if not text or _furniture(text, headline, byline, patterns):
            continue
        paragraphs.append(text)
    if not paragraphs:
        raise NotAStory("the page's main text is only page furniture")
    times = page_times(html)
    return Story(paragraphs, headline, byline,
                 times.get("published") or _day(doc.get("date")), times.get("modified"),
                 times.get("canonical"))


def _inside_block(node) -> bool:
    """Tell whether a text node sits inside another one taken whole (a <p> in a <quote>)."""
    parent = node.getparent()
    while parent is not None and parent.tag != "main":
        if parent.tag in ("p", "item", "quote", "head"):
            return True
        parent = parent.getparent()
    return False


def _clean(text: str) -> str:
    return " ".join(text.split())


def _furniture(text: str, headline: str, byline: str, patterns) -> bool:
    bare = text.strip(" .:|·-")
    if FURNITURE.match(bare) or any(p.search(text) for p in patterns):
        return True
    if headline and bare == headline:
        return True
    # The byline repeated in the body ("By Mary Keane", "Mary Keane, Political Editor").
    return bool(byline) and len(bare) < len(byline) + 40 and re.sub(
        r"^by\s+", "", bare, flags=re.IGNORECASE).startswith(byline)


def page_times(html: str) -> dict:
    """Return the page's canonical URL and publisher times from its <meta>/<link> tags."""
    import lxml.html  # type: ignore[import-untyped]

    found: dict = {}
    try:
        root = lxml.html.document_fromstring(html)
    except Exception:  # lxml refuses empty or hopeless documents: no times, not an error
        return found
    for tag in root.iter("meta", "link"):
        name = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if tag.tag == "link" and (tag.get("rel") or "").lower() == "canonical":
            found.setdefault("canonical", tag.get("href"))
        elif name in ("article:published_time", "datepublished", "og:published_time"):
            found.setdefault("published", rfc3339(tag.get("content")))
        elif name in ("article:modified_time", "datemodified", "og:updated_time"):
            found.setdefault("modified", rfc3339(tag.get("content")))
    return {k: v for k, v in found.items() if v}


def rfc3339(value: str | None) -> str | None:
    """Return value as an RFC 3339 UTC time (what the ingest takes), None if unreadable."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:  # a page's local time without zone: taken as UTC, said plainly
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: str | None) -> str | None:
    return rfc3339(value + "T00:00:00") if value and len(value) == 10 else None
