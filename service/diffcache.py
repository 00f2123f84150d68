"""Diffs, change stats and annotations of fixed commits, computed once, kept in LRUs by commit ids.

A commit id names its content, so a diff of two commits (and an annotation of one) never changes:
the caches need no invalidation, only bounds. Three of them, because their entries differ in size
and in how they are used:

- full diffs (rows with their text segments) of the pairs a reader asks for, a few hundred;
- change stats of consecutive versions (a handful of counts each), tens of thousands, so a
  timeline of a story with hundreds of versions is served whole from memory the second time;
- annotations (every paragraph's text), a few dozen.

Passes over a whole history (a timeline, an annotate) read cached full diffs but never store
the ones they compute: a sequential pass longer than the LRU would evict every entry before its
reuse, and other stories' diffs with it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from . import diffing

# Diffs of long stories hold every changed paragraph's segments; a few hundred keeps memory modest.
MAX_ENTRIES = 256
# A stats dict is a few counts (~1 KB with its key): 65,536 is tens of megabytes at most.
MAX_STATS = 65_536
# An annotation holds the full text of its version.
MAX_ANNOTATIONS = 64


class LRU:
    """A thread-safe least-recently-used map that computes missing values once per key."""

    def __init__(self, maxsize: int = MAX_ENTRIES):
        self.maxsize = maxsize
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], object]):
        """Return the value for key, computing and storing it when absent."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        # Computed outside the lock: two threads may both compute a cold key; both get equal values.
        value = compute()
        self.put(key, value)
        return value

    def put(self, key: Hashable, value) -> None:
        """Store value under key, dropping the least recently used beyond maxsize."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def peek(self, key: Hashable):
        """Return the value for key or None, without computing (and without counting)."""
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
            return found

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        """Forget every entry and reset the counters."""
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0


_diffs = LRU(MAX_ENTRIES)
_stats = LRU(MAX_STATS)
_annotations = LRU(MAX_ANNOTATIONS)


def _key(old_commit: str, new_commit: str, ignore_typography: bool, promo_pattern: str | None):
    return (old_commit, new_commit, bool(ignore_typography), promo_pattern)


def diff_versions(old, new, ignore_typography: bool = False, promo_pattern: str | None = None):
    """Return the diff of two Versions (old None: the empty story), cached by their commits."""
    key = _key(old.commit if old is not None else "", new.commit, ignore_typography, promo_pattern)
    old_paragraphs = list(old.paragraphs) if old is not None else []

    def compute():
        diff = diffing.diff_paragraphs(old_paragraphs, list(new.paragraphs),
                                       ignore_typography=ignore_typography,
                                       promo_pattern=promo_pattern)
        _stats.put(key, diff.stats)
        return diff

    return _diffs.get(key, compute)


def cached_diff(store, article_id: str, a: int | str, b: int | str,
                ignore_typography: bool = False, promo_pattern: str | None = None):
    """Read versions a and b (numbers or 'latest'; a may be 0); return (Diff, Version_a, Version_b).

    Version_a is None when a is 0, the empty story before version 1. Store errors propagate
    (VersionNotFound names how many versions there are).
    """
    new = store.read(article_id, b)
    old = None if a == 0 else store.read(article_id, a)
    return diff_versions(old, new, ignore_typography, promo_pattern), old, new


def _pairs_of_versions(store, article_id: str, pairs: list, upto: str | None = None):
    """Yield (old Version, new Version) for (old number, new number) pairs, by new number.

    All texts come from one walk of the chain, read as they are needed; a version is let go as
    soon as no pair still to come needs it.
    """
    olds_of: dict[int, list[int]] = {}
    uses: dict[int, int] = {}
    for old, new in pairs:
        olds_of.setdefault(new, []).append(old)
        uses[old] = uses.get(old, 0) + 1
    held: dict[int, object] = {}
    for version in store.read_many(article_id, [n for pair in pairs for n in pair], upto=upto):
        number = version.version
        held[number] = version
        for old in olds_of.get(number, ()):
            yield held[old], version
            uses[old] -= 1
            if not uses[old]:
                del held[old]
        if not uses.get(number):
            held.pop(number, None)


def change_stats(store, article_id: str, infos: list, promo_pattern: str | None = None) -> list:
    """Return, per VersionInfo in order, the stats of its diff from the one before (None for v1).

    Cached stats (or full diffs) need no read of the store; the missing pairs are read in one
    walk of the chain and their stats kept, so a timeline of any length is served from memory
    the second time.
    """
    out: list = [None] * len(infos)
    missing = []
    for k in range(1, len(infos)):
        prev, info = infos[k - 1], infos[k]
        key = _key(prev.commit, info.commit, False, promo_pattern)
        stats = _stats.peek(key)
        if stats is None:
            diff = _diffs.peek(key)
            stats = diff.stats if diff is not None else None
        if stats is None:
            missing.append(k)
        out[k] = stats
    if missing:
        pairs = [(infos[k - 1].version, infos[k].version) for k in missing]
        position = {infos[k].version: k for k in missing}
        for old, new in _pairs_of_versions(store, article_id, pairs, upto=infos[-1].commit):
            diff = diffing.diff_paragraphs(list(old.paragraphs), list(new.paragraphs),
                                           promo_pattern=promo_pattern)
            _stats.put(_key(old.commit, new.commit, False, promo_pattern), diff.stats)
            out[position[new.version]] = diff.stats
    return out


def cached_annotate(store, article_id: str, n: int | str, ignore_typography: bool = False,
                    promo_pattern: str | None = None):
    """Return (annotation, Version_n): where each paragraph of version n began and last changed.

    The annotation is diffing.annotate's list of {"index", "text", "first_version",
    "last_changed_version"}; it is cached by the commit of version n, which fixes its whole
    history. It is built from the diffs of consecutive versions, reusing cached ones (those made
    with promo_pattern, the compare pages' pattern; promo tags do not change an annotation).
    """
    target = store.read(article_id, n)
    key = (target.commit, bool(ignore_typography))

    def compute():
        infos = store.versions(article_id, upto=target.commit)
        diffs: list = [None] * (len(infos) - 1)
        missing = []
        for k in range(1, len(infos)):
            found = _diffs.peek(_key(infos[k - 1].commit, infos[k].commit, ignore_typography,
                                     promo_pattern))
            if found is None:
                missing.append((infos[k - 1].version, infos[k].version))
            diffs[k - 1] = found
        for old, new in _pairs_of_versions(store, article_id, missing, upto=target.commit):
            diff = diffing.diff_paragraphs(list(old.paragraphs), list(new.paragraphs),
                                           ignore_typography=ignore_typography,
                                           promo_pattern=promo_pattern)
            if not ignore_typography:
                _stats.put(_key(old.commit, new.commit, False, promo_pattern), diff.stats)
            diffs[old.version - 1] = diff
        return diffing.annotate_from_diffs(list(target.paragraphs), diffs)

    return _annotations.get(key, compute), target


def clear() -> None:
    """Empty every cache (tests use it to count computations from a cold start)."""
    _diffs.clear()
    _stats.clear()
    _annotations.clear()


def stats() -> dict:
    """Return hit and miss counts of the diff cache."""
    return {"hits": _diffs.hits, "misses": _diffs.misses}


def sizes() -> dict:
    """Return how many entries each cache holds."""
    return {"diffs": len(_diffs), "stats": len(_stats), "annotations": len(_annotations)}
