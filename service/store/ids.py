"""Article ids: which strings may name an article, and so a ref `refs/articles/<id>`."""

from __future__ import annotations

import re

from .errors import InvalidArticleId

# Article ids are also ref names, `refs/articles/<id>`, so they must pass
# `git check-ref-format`. Within this alphabet the rules of git's that can bite are: no "..",
# no component starting with "." (the first character is a letter or digit), no ".lock" at the
# end, no "." at the end; the rest (control characters, space, ~ ^ : ? * [ \, "@{", "//") cannot
# occur. tests/test_store.py checks this against git itself. The pattern is valid in Python and
# in ECMA-262 (JSON Schema / OpenAPI) alike.
ARTICLE_ID_PATTERN = r"^(?!.*\.\.)(?!.*\.lock$)[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9_-])?$"
ARTICLE_ID_RE = re.compile(ARTICLE_ID_PATTERN)
ARTICLE_ID_RULE = ("1 to 128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, "
                   "without '..', not ending in '.' or '.lock'")


def validate_article_id(article_id: str) -> str:
    """Return article_id if it follows ARTICLE_ID_RULE, else raise InvalidArticleId."""
    if not isinstance(article_id, str) or not ARTICLE_ID_RE.fullmatch(article_id):
        shown = repr(article_id)[:60]
        raise InvalidArticleId(f"invalid article id {shown}: use {ARTICLE_ID_RULE}")
    return article_id
