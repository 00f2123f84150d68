"""Atom feeds (RFC 4287) of new versions: across all articles, and every version of one article."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote, urljoin

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, current_app, request

from . import diffcache
from .http import current_store
from .store import validate_article_id
from .summary import describe_change

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml"
# The site-wide feed shows the latest version of this many recently updated articles.
LATEST_ARTICLES = 50
# A story can be re-sent hundreds of times; readers want the recent ones.
MAX_ENTRIES = 200

# Built article feeds kept by head commit and address (a few hundred KB at most each).
_BUILT = "writethru.built_feeds"
BUILT_FEEDS = 32

# Characters XML 1.0 forbids: lxml refuses them, so they are dropped from feed text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    return _NOT_XML.sub("", str(value))


def _url(path: str) -> str:
    # url_root keeps a mount prefix (SCRIPT_NAME), so links work behind a proxy too.
    return urljoin(request.url_root, path.lstrip("/"))


def _page(article_id: str, number: int) -> str:
    """Return the page that shows what version `number` changed: its compare page, or v1 itself."""
    aid = quote(article_id)
    if number == 1:
        return _url(f"/articles/{aid}/versions/1")
    return _url(f"/articles/{aid}/compare/{number - 1}...{number}")


def _entry(feed: FeedGenerator, article_id: str, headline: str | None, info, stats) -> None:
    """Add one version as an entry: its number and label, its time, and what it changed."""
    change = describe_change(stats if stats is not None else {"added": info.paragraphs})
    label = info.meta.get("label")
    title = f"{info.meta.get('headline') or headline or article_id}: version {info.version}"
    if label:
        title += f" ({label})"
    entry = feed.add_entry(order="append")
    # The version page is the entry's permanent address; it never changes meaning.
    entry.id(_url(f"/articles/{quote(article_id)}/versions/{info.version}"))
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


def _answer(feed: FeedGenerator | bytes, commits: list[str]) -> Response:
    body = feed if isinstance(feed, bytes) else feed.atom_str(pretty=True)
    resp = Response(body, mimetype=ATOM)
    # Commits name the content: the same heads give the same feed.
    resp.set_etag(hashlib.sha1(" ".join(commits).encode()).hexdigest())
    resp.headers["Cache-Control"] = "no-cache"
    return resp.make_conditional(request)


@bp.get("/feed.atom")
def site_feed():
    """Serve the latest version of each recently updated article."""
    store = current_store()
    summaries, _cursor = store.list_articles(limit=LATEST_ARTICLES)
    feed = _feed("writethru: latest versions", _url("/"), [s.updated_at for s in summaries])
    promo = current_app.config["PROMO_PATTERN"]
    for summary in summaries:
        infos = store.versions(summary.id)
        latest = infos[-1]
        stats = diffcache.change_stats(store, summary.id, infos[-2:], promo)[-1] \
            if len(infos) > 1 else None
        _entry(feed, summary.id, summary.headline, latest, stats)
    return _answer(feed, [s.commit for s in summaries])


@bp.get("/articles/<article_id>/feed.atom")
def article_feed(article_id: str):
    """Serve every version of one article, newest first."""
    validate_article_id(article_id)
    store = current_store()
    infos = store.versions(article_id)
    promo = current_app.config["PROMO_PATTERN"]
    # Building 200 entries takes ~10 ms; the same head (and address) always gives the same feed.
    cache = current_app.extensions.setdefault(_BUILT, diffcache.LRU(BUILT_FEEDS))
    key = (infos[-1].commit, promo, request.base_url, request.url_root)
    body = cache.get(key, lambda: _article_feed(store, article_id, infos, promo))
    return _answer(body, [infos[-1].commit])


def _article_feed(store, article_id: str, infos: list, promo: str) -> bytes:
    recent = infos[-MAX_ENTRIES - 1:]
    stats = diffcache.change_stats(store, article_id, recent, promo)
    if len(recent) > MAX_ENTRIES:
        # The oldest one read only served as the base of the next one's change.
        recent, stats = recent[1:], stats[1:]
    headline = infos[-1].meta.get("headline")
    feed = _feed(f"{headline or article_id}: versions",
                 _url(f"/articles/{quote(article_id)}"), [infos[-1].created_at])
    for info, change in reversed(list(zip(recent, stats, strict=True))):
        _entry(feed, article_id, headline, info, change)
    return feed.atom_str(pretty=True)
