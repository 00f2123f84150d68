"""Reading feeds (RSS and Atom, with feedparser): the article links they list."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit


class NotAFeed(ValueError):
    """The document is no RSS or Atom feed."""


@dataclass(frozen=True)
class Entry:
    """One item of a feed: its link and, when the feed says, its publication time."""

    url: str
    published: float | None = None


def entries(body: bytes, feed_url: str) -> list[Entry]:
    """Return a feed's entries with a web link, newest first as listed; raise NotAFeed."""
    import calendar

    import feedparser  # type: ignore[import-untyped]

    parsed = feedparser.parse(body, response_headers={"content-location": feed_url})
    version = parsed.get("version") or ""
    if not version:
        why = parsed.get("bozo_exception")
        raise NotAFeed(f"not an RSS or Atom feed{f' ({why})' if why else ''}")
    found = []
    for item in parsed.entries:
        link = item.get("link") or next((li.get("href") for li in item.get("links", [])
                                         if li.get("href")), None)
        if not link:
            continue
        url = urljoin(feed_url, link)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        when = item.get("published_parsed") or item.get("updated_parsed")
        found.append(Entry(url, float(calendar.timegm(when)) if when else None))
    return list({e.url: e for e in reversed(found)}.values())[::-1]
