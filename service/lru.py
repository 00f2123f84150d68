"""A bounded, thread-safe least-recently-used map, for caches keyed by commit ids.

Bounded by weight: each entry weighs `weigh(value)` (bytes, or a measure that follows them;
1 per entry when no weigher is given), and the least recently used entries go once the total
passes `max_weight`. A value heavier than the whole bound is returned but never kept, so one
huge answer cannot empty the cache of everything else.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any


def _one(_value: object) -> int:
    return 1


class LRU:
    """A thread-safe least-recently-used map that computes missing values once per key."""

    def __init__(self, max_weight: int, weigh: Callable[[Any], int] | None = None):
        self.max_weight = max_weight
        self._weigh = weigh or _one
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], object]):
        """Return the value for key, computing and storing it when absent."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key][0]
            self.misses += 1
        # Computed outside the lock: two threads may both compute a cold key; both get equal values.
        value = compute()
        self.put(key, value)
        return value

    def put(self, key: Hashable, value) -> None:
        """Store value under key, dropping the least recently used beyond the bound."""
        weight = self._weigh(value)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._held -= old[1]
            if weight > self.max_weight:
                return
            self._data[key] = (value, weight)
            self._held += weight
            while self._held > self.max_weight:
                _, (_, dropped) = self._data.popitem(last=False)
                self._held -= dropped

    def peek(self, key: Hashable):
        """Return the value for key or None, without computing (and without counting)."""
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
            return found[0]

    @property
    def weight(self) -> int:
        """Return the total weight held now."""
        with self._lock:
            return self._held

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        """Forget every entry and reset the counters."""
        with self._lock:
            self._data.clear()
            self._held = 0
            self.hits = self.misses = 0


def size_of(value: object) -> int:
    """Return an estimate of the bytes a JSON-like value holds (str, bytes, numbers, lists, dicts).

    Walks the value once; strings count their length plus the object header, containers their
    own size plus their items'. Close enough to bound a cache by memory, far cheaper than
    pickling. Objects with `__dict__` (dataclasses) are walked through it.
    """
    seen = 0
    stack = [value]
    while stack:
        item = stack.pop()
        seen += sys.getsizeof(item)
        if isinstance(item, (str, bytes, int, float, bool)) or item is None:
            continue
        if isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dict__"):
            stack.extend(vars(item).values())
    return seen
