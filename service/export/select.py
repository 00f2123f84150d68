"""What an export covers: articles by id or glob, versions by a date range of their save time.

`selection(...)` checks every filter before anything is read or written and raises BadFilter
(a ValueError) with a sentence naming the filter; `articles(...)` resolves ids and globs
against the store's refs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..store import InvalidArticleId, validate_article_id

__all__ = ["BadFilter", "Selection", "parse_date", "selection"]

_GLOB = set("*?[")


class BadFilter(ValueError):
    """A filter (article, since, until) that cannot be used; `name` says which."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Selection:
    """Exact article ids, glob patterns (none of either: every article), and a time range."""

    ids: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def everything(self) -> bool:
        """Tell whether no article filter was given."""
        return not self.ids and not self.globs

    def takes(self, moment: datetime) -> bool:
        """Tell whether a version saved at `moment` is in the date range."""
        return ((self.since is None or moment >= self.since)
                and (self.until is None or moment < self.until))


def parse_date(name: str, value: str, *, end: bool) -> datetime:
    """Parse YYYY-MM-DD or an ISO 8601 time (naive: UTC) into an aware datetime.

    A bare date as the end of a range (`end`) means the whole day: the next midnight.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(), UTC)
            return moment + timedelta(days=1) if end else moment
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadFilter(name, f"{name} {value!r} is not a date: give YYYY-MM-DD or an ISO 8601 "
                              "time such as 2022-02-02T15:00:00Z") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def selection(articles: Iterable[str] = (), since: str | None = None,
              until: str | None = None) -> Selection:
    """Check the filters and return the Selection they make; raise BadFilter on the first bad one."""
    ids: list[str] = []
    globs: list[str] = []
    for item in articles:
        if not item:
            raise BadFilter("article", "article: an empty id")
        if _GLOB & set(item):
            globs.append(item)
            continue
        try:
            validate_article_id(item)
        except InvalidArticleId as exc:
            raise BadFilter("article", f"article: {exc}") from None
        ids.append(item)
    start = parse_date("since", since, end=False) if since else None
    stop = parse_date("until", until, end=True) if until else None
    if start is not None and stop is not None and stop <= start:
        raise BadFilter("until", f"until {until!r} is not after since {since!r}: the range is empty")
    return Selection(tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(globs)), start, stop)


def articles(chosen: Selection, known: Sequence[str]) -> list[str]:
    """Return the selected article ids among `known` (sorted); an exact id not there raises KeyError.

    A glob that matches nothing selects nothing: it is a question, not a name.
    """
    have = set(known)
    for article_id in chosen.ids:
        if article_id not in have:
            raise KeyError(article_id)
    if chosen.everything():
        return sorted(have)
    out = set(chosen.ids)
    for pattern in chosen.globs:
        out.update(a for a in have if fnmatch.fnmatchcase(a, pattern))  # ids are case-sensitive
    return sorted(out)
