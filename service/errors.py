"""Translate the domain's errors into HTTP answers: problem+json under /api, HTML pages elsewhere."""

from __future__ import annotations

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException

from .ingest import IngestError, MalformedPayload, UnprocessablePayload, UnsupportedContentType
from .store import (
    ArticleNotFound,
    InvalidArticleId,
    InvalidCursor,
    StoreError,
    StoreUnavailable,
    VersionNotFound,
)

PROBLEM_JSON = "application/problem+json"

# Domain error -> (status, slug, title). The slug names the problem type (RFC 9457 `type`).
_DOMAIN = [
    (InvalidArticleId, 400, "invalid-article-id", "Invalid article id"),
    (InvalidCursor, 400, "invalid-cursor", "Invalid cursor"),
    (ArticleNotFound, 404, "article-not-found", "Article not found"),
    (VersionNotFound, 404, "version-not-found", "Version not found"),
    (StoreUnavailable, 503, "store-unavailable", "Store unavailable"),
    (MalformedPayload, 400, "malformed-payload", "Malformed request body"),
    (UnsupportedContentType, 415, "unsupported-content-type", "Unsupported content type"),
    (UnprocessablePayload, 422, "unprocessable-payload", "Unprocessable request body"),
]


class ApiProblem(Exception):
    """A request the handlers refuse: bad parameters, missing credentials."""

    def __init__(self, status: int, slug: str, title: str, detail: str, *,
                 headers: dict | None = None, **extra):
        super().__init__(detail)
        self.headers = headers or {}
        self.status, self.slug, self.title, self.detail, self.extra = status, slug, title, detail, extra


def problem_type(slug: str) -> str:
    """Return the problem `type` URI for a slug (documented in the OpenAPI document)."""
    return f"urn:writethru:problem:{slug}"


def problem_response(status: int, slug: str, title: str, detail: str, **extra) -> Response:
    """Build an RFC 9457 problem document response."""
    body = {"type": problem_type(slug), "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def _wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best in {"application/json", PROBLEM_JSON}


def _answer(status: int, slug: str, title: str, detail: str, headers=None, **extra):
    if _wants_json():
        resp = problem_response(status, slug, title, detail, **extra)
    else:
        html = render_template("errors/error.html", status=status, title=title, detail=detail,
                               path=request.path)
        resp = Response(html, status=status, mimetype="text/html")
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def _slug(title: str) -> str:
    return title.lower().replace(" ", "-").replace("'", "")


def register_error_handlers(app: Flask) -> None:
    """Register one handler per error family on the app (so unmatched URLs are covered too)."""

    @app.errorhandler(ApiProblem)
    def _api_problem(exc: ApiProblem):
        headers = dict(exc.headers)
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="writethru"'
        return _answer(exc.status, exc.slug, exc.title, exc.detail, headers, **exc.extra)

    @app.errorhandler(StoreError)
    @app.errorhandler(IngestError)
    def _domain(exc: Exception):
        for kind, status, slug, title in _DOMAIN:
            if isinstance(exc, kind):
                field = getattr(exc, "field", None)
                detail = str(getattr(exc, "detail", exc))
                if isinstance(exc, StoreUnavailable):
                    # Paths and errno text are for the log, not for anonymous clients.
                    app.logger.error("store unavailable: %s", exc)
                    detail = exc.public
                return _answer(status, slug, title, detail, field=field)
        app.logger.exception("unmapped store error")
        return _answer(500, "internal-error", "Internal error", "The store failed unexpectedly.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        detail = exc.description or exc.name
        if exc.code == 413:
            detail = f"The request body is larger than the limit of {app.config['MAX_BODY']} bytes."
        if exc.code == 404 and not _wants_json():
            detail = "There is no page at this address."
        return _answer(exc.code or 500, _slug(exc.name), exc.name, detail, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Never show a stack trace to a client; the log keeps it.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _answer(500, "internal-error", "Internal server error",
                       "Something went wrong on our side; the error was logged.")
