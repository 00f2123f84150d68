"""One error path: every refusal and failure becomes a Problem, answered as problem+json under
/api (or to a client that asks for JSON) and as an HTML page to a browser."""

from __future__ import annotations

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..ingest import IngestError
from ..plural import plural
from ..store import (
    ARTICLE_ID_RULE,
    ArticleNotFound,
    InvalidArticleId,
    InvalidCursor,
    StoreError,
    StoreUnavailable,
    VersionNotFound,
)
from ..store.errors import StoreFull
from .problems import DOMAIN_ERRORS, PROBLEM_JSON, PROBLEM_TYPES, Problem


def wants_json() -> bool:
    """Tell whether this request's errors are answered as problem+json rather than a page."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best in {"application/json", PROBLEM_JSON}


def answer(problem: Problem) -> Response:
    """Answer a problem: problem+json or the HTML error page, with the problem's headers."""
    if wants_json():
        resp = Response(json.dumps(problem.body()), status=problem.status, mimetype=PROBLEM_JSON)
    else:
        html = render_template("errors/error.html", status=problem.status,
                               title=problem.page_title, detail=problem.page_detail,
                               path=request.path, **problem.context)
        resp = Response(html, status=problem.status, mimetype="text/html")
    for name, value in problem.headers.items():
        resp.headers[name] = value
    return resp


def _asked_id() -> str:
    return (request.view_args or {}).get("article_id", "")


def _page_wording(exc: Exception) -> dict:
    """Word a domain error for a person reading a page: title, detail and the error page's links."""
    asked = _asked_id()
    if isinstance(exc, InvalidArticleId):
        return {"page_title": "Not an article id",
                "page_detail": f"“{asked}” cannot be an article id: use {ARTICLE_ID_RULE}.",
                "context": {"asked_id": asked}}
    if isinstance(exc, ArticleNotFound):
        return {"page_detail": f"There is no article with the id “{asked}”.",
                "context": {"asked_id": asked}}
    if isinstance(exc, InvalidCursor):
        return {"page_title": "Page link not valid",
                "page_detail": "This link to a further page of the list is not one this server "
                               "made (or the list was rebuilt since). Start again from the "
                               "newest articles."}
    if isinstance(exc, VersionNotFound):
        detail = str(exc)
        if exc.latest is not None:
            detail = (f"Version {exc.asked} does not exist: “{asked}” has "
                      f"{plural(exc.latest, 'version')}.")
        return {"page_detail": detail, "context": {"asked_id": asked, "known_article": True}}
    return {}


def domain_problem(exc: Exception, log) -> Problem:
    """Return the Problem for an error of the store or of ingest."""
    for kind, slug in DOMAIN_ERRORS:
        if isinstance(exc, kind):
            detail = str(getattr(exc, "detail", exc))
            if isinstance(exc, StoreUnavailable):
                # Paths and errno text are for the log, not for anonymous clients; a full disk
                # is named apart so that an operator searching the log finds it.
                log.error("store %s: %s", "full" if isinstance(exc, StoreFull) else "unavailable",
                          exc)
                detail = exc.public
            return Problem(slug, detail, field=getattr(exc, "field", None), **_page_wording(exc))
    log.exception("unmapped store error")
    return Problem("internal-error", "The store failed unexpectedly.")


def http_problem(exc: HTTPException, max_body: int) -> Problem:
    """Return the Problem for an HTTP error werkzeug raised (404, 405, 413, ...)."""
    slug = exc.name.lower().replace(" ", "-").replace("'", "")
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    detail = exc.description or exc.name
    if exc.code == 413:
        detail = f"The request body is larger than the limit of {max_body} bytes."
    page_detail = "There is no page at this address." if exc.code == 404 else None
    return Problem(slug if slug in PROBLEM_TYPES else "http-error", detail, status=exc.code,
                   title=exc.name, headers=headers, page_detail=page_detail)


def register_error_handlers(app: Flask) -> None:
    """Send every error through `answer` (app-wide, so unmatched URLs are covered too)."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        if exc.status == 401:
            exc.headers["WWW-Authenticate"] = 'Bearer realm="writethru"'
        return answer(exc)

    @app.errorhandler(StoreError)
    @app.errorhandler(IngestError)
    def _domain(exc: Exception):
        return answer(domain_problem(exc, app.logger))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return answer(http_problem(exc, app.config["MAX_BODY"]))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Never show a stack trace to a client; the log keeps it.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return answer(Problem("internal-error", "Something went wrong on our side; the error "
                              "was logged.", title="Internal server error"))
