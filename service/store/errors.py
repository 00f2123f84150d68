"""The store's own errors; the HTTP layer maps them to statuses in one place."""

from __future__ import annotations


class StoreError(Exception):
    """Base of everything the store raises on purpose."""


class InvalidArticleId(StoreError):
    """The article id is not one the store accepts (ids.ARTICLE_ID_RULE); nothing was touched."""


class ArticleNotFound(StoreError):
    """No article has this id."""


class VersionNotFound(StoreError):
    """The article exists but has no such version; `latest` says how many it has."""

    def __init__(self, detail: str, article: str | None = None, latest: int | None = None,
                 asked: object = None):
        super().__init__(detail)
        self.article, self.latest, self.asked = article, latest, asked


class InvalidCursor(StoreError):
    """A listing cursor that this store did not hand out."""


class StoreUnavailable(StoreError):
    """The repository cannot be read or written (missing, unreadable, disk trouble, locked).

    str(exc) is the detail for logs and the command line (paths, errno text); `public` is a short
    message that names no server path and is safe to show an HTTP client.
    """

    PUBLIC = "The article store cannot be read or written at the moment."

    def __init__(self, detail: str, public: str | None = None):
        super().__init__(detail)
        self.public = public or self.PUBLIC
