"""HTTP plumbing shared by the blueprints: the app's services, conditional answers, URL rules."""

from __future__ import annotations

from flask import Response, current_app, json, redirect, request
from werkzeug.routing import BaseConverter

from ..diff import Differ
from ..store import GitStore

# Part of every given ETag: bump it when a representation changes, so caches drop the old shape.
REPRESENTATION_REVISION = "r2"  # r2: diffs carry `meta` and row `typography`
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def current_store() -> GitStore:
    """Return the app's store (made once in create_app)."""
    return current_app.extensions["store"]


def current_differ() -> Differ:
    """Return the app's Differ (made once in create_app)."""
    return current_app.extensions["differ"]


def conditional(resp: Response, *, etag: str | None = None,
                cache_control: str = REVALIDATE) -> Response:
    """Tag an answer (given tag, or a hash of the body) and answer 304 when the client has it.

    The one conditional-GET path of the app: JSON, pages and feeds all go through it.
    """
    if etag:
        resp.set_etag(f"{etag}.{REPRESENTATION_REVISION}")
    else:
        resp.add_etag()
    resp.headers["Cache-Control"] = cache_control
    # In place; it returns resp itself, but typed as werkzeug's Response rather than Flask's.
    resp.make_conditional(request)
    return resp


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
