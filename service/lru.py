"""A bounded, thread-safe least-recently-used map, for caches keyed by commit ids."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRU:
    """A thread-safe least-recently-used map that computes missing values once per key."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
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
