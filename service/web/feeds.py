"""Atom feeds (RFC 4287) of new versions: across all articles, and every version of one article."""

from __future__ import annotations

import hashlib
import re

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, current_app, request, url_for

from ..diff import describe_change
from ..store import ArticleNotFound, StoreUnavailable, validate_article_id
from .http import conditional, current_differ, current_store, page_cache, precondition

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml"
# The site-wide feed shows the latest version of this many recently updated articles.
LATEST_ARTICLES = 50
# A story can be re-sent hundreds of times; readers want the recent ones.
MAX_ENTRIES = 200

# Characters XML 1.0 forbids: lxml refuses them, so they are dropped from feed text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    return _NOT_XML.sub("", str(value))


def _url(endpoint: str, **values) -> str:
    # Absolute, with the mount prefix (SCRIPT_NAME), so links work behind a proxy too.
    return url_for(endpoint, _external=True, **values)


def _page(article_id: str, number: int) -> str:
    """Return the page that shows what version `number` changed: its compare page, or v1 itself."""
    if number == 1:
        return _url("views.version", article_id=article_id, n=1)
    return _url("views.compare", article_id=article_id, spec=f"{number - 1}...{number}")


def _entry(feed: FeedGenerator, article_id: str, headline: str | None, info, stats) -> None:
    """Add one version as an entry: its number and label, its time, and what it changed."""
    change = describe_change(stats if stats is not None else {"added": info.paragraphs})
    label = info.meta.get("label")
    title = f"{info.meta.get('headline') or headline or article_id}: version {info.version}"
    if label:
        title += f" ({label})"
    entry = feed.add_entry(order="append")
    # The version page is the entry's permanent address; it never changes meaning.
    entry.id(_url("views.version", article_id=article_id, n=info.version))
    entry.title(_text(title))
    entry.updated(info.created_at)
    entry.published(info.created_at)
    entry.link(href=_page(article_id, info.version), rel="alternate", type="text/html")
    if info.meta.get("byline"):
        entry.author(name=_text(info.meta["byline"]))
    entry.summary(_text(f"{change} ({info.paragraphs} paragraphs, {info.words} words)"))


def _feed(title: str, alternate: str, entries_at) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(request.base_url)
    feed.title(_text(title))
    feed.author(name="writethru")
    feed.link(href=request.base_url, rel="self", type=ATOM)
    feed.link(href=alternate, rel="alternate", type="text/html")
    if entries_at:
        feed.updated(max(entries_at))
    return feed


def _tag(commits: list[str]) -> str:
    # Commits name the content: the same heads give the same feed.
    return hashlib.sha1(" ".join(commits).encode()).hexdigest()


def _answer(feed: FeedGenerator | bytes, commits: list[str]) -> Response:
    body = feed if isinstance(feed, bytes) else feed.atom_str(pretty=True)
    return conditional(Response(body, mimetype=ATOM), etag=_tag(commits))


@bp.get("/feed.atom")
def site_feed():
    """Serve the latest version of each recently updated article."""
    store = current_store()
    summaries, _cursor = store.list_articles(limit=LATEST_ARTICLES)
    early = precondition(lambda: _tag([s.commit for s in summaries]))
    if early:
        return early
    feed = _feed("writethru: latest versions", _url("views.index"),
                 [s.updated_at for s in summaries])
    differ = current_differ()
    for summary in summaries:
        try:
            infos = store.versions(summary.id)
        except (ArticleNotFound, StoreUnavailable) as exc:
            # One article whose history cannot be read (deleted meanwhile, or damaged: see
            # writethru fsck) must not take every other article's entry down with it.
            current_app.logger.error("site feed: skipping %s: %s", summary.id, exc)
            continue
        latest = infos[-1]
        stats = differ.change_stats(summary.id, infos[-2:])[-1] if len(infos) > 1 else None
        _entry(feed, summary.id, summary.headline, latest, stats)
    return _answer(feed, [s.commit for s in summaries])


@bp.get("/articles/<article_id>/feed.atom")
def article_feed(article_id: str):
    """Serve every version of one article, newest first."""
    validate_article_id(article_id)
    store = current_store()
    infos = store.versions(article_id)
    early = precondition(lambda: _tag([infos[-1].commit]))
    if early:
        return early
    # Building 200 entries takes ~10 ms; the same head (and address) always gives the same feed.
    # Kept beside the rendered pages, in their share of WRITETHRU_CACHE_MB.
    key = ("feed", infos[-1].commit, request.base_url, request.url_root)
    body = page_cache().get(key, lambda: _article_feed(article_id, infos))
    return _answer(body, [infos[-1].commit])


def _article_feed(article_id: str, infos: list) -> bytes:
    recent = infos[-MAX_ENTRIES - 1:]
    stats = current_differ().change_stats(article_id, recent)
    if len(recent) > MAX_ENTRIES:
        # The oldest one read only served as the base of the next one's change.
        recent, stats = recent[1:], stats[1:]
    headline = infos[-1].meta.get("headline")
    feed = _feed(f"{headline or article_id}: versions",
                 _url("views.timeline", article_id=article_id), [infos[-1].created_at])
    for info, change in reversed(list(zip(recent, stats, strict=True))):
        _entry(feed, article_id, headline, info, change)
    return feed.atom_str(pretty=True)
