"""The store's own errors; the HTTP layer maps them to statuses in one place."""

from __future__ import annotations


class StoreError(Exception):
    """Base of everything the store raises on purpose."""


class InvalidArticleId(StoreError):
    """The article id is not 1-128 safe characters (DESIGN §2); nothing was touched."""


class ArticleNotFound(StoreError):
    """No article has this id."""


class VersionNotFound(StoreError):
    """The article exists but has no such version."""


class InvalidCursor(StoreError):
    """A listing cursor that this store did not hand out."""


class StoreUnavailable(StoreError):
    """The repository cannot be read or written (missing, unreadable, disk trouble, locked)."""
