"""Every problem type the app answers with (RFC 9457), listed once: errors and OpenAPI read it.

A problem's `type` is `urn:writethru:problem:<slug>`. Domain errors (store, ingest) map to a
slug by class; handlers refuse requests by raising `Problem`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ingest import MalformedPayload, UnprocessablePayload, UnsupportedContentType
from ..store import (
    ArticleNotFound,
    InvalidArticleId,
    InvalidCursor,
    StoreUnavailable,
    VersionNotFound,
)
from ..store.errors import StoreFull
from ..store.health import StoreBroken

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    """One kind of error answer: its slug, HTTP status, title and Retry-After seconds if any."""

    slug: str
    status: int
    title: str
    retry_after: int | None = None

    @property
    def uri(self) -> str:
        """Return the problem `type` URI."""
        return f"urn:writethru:problem:{self.slug}"


_TYPES = [
    ProblemType("invalid-article-id", 400, "Invalid article id"),
    ProblemType("invalid-cursor", 400, "Invalid cursor"),
    ProblemType("invalid-parameter", 400, "Invalid parameter"),
    ProblemType("malformed-payload", 400, "Malformed request body"),
    ProblemType("bad-request", 400, "Bad Request"),
    ProblemType("unauthorized", 401, "Unauthorized"),
    # A replica (WRITETHRU_READ_ONLY) or a store this process cannot write: retrying won't help.
    ProblemType("read-only", 403, "Read-only server"),
    # Something only an authenticated client may do, on a server that has no token to check.
    ProblemType("forbidden", 403, "Forbidden"),
    ProblemType("article-not-found", 404, "Article not found"),
    ProblemType("version-not-found", 404, "Version not found"),
    ProblemType("not-found", 404, "Not Found"),
    ProblemType("method-not-allowed", 405, "Method Not Allowed"),
    ProblemType("request-entity-too-large", 413, "Request Entity Too Large"),
    ProblemType("unsupported-content-type", 415, "Unsupported content type"),
    ProblemType("unsupported-content-encoding", 415, "Unsupported content encoding"),
    ProblemType("unprocessable-payload", 422, "Unprocessable request body"),
    ProblemType("internal-error", 500, "Internal error"),
    # Retry-After: a store busy or down is usually back within seconds; a full disk needs
    # someone to free space, so clients are asked to wait longer before sending again.
    ProblemType("store-unavailable", 503, "Store unavailable", retry_after=10),
    ProblemType("store-full", 507, "Insufficient storage", retry_after=120),
    # A save found an article's latest commit missing: retrying will not help until repaired.
    ProblemType("store-damaged", 503, "Store damaged"),
    # Any other HTTP error werkzeug raises (its title is the status's name).
    ProblemType("http-error", 400, "HTTP error"),
]
PROBLEM_TYPES: dict[str, ProblemType] = {t.slug: t for t in _TYPES}

#: Domain error class -> slug (the first class that matches wins).
DOMAIN_ERRORS: list[tuple[type[Exception], str]] = [
    (InvalidArticleId, "invalid-article-id"),
    (InvalidCursor, "invalid-cursor"),
    (ArticleNotFound, "article-not-found"),
    (VersionNotFound, "version-not-found"),
    (StoreFull, "store-full"),  # before StoreUnavailable, its base class
    (StoreBroken, "store-damaged"),  # likewise
    (StoreUnavailable, "store-unavailable"),
    (MalformedPayload, "malformed-payload"),
    (UnsupportedContentType, "unsupported-content-type"),
    (UnprocessablePayload, "unprocessable-payload"),
]


class Problem(Exception):
    """A request refused: answered as problem+json, or as an HTML page to a browser.

    `page_title` and `page_detail` word it for a person reading a page where that differs
    from the API's wording; `context` goes to the error page (e.g. the article asked for).
    """

    def __init__(self, slug: str, detail: str, *, status: int | None = None,
                 title: str | None = None, headers: dict | None = None,
                 page_title: str | None = None, page_detail: str | None = None,
                 context: dict | None = None, **extra):
        super().__init__(detail)
        kind = PROBLEM_TYPES[slug]
        self.type = kind
        self.status = status or kind.status
        self.title = title or kind.title
        self.detail = detail
        self.headers = dict(headers or {})
        if kind.retry_after is not None:
            self.headers.setdefault("Retry-After", str(kind.retry_after))
        self.page_title = page_title or self.title
        self.page_detail = page_detail or detail
        self.context = context or {}
        self.extra = {k: v for k, v in extra.items() if v is not None}

    def body(self) -> dict:
        """Return the RFC 9457 document: type, title, status, detail and any extra members."""
        return {"type": self.type.uri, "title": self.title, "status": self.status,
                "detail": self.detail, **self.extra}


def invalid_parameter(name: str, detail: str, **page) -> Problem:
    """Return the 400 problem for a query or path parameter that cannot be used."""
    return Problem("invalid-parameter", detail, parameter=name, **page)
