"""Search across every version of every story: words (FTS5) and what changed (the digests).

A derived index beside the listing index (`<store>/writethru/search.sqlite`), built from git
and brought up to date before a search answers; no Flask here.
"""

from __future__ import annotations

from .indexer import CHANGE_KINDS, SearchIndex
from .query import ALIASES, MAX_QUERY, BadQuery, Search, parse_search, run

__all__ = ["ALIASES", "CHANGE_KINDS", "MAX_QUERY", "BadQuery", "Search", "SearchIndex",
           "parse_search", "run"]
