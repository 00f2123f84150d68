"""The walk of an export: per article, its record, its versions' records and their changes.

One article at a time, oldest version first: the chain is walked once and two versions are
held at a time, so memory does not grow with the store. Versions alone take their counts from
the Differ's stats (memory, then the facts file: no diff when known); changes need the diff's
rows, so they cost one text read and one paragraph diff per version.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..store import ArticleNotFound
from ..store.refs import list_refs
from .records import article_record, change_records, version_record
from .select import Selection, articles

__all__ = ["WHATS", "Export", "parse_what"]

#: What an export can hold, in the order each article's records come.
WHATS = ("articles", "versions", "changes")
_REF_PREFIX = "refs/articles"


def parse_what(value: str) -> tuple[str, ...]:
    """Return the kinds `value` names ('all' or one of WHATS); raise ValueError otherwise."""
    if value == "all":
        return WHATS
    if value in WHATS:
        return (value,)
    raise ValueError(f"what {value!r} is not one of all, {', '.join(WHATS)}")


class Export:
    """The records of the selected articles of a store, and how many of each were made."""

    def __init__(self, store: Any, differ: Any, chosen: Selection, what: Sequence[str]):
        self.store = store
        self.differ = differ
        self.chosen = chosen
        self.what = tuple(what)
        self.counts = dict.fromkeys(WHATS, 0)
        self._heads: dict[str, str] = {}

    def article_ids(self) -> list[str]:
        """Return the selected ids, sorted; raise ArticleNotFound for an exact id the store lacks."""
        self._heads = list_refs(self.store.path, _REF_PREFIX) if self.store.exists() else {}
        try:
            return articles(self.chosen, list(self._heads))
        except KeyError as exc:
            raise ArticleNotFound(f"no article {exc.args[0]!r}") from None

    def records(self, article_id: str) -> Iterator[tuple[str, dict]]:
        """Yield (kind, record) of one article: its record, then each version and its changes."""
        head = self._heads.get(article_id) or self.store.head(article_id)
        if head is None:
            raise ArticleNotFound(f"no article {article_id!r}")
        infos = self.store.versions(article_id, upto=head)
        taken = [i for i in infos if self.chosen.takes(i.created_at)]
        if not taken:
            return
        if "articles" in self.what:
            self.counts["articles"] += 1
            yield "articles", article_record(article_id, infos)
        if "changes" in self.what:
            yield from self._with_changes(article_id, head, infos, taken)
        elif "versions" in self.what:
            stats = self.differ.change_stats(article_id, infos)  # facts first: no diff if known
            for info in taken:
                k = info.version - 1
                self.counts["versions"] += 1
                yield "versions", version_record(article_id, info, infos[k - 1] if k else None,
                                                 stats[k])

    def _with_changes(self, article_id: str, head: str, infos: Sequence[Any],
                      taken: Sequence[Any]) -> Iterator[tuple[str, dict]]:
        """Yield each taken version's record (when asked) followed by its change records."""
        versions = "versions" in self.what
        # Version 1 has no changes: without its record, its text need not be read (most
        # articles of an archive have one version).
        wanted = {i.version for i in taken if versions or i.version > 1}
        if not wanted:
            return
        numbers = sorted({n for v in wanted for n in ((v - 1, v) if v > 1 else (v,))})
        old = None
        for new in self.store.read_many(article_id, numbers, upto=head):
            if new.version in wanted:
                diff = None
                if old is not None and old.version == new.version - 1:
                    diff = self.differ.diff_versions(old, new)
                if versions:
                    k = new.version - 1
                    self.counts["versions"] += 1
                    yield "versions", version_record(article_id, infos[k],
                                                     infos[k - 1] if k else None,
                                                     diff.stats if diff is not None else None)
                if diff is not None:
                    for record in change_records(article_id, old, new, diff.rows):
                        self.counts["changes"] += 1
                        yield "changes", record
            old = new
