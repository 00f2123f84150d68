"""Headers for browsers: CORS for pages on other origins, and nosniff on every answer.

Reads (the API, the feeds, /healthz) are open to every origin by default (WRITETHRU_CORS_ORIGINS);
POST is open to none unless WRITETHRU_CORS_WRITE_ORIGINS lists exact origins, and a POST that a
browser sends from any other origin is refused before it is read. No answer allows credentials:
the token travels in the Authorization header, which CORS allows without cookies.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

from .. import config
from .problems import Problem

READ_METHODS = "GET, HEAD"
# Request headers a reading page may send beyond the CORS-safelisted ones: revalidation.
READ_HEADERS = "Accept, If-None-Match, If-Modified-Since, Cache-Control"
WRITE_HEADERS = "Authorization, Content-Type"
# Response headers a page may read beyond the safelisted ones (Content-Type, Cache-Control...).
EXPOSED = "ETag, Link, Location, Retry-After, WWW-Authenticate, Allow, Warning"
# Browsers cap it (Chromium at 2 h, Firefox at 24 h); the settings change only on restart.
MAX_AGE = "86400"


def _read_scope(path: str) -> bool:
    """Tell whether a path is one of the open reads: API, feeds, health check."""
    return path.startswith("/api/") or path == "/healthz" or path.endswith("/feed.atom") \
        or path == "/feed.atom"


def _write_scope() -> bool:
    """Tell whether the matched route takes POST (where versions are sent)."""
    rule = request.url_rule
    return rule is not None and "POST" in (rule.methods or ())


@lru_cache(maxsize=8)
def _parsed(raw: str, setting: str) -> frozenset[str]:
    return config.origins(raw, setting, star=setting == "CORS_ORIGINS")


def _origins(setting: str) -> frozenset[str]:
    """Return the origins a setting allows (checked at start by config.check)."""
    return _parsed(current_app.config[setting], setting)


def _allowed(setting: str, origin: str) -> str | None:
    """Return the Access-Control-Allow-Origin value for origin under a setting, or None."""
    found = _origins(setting)
    if "*" in found:
        return "*"
    return origin if origin.lower() in found else None


def _same_origin(origin: str) -> bool:
    """Tell whether origin is this server's own (its Host, or the BASE_URL's origin)."""
    parts = urlsplit(origin)
    if parts.netloc and parts.netloc.lower() == request.host.lower():
        return True
    base = urlsplit(current_app.config.get("BASE_URL") or "")
    return bool(base.netloc) and origin.lower() == f"{base.scheme}://{base.netloc}".lower()


def _depends_on_origin(setting: str) -> bool:
    return "*" not in _origins(setting)


def preflight() -> Response | None:
    """Answer a CORS preflight for an allowed origin and method; others get Flask's plain OPTIONS."""
    origin = request.headers.get("Origin")
    asked = request.headers.get("Access-Control-Request-Method", "").upper()
    if request.method != "OPTIONS" or not origin or not asked:
        return None
    g.cors_preflight = True  # after_request leaves the answer as made here
    if asked in ("GET", "HEAD") and _read_scope(request.path):
        allow, setting = _allowed("CORS_ORIGINS", origin), "CORS_ORIGINS"
        methods, headers = READ_METHODS, READ_HEADERS
    elif asked == "POST" and _write_scope():
        allow, setting = _allowed("CORS_WRITE_ORIGINS", origin), "CORS_WRITE_ORIGINS"
        methods, headers = "POST", WRITE_HEADERS
    else:
        return None  # Flask's OPTIONS answer, with no allow headers: the browser stops there
    if allow is None:
        resp = Response(status=204)
    else:
        resp = Response(status=204, headers={
            "Access-Control-Allow-Origin": allow, "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": headers, "Access-Control-Max-Age": MAX_AGE})
    if _depends_on_origin(setting):
        resp.vary.add("Origin")
    return resp


def refuse_foreign_post() -> None:
    """Refuse a POST a browser sent from an origin not listed in CORS_WRITE_ORIGINS (403).

    Without it, a page anywhere could make its readers' browsers post a text/plain version
    to an open server (no preflight is needed for that): the browser hides the answer, but
    the version would be saved.
    """
    origin = request.headers.get("Origin")
    if request.method != "POST" or not origin or not _write_scope() or _same_origin(origin):
        return
    if _allowed("CORS_WRITE_ORIGINS", origin) is None:
        raise Problem("http-error", f"Pages on {origin} cannot send this (a version, or a "
                      "webhook subscription): list the origin in WRITETHRU_CORS_WRITE_ORIGINS "
                      "to allow it.",
                      status=403, title="Cross-origin write refused")


def add_headers(resp: Response) -> Response:
    """Add nosniff to every answer, and the CORS headers to the answers other origins may read."""
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if g.get("cors_preflight"):
        return resp
    if request.method in ("GET", "HEAD") and _read_scope(request.path):
        setting = "CORS_ORIGINS"
    elif request.method == "POST" and _write_scope():
        setting = "CORS_WRITE_ORIGINS"
    else:
        return resp
    if _depends_on_origin(setting):
        resp.vary.add("Origin")
    origin = request.headers.get("Origin")
    allow = _allowed(setting, origin) if origin else None
    if allow is None and setting == "CORS_ORIGINS" and not _depends_on_origin(setting):
        allow = "*"  # the same answer with or without Origin, so shared caches may keep it
    if allow is not None:
        resp.headers["Access-Control-Allow-Origin"] = allow
        resp.headers["Access-Control-Expose-Headers"] = EXPOSED
    return resp


def register(app: Flask) -> None:
    """Answer preflights and refuse foreign POSTs first; add the headers to every answer."""
    app.before_request_funcs.setdefault(None, []).insert(0, preflight)
    app.before_request_funcs[None].insert(1, refuse_foreign_post)
    app.after_request(add_headers)
