"""Atom feeds (RFC 4287) of new versions: across all articles, and every version of one article.

Each entry carries what its version changed (the new and edited paragraphs, insertions and
deletions marked) as escaped HTML. Ids and links come from WRITETHRU_BASE_URL when set; without
it links name the request's host and ids are `tag:` URIs of article and commit, so a proxy, a new
hostname or a replica does not make every entry look new.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, current_app, render_template, request, url_for

from .. import config
from ..diff import describe_change, digest_of
from ..store import ArticleNotFound, StoreUnavailable, validate_article_id
from .http import conditional, current_differ, current_store, page_cache, precondition

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml"
# The site-wide feed shows this many of the most recent versions, across all articles.
SITE_ENTRIES = 100
# A story can be re-sent hundreds of times; readers want the recent ones.
MAX_ENTRIES = 200
# An entry shows at most this many changed paragraphs (a rewrite can touch hundreds).
MAX_BLOCKS = 40
# The `tag:` authority of ids made without a base URL (RFC 4151); fixed, so ids never change.
TAG = "tag:writethru,2026:"
# Bumped when the feeds' shape changes, so a client's old ETag no longer matches.
REVISION = "r3"  # r3: entries carry the update digest

# Characters XML 1.0 forbids: lxml refuses them, so they are dropped from feed text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SECOND = timedelta(seconds=1)


def _text(value) -> str:
    return _NOT_XML.sub("", str(value))


def _base() -> str:
    return config.base_url(current_app.config.get("BASE_URL", ""))


def absolute_url(endpoint: str, **values) -> str:
    """Return the absolute address of a page: under the base URL when set, else the request's."""
    base = _base()
    if not base:
        # With the mount prefix (SCRIPT_NAME), so links work behind a proxy too.
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    return base + path[len(request.script_root):]


def _self_url() -> str:
    base = _base()
    return base + request.path if base else request.base_url


def _page(article_id: str, number: int) -> str:
    """Return the page that shows what version `number` changed: its compare page, or v1 itself."""
    if number == 1:
        return absolute_url("views.version", article_id=article_id, n=1)
    return absolute_url("views.compare", article_id=article_id, spec=f"{number - 1}...{number}")


def _entry_id(article_id: str, info) -> str:
    """Return an entry's permanent id: the version page under the base URL, else a tag URI.

    The commit names the version's text, metadata and whole history, so the tag is the same
    in every replica of the store and under every hostname.
    """
    if _base():
        return absolute_url("views.version", article_id=article_id, n=info.version)
    return f"{TAG}/articles/{article_id}/versions/{info.version}/{info.commit}"


def publisher_time(meta, key: str) -> datetime | None:
    """Return meta[key] as an aware datetime when it is ISO 8601 (naive: UTC), else None."""
    raw = (meta or {}).get(key)
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def strictly_decreasing(times: list[datetime]) -> list[datetime]:
    """Return times (newest first) moved back a second where one is not older than the one above.

    Feed validators flag entries sharing an `updated` value; the order stays as given.
    """
    out: list[datetime] = []
    for when in times:
        if out and when >= out[-1]:
            when = out[-1] - _SECOND
        out.append(when)
    return out


def last_headlines(infos: list) -> list[str | None]:
    """Return, per version in order, its headline or the last one an earlier version sent."""
    out: list[str | None] = []
    known = None
    for info in infos:
        given = (info.meta.get("headline") or "").strip()
        known = given or known
        out.append(known)
    return out


@dataclass
class _Entry:
    article_id: str
    info: Any  # the store's VersionInfo
    headline: str | None
    updated: datetime
    published: datetime
    summary: str = ""
    content: str = ""
    # Ties within a second (ingest times are in seconds): fewer versions from its head, then
    # its article more recently updated (the listing's order), is newer.
    rank: tuple = ()


def _new_entry(article_id: str, info, headline: str | None) -> _Entry:
    meta = info.meta
    published = publisher_time(meta, "published_at")
    # A first version's publication is its update; later ones say so in updated_at.
    updated = publisher_time(meta, "updated_at") or (published if info.version == 1 else None)
    return _Entry(article_id, info, headline, updated or info.created_at,
                  published or info.created_at)


def _blocks(rows: list[dict], old: list[str], new: list[str], first: bool) -> list[dict]:
    """Return the paragraphs to show: added, removed and edited ones with their segments."""
    blocks: list[dict[str, Any]] = []
    for row in rows:
        kind, segments = row["kind"], row.get("segments")
        if row.get("promo") or kind in ("unchanged", "moved_away"):
            continue
        if kind == "added":
            # The first version is all new: shown as plain text, not one long insertion.
            blocks.append({"note": None, "parts": [("equal" if first else "insert",
                                                    new[row["right"]])]})
        elif kind == "removed":
            blocks.append({"note": "removed", "parts": [("delete", old[row["left"]])]})
        elif segments:  # changed, split, joined, or moved and edited
            note = {"moved": "moved", "split": "split", "joined": "joined"}.get(kind)
            if row.get("typography"):
                note = "punctuation only"
            blocks.append({"note": note, "parts": [(s["op"], s["text"]) for s in segments]})
    return blocks


def _describe(entry: _Entry, diff, old, new, digest: list[dict] | None = None) -> None:
    """Fill an entry's summary and content from its version's diff.

    The update digest (diff/digest.py) goes first in the content; the summary a feed reader
    shows is the counts in words, then the digest's first three items that are not counts.
    """
    info = entry.info
    stats = diff.stats if info.version > 1 else {"added": info.paragraphs}
    change = describe_change(stats)
    highlights = [i["text"] for i in digest or () if i["kind"] not in ("count", "more")][:3]
    entry.summary = _text(f"{change} ({info.paragraphs} paragraphs, {info.words} words)"
                          + "".join(f"; {text}" for text in highlights))
    blocks = _blocks(diff.rows, list(old.paragraphs) if old is not None else [],
                     list(new.paragraphs), info.version == 1)
    more = len(blocks) - MAX_BLOCKS
    link = _page(entry.article_id, info.version)
    entry.content = _text(render_template(
        "feeds/entry.html", digest=[i["text"] for i in digest or ()], blocks=blocks[:MAX_BLOCKS],
        more=f"… and {more} more changed paragraphs" if more > 0 else "", link=link,
        link_text="Compare with the version before" if info.version > 1 else "Read version 1"))


def _fill(article_id: str, entries: list[_Entry], head: str) -> None:
    """Diff each entry's version with the one before, reading the versions in one walk."""
    by_number = {e.info.version: e for e in entries}
    numbers = sorted({n for v in by_number for n in (v - 1, v) if n >= 1})
    differ, previous = current_differ(), None
    for version in current_store().read_many(article_id, numbers, upto=head):
        entry = by_number.get(version.version)
        if entry is not None:
            old = previous if version.version > 1 else None
            diff = differ.diff_versions(old, version)
            _describe(entry, diff, old, version, digest_of(diff, old, version))
        previous = version


def _add(feed: FeedGenerator, entries: list[_Entry]) -> None:
    """Add entries in the order given (newest first), their `updated` times strictly decreasing."""
    for entry, updated in zip(entries, strictly_decreasing([e.updated for e in entries]),
                              strict=True):
        info = entry.info
        title = f"{entry.headline or entry.article_id}: version {info.version}"
        if info.meta.get("label"):
            title += f" ({info.meta['label']})"
        item = feed.add_entry(order="append")
        item.id(_entry_id(entry.article_id, info))
        item.title(_text(title))
        item.updated(updated)
        item.published(min(entry.published, updated))
        item.link(href=_page(entry.article_id, info.version), rel="alternate", type="text/html")
        if info.meta.get("byline"):
            item.author(name=_text(info.meta["byline"]))
        if entry.content:  # empty only when the version could not be read (logged)
            item.summary(entry.summary)
            item.content(entry.content, type="html")


def _feed(title: str, feed_id: str, alternate: str, entries: list[_Entry]) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(_text(title))
    feed.author(name="writethru")
    feed.link(href=_self_url(), rel="self", type=ATOM)
    feed.link(href=alternate, rel="alternate", type="text/html")
    if entries:
        feed.updated(max(e.updated for e in entries))
    return feed


def _tag(commits: list[str]) -> str:
    # Commits name the content: the same heads give the same feed.
    return hashlib.sha1(" ".join([REVISION, *commits]).encode()).hexdigest()


def _answer(body: bytes, commits: list[str]) -> Response:
    return conditional(Response(body, mimetype=ATOM), etag=_tag(commits))


def _cache_key(kind: str, commits: list[str]) -> tuple:
    # The same heads under the same address always give the same feed.
    return (kind, _tag(commits), request.base_url, request.url_root, _base())


@bp.get("/feed.atom")
def site_feed():
    """Serve the most recent versions across all articles, newest first."""
    summaries, _cursor = current_store().list_articles(limit=SITE_ENTRIES)
    heads = [s.commit for s in summaries]
    early = precondition(lambda: _tag(heads))
    if early:
        return early
    # The heads of the recently updated articles fix every version the feed can list.
    body = page_cache().get(_cache_key("site-feed", heads), lambda: _site_feed(summaries))
    return _answer(body, heads)


def _site_feed(summaries: list) -> bytes:
    # The N newest versions belong to at most N articles, each among the N last updated.
    chosen: list[tuple[_Entry, str]] = []
    for place, summary in enumerate(summaries):
        try:
            infos = current_store().versions(summary.id, upto=summary.commit)
        except (ArticleNotFound, StoreUnavailable) as exc:
            # One article whose history cannot be read (deleted meanwhile, or damaged: see
            # writethru fsck) must not take every other article's entry down with it.
            current_app.logger.error("site feed: skipping %s: %s", summary.id, exc)
            continue
        headlines = last_headlines(infos)[-SITE_ENTRIES:]
        for info, headline in zip(infos[-SITE_ENTRIES:], headlines, strict=True):
            entry = _new_entry(summary.id, info, headline)
            entry.rank = (info.created_at, info.version - len(infos), -place)
            chosen.append((entry, summary.commit))
    chosen.sort(key=lambda c: c[0].rank, reverse=True)
    chosen = chosen[:SITE_ENTRIES]
    by_article: dict[str, tuple[list[_Entry], str]] = {}
    for entry, head in chosen:
        by_article.setdefault(entry.article_id, ([], head))[0].append(entry)
    for article_id, (entries, head) in by_article.items():
        try:
            _fill(article_id, entries, head)
        except (ArticleNotFound, StoreUnavailable) as exc:
            current_app.logger.error("site feed: no changes of %s: %s", article_id, exc)
    entries = [e for e, _head in chosen]
    entries.sort(key=lambda e: (e.updated, e.rank), reverse=True)
    feed_id = _self_url() if _base() else f"{TAG}/feed.atom"
    feed = _feed("writethru: latest versions", feed_id, absolute_url("views.index"), entries)
    _add(feed, entries)
    return feed.atom_str(pretty=True)


@bp.get("/articles/<article_id>/feed.atom")
def article_feed(article_id: str):
    """Serve every version of one article, newest first."""
    validate_article_id(article_id)
    infos = current_store().versions(article_id)
    early = precondition(lambda: _tag([infos[-1].commit]))
    if early:
        return early
    # Kept beside the rendered pages, in their share of WRITETHRU_CACHE_MB.
    key = _cache_key("feed", [infos[-1].commit])
    body = page_cache().get(key, lambda: _article_feed(article_id, infos))
    return _answer(body, [infos[-1].commit])


def _article_feed(article_id: str, infos: list) -> bytes:
    headlines = last_headlines(infos)
    entries = [_new_entry(article_id, info, headline)
               for info, headline in zip(infos, headlines, strict=True)][-MAX_ENTRIES:]
    _fill(article_id, entries, infos[-1].commit)
    entries.reverse()
    # The first version's commit makes the id this store's, not any article of the same name.
    feed_id = _self_url() if _base() else f"{TAG}/articles/{article_id}/{infos[0].commit}"
    feed = _feed(f"{headlines[-1] or article_id}: versions", feed_id,
                 absolute_url("views.timeline", article_id=article_id), entries)
    _add(feed, entries)
    return feed.atom_str(pretty=True)
