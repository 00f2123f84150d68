"""The store's own errors; the HTTP layer maps them to statuses in one place."""

from __future__ import annotations

import errno
import sqlite3


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

    @staticmethod
    def of_write(detail: str, exc: OSError | sqlite3.Error) -> StoreUnavailable:
        """Return StoreFull for a full disk or quota, else StoreUnavailable; detail names exc."""
        full = (getattr(exc, "errno", None) in FULL_ERRNOS
                or getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL)
        return (StoreFull if full else StoreUnavailable)(f"{detail}: {exc}")


class StoreFull(StoreUnavailable):
    """The store's disk or quota is full (ENOSPC, EDQUOT): nothing was saved; retry later."""

    PUBLIC = "The article store has no space left on its disk; the version was not saved."


# errno values that mean "no space": the disk is full or the user's quota is spent.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
