"""The Differ: diffs, change stats and annotations of a store's articles, cached by commit ids.

A commit id names its content, so a diff of two commits (and an annotation of one) never
changes: the caches need bounds, not invalidation. The web app and the CLI each make one Differ
(it holds the promo pattern and the caches); nothing here is a module global. See
docs/ARCHITECTURE.md, "The Differ", for why there are three caches and why passes over a whole
history never fill the diff cache.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, cast

from ..lru import LRU
from .annotate import annotate_from_diffs
from .engine import Diff, diff_paragraphs
from .ignore import NOTHING, Ignore
from .meta import meta_changes, meta_stats

#: Full diffs (rows with their segments) of the pairs readers ask for.
MAX_DIFFS = 256
#: Stats of consecutive versions (~1 KB each with the key): tens of megabytes at most.
MAX_STATS = 65_536
#: Annotations hold the full text of their version.
MAX_ANNOTATIONS = 64


class Version(Protocol):
    """What the Differ reads of a stored version (the store's Version)."""

    # Read-only properties: the store's dataclasses are frozen.
    @property
    def version(self) -> int: ...
    @property
    def commit(self) -> str: ...
    @property
    def paragraphs(self) -> Sequence[str]: ...
    @property
    def meta(self) -> Mapping[str, Any]: ...


class VersionInfo(Protocol):
    """What the Differ reads of a history entry (the store's VersionInfo)."""

    @property
    def version(self) -> int: ...
    @property
    def commit(self) -> str: ...
    @property
    def meta(self) -> Mapping[str, Any]: ...


class VersionSource(Protocol):
    """The store, as the Differ uses it (the diff engine never imports the store)."""

    def read(self, article_id: str, version: int | str = ...) -> Any:
        """Return one version (a number or "latest")."""
        ...

    def versions(self, article_id: str, upto: str | None = ...) -> list[Any]:
        """Return the history entries, oldest first."""
        ...

    def read_many(self, article_id: str, numbers: Any = ..., upto: str | None = ...) -> Any:
        """Return an iterator over versions, oldest first, read in one walk."""
        ...


@dataclass
class VersionDiff(Diff):
    """The diff of two stored versions: paragraph rows and stats, and what changed in their meta.

    `meta` is `meta.meta_changes` of the two versions; the stats add `meta_changed`,
    `meta_fields` and `typography_only` (changed or edited moved rows whose only differences
    are typographic) to the engine's counts.
    """

    meta: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON-ready form {"stats": ..., "meta": ..., "rows": ...}."""
        return {"stats": self.stats, "meta": self.meta, "rows": self.rows}


def with_meta(diff: Diff, old_meta: Mapping[str, Any] | None, new_meta: Mapping[str, Any],
              ignore: Ignore = NOTHING) -> VersionDiff:
    """Return `diff` with the metadata changes of its two versions and the stats that count them."""
    changes = meta_changes(old_meta, new_meta, ignore_typography="typography" in ignore)
    typography_only = sum(1 for r in diff.rows if r.get("typography"))
    stats = {**diff.stats, "typography_only": typography_only, **meta_stats(changes)}
    return VersionDiff(rows=diff.rows, stats=stats, meta=changes)


class Comparison(NamedTuple):
    """A diff and the two versions it compares (`old` None: the empty story before v1)."""

    diff: VersionDiff
    old: Any
    new: Any


def previous(version: int) -> int:
    """Return the version a comparison starts from when only its end is given.

    The one before; for version 1 that is 0, the empty story, so a one-version article's
    default comparison shows everything as added.
    """
    return version - 1


class Differ:
    """Compare, annotate and summarise versions of a store's articles, remembering the results."""

    def __init__(self, store: VersionSource, promo_pattern: str | None = None, *,
                 max_diffs: int = MAX_DIFFS, max_stats: int = MAX_STATS,
                 max_annotations: int = MAX_ANNOTATIONS):
        self.store = store
        self.promo_pattern = promo_pattern
        self._diffs = LRU(max_diffs)
        self._stats = LRU(max_stats)
        self._annotations = LRU(max_annotations)

    def _key(self, old_commit: str, new_commit: str, ignore: Ignore) -> tuple:
        return (old_commit, new_commit, ignore, self.promo_pattern)

    def _diff(self, old: Version | None, new: Version, ignore: Ignore) -> VersionDiff:
        """Diff two versions' paragraphs and metadata: every diff (and so every stats) has both."""
        diff = diff_paragraphs(list(old.paragraphs) if old is not None else [],
                               list(new.paragraphs), ignore_typography="typography" in ignore,
                               promo_pattern=self.promo_pattern)
        return with_meta(diff, old.meta if old is not None else None, new.meta, ignore)

    def diff_versions(self, old: Version | None, new: Version,
                      ignore: Ignore = NOTHING) -> VersionDiff:
        """Return the diff of two versions (old None: the empty story), cached by their commits.

        A commit fixes its metadata too, so the metadata changes are cached with the rows.
        """
        key = self._key(old.commit if old is not None else "", new.commit, ignore)

        def compute() -> VersionDiff:
            diff = self._diff(old, new, ignore)
            self._stats.put(key, diff.stats)
            return diff

        return self._diffs.get(key, compute)

    def endpoints(self, article_id: str, a: int | str | None = None,
                  b: int | str = "latest") -> tuple[int | str, Any]:
        """Return (a, version b) with a defaulted to the version before b: the one place that rule lives."""
        new = self.store.read(article_id, b)
        return (previous(new.version) if a is None else a), new

    def compare(self, article_id: str, a: int | str | None = None, b: int | str = "latest",
                ignore: Ignore = NOTHING) -> Comparison:
        """Diff version a (a number, 'latest', 0 for the empty story, None: the one before b) with b.

        Store errors propagate (VersionNotFound says how many versions there are).
        """
        start, new = self.endpoints(article_id, a, b)
        old = None if start == 0 else self.store.read(article_id, start)
        return Comparison(self.diff_versions(old, new, ignore), old, new)

    def _pairs(self, article_id: str, pairs: list[tuple[int, int]],
               upto: str | None = None) -> Iterator[tuple[Any, Any]]:
        """Yield (old, new) Versions for (old number, new number) pairs, read in one walk.

        A version is let go as soon as no pair still to come needs it.
        """
        olds_of: dict[int, list[int]] = {}
        uses: dict[int, int] = {}
        for old, new in pairs:
            olds_of.setdefault(new, []).append(old)
            uses[old] = uses.get(old, 0) + 1
        held: dict[int, Any] = {}
        numbers = [n for pair in pairs for n in pair]
        for version in self.store.read_many(article_id, numbers, upto=upto):
            number = version.version
            held[number] = version
            for old in olds_of.get(number, ()):
                yield held[old], version
                uses[old] -= 1
                if not uses[old]:
                    del held[old]
            if not uses.get(number):
                held.pop(number, None)

    def change_stats(self, article_id: str, infos: Sequence[VersionInfo]) -> list[dict | None]:
        """Return, per VersionInfo in order, the stats of its diff from the one before (None for v1).

        Cached stats (or full diffs) need no read of the store; the missing pairs are read in
        one walk of the chain and their stats kept, so a long timeline is served from memory
        the second time. Stats count metadata changes too (`meta_fields`: "headline changed").
        """
        out: list[dict | None] = [None] * len(infos)
        missing = []
        for k in range(1, len(infos)):
            key = self._key(infos[k - 1].commit, infos[k].commit, NOTHING)
            stats = self._stats.peek(key)
            if stats is None:
                diff = self._diffs.peek(key)
                stats = diff.stats if diff is not None else None
            if stats is None:
                missing.append(k)
            out[k] = stats
        if missing:
            pairs = [(infos[k - 1].version, infos[k].version) for k in missing]
            position = {infos[k].version: k for k in missing}
            for old, new in self._pairs(article_id, pairs, upto=infos[-1].commit):
                diff = self._diff(old, new, NOTHING)
                self._stats.put(self._key(old.commit, new.commit, NOTHING), diff.stats)
                out[position[new.version]] = diff.stats
        return out

    def annotate(self, article_id: str, n: int | str = "latest",
                 ignore: Ignore = NOTHING) -> tuple[list[dict], Any]:
        """Return (annotation, version n): where each paragraph of version n began and last changed.

        The annotation is cached by the commit of version n, which fixes its whole history. It
        is built from the diffs of consecutive versions, reusing cached ones.
        """
        target = self.store.read(article_id, n)
        key = (target.commit, ignore)

        def compute() -> list[dict]:
            infos = self.store.versions(article_id, upto=target.commit)
            diffs: list[Diff | None] = [None] * (len(infos) - 1)
            missing = []
            for k in range(1, len(infos)):
                found = self._diffs.peek(self._key(infos[k - 1].commit, infos[k].commit, ignore))
                if found is None:
                    missing.append((infos[k - 1].version, infos[k].version))
                diffs[k - 1] = found
            for old, new in self._pairs(article_id, missing, upto=target.commit):
                diff = self._diff(old, new, ignore)
                if not ignore:
                    self._stats.put(self._key(old.commit, new.commit, NOTHING), diff.stats)
                diffs[old.version - 1] = diff
            return annotate_from_diffs(list(target.paragraphs), cast(list[Diff], diffs))

        return self._annotations.get(key, compute), target

    def clear(self) -> None:
        """Empty every cache (tests use it to count computations from a cold start)."""
        self._diffs.clear()
        self._stats.clear()
        self._annotations.clear()

    def cache_counts(self) -> dict:
        """Return hit and miss counts of the diff cache."""
        return {"hits": self._diffs.hits, "misses": self._diffs.misses}

    def sizes(self) -> dict:
        """Return how many entries each cache holds."""
        return {"diffs": len(self._diffs), "stats": len(self._stats),
                "annotations": len(self._annotations)}
