"""Small HTTP helpers shared by the blueprints: conditional JSON answers with ETags."""

from __future__ import annotations

import hashlib

from flask import Response, current_app, json, redirect, request
from werkzeug.routing import BaseConverter


def current_store():
    """Return the app's store (set up once in create_app)."""
    return current_app.extensions["store"]


# Part of every ETag: bump it when a representation changes, so caches drop the old shape.
REPRESENTATION_REVISION = "r1"


def conditional_json(body, *, etag: str | None = None, cache_control: str = "no-cache",
                     headers: dict | None = None, status: int = 200) -> Response:
    """Answer JSON with an ETag (given, or a hash of the body) and 304 when the client has it."""
    data = json.dumps(body)
    resp = Response(data, status=status, mimetype="application/json")
    tag = f"{etag}.{REPRESENTATION_REVISION}" if etag else hashlib.sha1(data.encode()).hexdigest()
    resp.set_etag(tag)
    resp.headers["Cache-Control"] = cache_control
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp.make_conditional(request)


class AnyTextConverter(BaseConverter):
    """Match any path segment text, slashes and newlines included, so validation sees it whole.

    Werkzeug's `path` converter stops at a newline; an id like "a\nb" would then get a bare 404
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
