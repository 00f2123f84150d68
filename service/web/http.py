"""HTTP plumbing shared by the blueprints: the app's services, conditional answers, URL rules."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from flask import Flask, Response, current_app, json, redirect, request
from werkzeug.routing import BaseConverter

from .. import config
from ..diff import Differ
from ..diff.facts import ENGINE_VERSION
from ..lru import LRU
from ..store import GitStore

# Part of every given ETag: bump it when a representation changes, so caches drop the old shape.
REPRESENTATION_REVISION = "r3"  # r2: diffs carry `meta` and row `typography`; r3: `digest`
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def current_store() -> GitStore:
    """Return the app's store (made once in create_app)."""
    return current_app.extensions["store"]


def current_differ() -> Differ:
    """Return the app's Differ (made once in create_app)."""
    return current_app.extensions["differ"]


def page_cache() -> LRU:
    """Return the app's cache of rendered pages and built feeds (bytes, bounded by bytes)."""
    return current_app.extensions["pages"]


def new_page_cache(settings: dict) -> LRU:
    """Return an empty page cache holding at most the "pages" share of CACHE_MB."""
    return LRU(config.cache_bytes(settings, "pages"), weigh=len)


def _given(etag: str) -> str:
    return f"{etag}.{REPRESENTATION_REVISION}"


def _tag(resp: Response, etag: str | None, cache_control: str) -> Response:
    if etag:
        resp.set_etag(_given(etag))
    else:
        resp.add_etag()
    resp.headers["Cache-Control"] = cache_control
    return resp


# The request headers that can make an answer conditional (werkzeug's make_conditional reads them).
_CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
               "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE")


def conditional(resp: Response, *, etag: str | None = None,
                cache_control: str = REVALIDATE) -> Response:
    """Tag an answer (given tag, or a hash of the body) and answer 304 when the client has it.

    The one conditional-GET path of the app: JSON, pages and feeds all go through it;
    `precondition` asks the same question before any work.
    """
    _tag(resp, etag, cache_control)
    environ = request.environ
    if any(name in environ for name in _CONDITIONS):  # else there is nothing to compare
        # In place; it returns resp itself, but typed as werkzeug's Response rather than Flask's.
        resp.make_conditional(request)
    return resp


def precondition(etag: Callable[[], str | None], *,
                 cache_control: str = REVALIDATE) -> Response | None:
    """Return the 304 for the answer that etag() names when the client has it, else None.

    Called before any text is read or page rendered. etag is only called when the request
    carries If-None-Match, so a plain GET pays nothing for it; it returns None when it cannot
    name the answer (a version that is not there: the handler says why). The comparison is
    werkzeug's, weak as RFC 9110 asks for If-None-Match, the one `conditional` makes.
    """
    if not request.if_none_match:
        return None
    tag = etag()
    if tag is None or not request.if_none_match.contains_weak(_given(tag)):
        return None
    return _tag(Response(status=304), tag, cache_control)


def commit_of(infos: Sequence, spec: int | str) -> str | None:
    """Return the commit of version spec (a number, 0: the empty story, "latest") in a history.

    None when the history has no such version; "" for the empty story.
    """
    number = len(infos) if spec == "latest" else spec
    if number == 0:
        return ""
    if isinstance(number, int) and 1 <= number <= len(infos):
        return infos[number - 1].commit
    return None


def page_tag(*parts: object) -> str:
    """Return an ETag naming a page by what it shows (commits, parameters) and how (templates)."""
    named = "\x1f".join(str(p) for p in (*parts, asset_revision()))
    return hashlib.sha1(named.encode()).hexdigest()


def asset_revision() -> str:
    """Return the revision of how pages are made (set by create_app: see page_revision)."""
    return current_app.extensions["asset_revision"]


def page_revision(app: Flask) -> str:
    """Return a hash of what renders pages: templates, static files, the web wing's code, the engine.

    Part of every page's tag and cache key: a deployment that changes any of them changes every
    page's ETag, so no browser keeps a page in the old layout or with the old reading. Made once
    in create_app (in gunicorn's master), so it names the code this process runs, not files
    copied in place after it started.
    """
    digest = hashlib.sha1(ENGINE_VERSION.encode())
    web = Path(__file__).parent
    folders = [Path(app.root_path) / (app.template_folder or "templates"), config.STATIC_DIR]
    files = [(folder, p) for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]
    files += [(web, p) for p in sorted(web.rglob("*.py"))]
    for folder, path in files:
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def conditional_json(body, *, etag: str | None = None, cache_control: str = REVALIDATE,
                     headers: dict | None = None, status: int = 200) -> Response:
    """Answer JSON through `conditional`."""
    resp = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return conditional(resp, etag=etag, cache_control=cache_control)


class AnyTextConverter(BaseConverter):
    """Match any path segment text, slashes and newlines included, so validation sees it whole.

    Werkzeug's `path` converter stops at a newline; an id like "a\\nb" would then get a bare 404
    instead of the 400 that names what is wrong with it.
    """

    regex = r"[\s\S]+?"
    part_isolating = False


def strip_trailing_slash():
    """Redirect `/articles/x/` to `/articles/x`: people type and paste such addresses."""
    path = request.path
    if len(path) > 1 and path.endswith("/") and not path.startswith("/static/"):
        target = path.rstrip("/") or "/"
        query = request.query_string.decode("latin-1")
        return redirect(target + (f"?{query}" if query else ""), code=308)
    return None
