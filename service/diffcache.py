"""Diffs and annotations of fixed commits, computed once, kept in a small LRU keyed by commit ids.

A commit id names its content, so a diff of two commits (and an annotation of one) never changes:
the cache needs no invalidation, only a bound on its size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from . import diffing

# Diffs of long stories hold every paragraph; a few hundred keeps memory modest.
MAX_ENTRIES = 256


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
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def peek(self, key: Hashable):
        """Return the value for key or None, without computing."""
        with self._lock:
            return self._data.get(key)

    def clear(self) -> None:
        """Forget every entry and reset the counters."""
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0


_diffs = LRU()
_annotations = LRU()


def diff_versions(old, new, ignore_typography: bool = False, promo_pattern: str | None = None):
    """Return the diff of two Versions (old None: the empty story), cached by their commits."""
    old_commit = old.commit if old is not None else ""
    key = (old_commit, new.commit, bool(ignore_typography), promo_pattern)
    old_paragraphs = list(old.paragraphs) if old is not None else []
    return _diffs.get(key, lambda: diffing.diff_paragraphs(
        old_paragraphs, list(new.paragraphs),
        ignore_typography=ignore_typography, promo_pattern=promo_pattern))


def cached_diff(store, article_id: str, a: int | str, b: int | str,
                ignore_typography: bool = False, promo_pattern: str | None = None):
    """Read versions a and b (numbers or 'latest'; a may be 0); return (Diff, Version_a, Version_b).

    Version_a is None when a is 0, the empty story before version 1. Store errors propagate.
    """
    new = store.read(article_id, b)
    old = None if a == 0 else store.read(article_id, a)
    return diff_versions(old, new, ignore_typography, promo_pattern), old, new


def change_stats(store, article_id: str, infos: list, promo_pattern: str | None = None) -> list:
    """Return, per VersionInfo in order, the stats of its diff from the one before (None for v1).

    Cached pairs need no read of the store; missing ones read each version at most once.
    """
    read: dict[int, object] = {}

    def version(n: int):
        if n not in read:
            read[n] = store.read(article_id, n)
        return read[n]

    out = []
    for prev, info in zip([None, *infos[:-1]], infos, strict=True):
        if prev is None:
            out.append(None)
            continue
        key = (prev.commit, info.commit, False, promo_pattern)
        diff = _diffs.peek(key)
        if diff is None:
            diff = diff_versions(version(prev.version), version(info.version), False, promo_pattern)
        out.append(diff.stats)
    return out


def cached_annotate(store, article_id: str, n: int | str, ignore_typography: bool = False):
    """Return (annotation, Version_n): where each paragraph of version n began and last changed.

    The annotation is diffing.annotate's list of {"index", "text", "first_version",
    "last_changed_version"}; it is cached by the commit of version n, which fixes its whole history.
    """
    target = store.read(article_id, n)
    key = (target.commit, bool(ignore_typography))

    def compute():
        history = [list(store.read(article_id, k).paragraphs) for k in range(1, target.version)]
        history.append(list(target.paragraphs))
        return diffing.annotate(history, ignore_typography=ignore_typography)

    return _annotations.get(key, compute), target


def clear() -> None:
    """Empty both caches (tests use it to count computations from a cold start)."""
    _diffs.clear()
    _annotations.clear()


def stats() -> dict:
    """Return hit and miss counts of the diff cache."""
    return {"hits": _diffs.hits, "misses": _diffs.misses}
