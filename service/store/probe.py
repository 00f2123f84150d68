"""Cheap checks of a repository's shape, made on every request and every health probe.

`/healthz` is probed several times a second and every listing asks whether the store exists:
these use string paths built once and read the config only when its stat changes, instead of
joining Paths and reading files each time (135 us a probe before, most of it pathlib).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from .errors import StoreUnavailable

# `bare = true` in the repository's config (git writes it so in [core]; case as git reads it).
_BARE = re.compile(r"^\s*bare\s*=\s*(true|yes|on|1)\s*$", re.IGNORECASE | re.MULTILINE)


class Probe:
    """Whether a repository is there, readable, bare and writable (thread-safe, creates nothing)."""

    def __init__(self, path: Path):
        root = str(path)
        self._root = root
        self._head, self._objects = f"{root}/HEAD", f"{root}/objects"
        self._refs, self._config = f"{root}/refs", f"{root}/config"
        self._seen: tuple[int, int, int] | None = None  # the config's (inode, mtime, size)
        self._bare = False
        self._lock = threading.Lock()

    def has_head(self) -> bool:
        """Return True when the repository has its HEAD file (git made it)."""
        return os.path.isfile(self._head)

    def exists(self) -> bool:
        """Return True when the repository is there."""
        return os.path.isfile(self._head) and os.path.isdir(self._objects)

    def check(self) -> None:
        """Raise StoreUnavailable unless the repository is there, readable and bare."""
        if not self.exists():
            raise StoreUnavailable(f"no git repository at {self._root}",
                                   "The article store is missing.")
        try:
            st = os.stat(self._config)
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
            if key != self._seen:
                with open(self._config, encoding="utf-8", errors="replace") as f:
                    bare = bool(_BARE.search(f.read()))
                with self._lock:
                    self._seen, self._bare = key, bare
            if not os.access(self._objects, os.R_OK | os.X_OK):
                raise PermissionError(f"cannot read {self._objects}")
        except OSError as exc:
            raise StoreUnavailable(f"store at {self._root} is unreadable: {exc}") from exc
        if not self._bare:
            raise StoreUnavailable(f"{self._root} is not a bare repository",
                                   "The article store is not usable.")

    def writable(self) -> bool:
        """Tell whether this process may write versions here (False: read-only mount, no rights)."""
        return not self.exists() or (os.access(self._objects, os.W_OK)
                                     and os.access(self._refs, os.W_OK))
