"""`Hooks`: a store's subscriptions and delivery queue, and what a save calls on a new version.

Made once per app or command. `version_created` only queues (one INSERT, one transaction) and
never raises: the version is saved whatever happens to its notification, and the delivery
itself happens later, in a worker (worker.py), never in the request that saved it.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .config import Subscription, file_stamp, hooks_file, load_subscriptions
from .queue import Queue, queue_file
from .registry import Registry, registry_file

log = logging.getLogger(__name__)

__all__ = ["Hooks"]

RECHECK = 1.0  # seconds between looks at the hooks file's stamp


class Hooks:
    """The subscriptions (re-read when the file changes) and the queue of one store."""

    def __init__(self, store_path: Path | str, file: Path | str | None = None, base_url: str = ""):
        self.store_path = Path(store_path)
        self.file = Path(file) if file is not None else hooks_file(store_path)
        self.queue = Queue(queue_file(store_path))
        self.base_url = base_url
        # Set when a version is queued, so this process's delivery thread wakes at once.
        self.wake = threading.Event()
        self._lock = threading.Lock()
        self._stamp = file_stamp(self.file)
        self._subs = load_subscriptions(self.file)  # a bad file fails here, at start, loudly
        self._looked = time.monotonic()
        # Subscriptions made over the API (authenticated), kept beside the file's.
        self.registry = Registry(registry_file(store_path))

    def subscriptions(self) -> tuple[Subscription, ...]:
        """Return every subscription: the hooks file's, then those made over the API."""
        from_file = self.file_subscriptions()
        try:
            made = tuple(item.subscription for item in self.registry.all())
        except ValueError as exc:  # an unreadable registry must not stop the file's deliveries
            log.error("writethru: webhook subscriptions made over the API not read: %s", exc)
            made = ()
        # A URL the file names later is the file's: one delivery, signed with the file's key.
        taken = {s.url for s in from_file}
        return from_file + tuple(s for s in made if s.url not in taken)

    def file_subscriptions(self) -> tuple[Subscription, ...]:
        """Return the hooks file's subscriptions; a file changed into a bad one is logged and ignored."""
        with self._lock:
            if time.monotonic() - self._looked < RECHECK:
                return self._subs
            self._looked = time.monotonic()
            stamp = file_stamp(self.file)
            if stamp != self._stamp:
                try:
                    self._subs = load_subscriptions(self.file)
                except ValueError as exc:  # HooksFileError: keep serving the last good list
                    log.error("writethru: hooks file not reloaded, keeping the previous "
                              "subscriptions: %s", exc)
                self._stamp = stamp
            return self._subs

    def find(self, url: str) -> Subscription | None:
        """Return the subscription of url, None when the file no longer has it."""
        return next((s for s in self.subscriptions() if s.url == url), None)

    def version_created(self, article: str, version: int, commit: str) -> list[str]:
        """Queue a delivery of a new version to each subscriber that wants it; never raises."""
        try:
            rows = [(s.url, s.name, article, version, commit)
                    for s in self.subscriptions() if s.wants(article)]
            if not rows:
                return []
            ids = self.queue.enqueue(rows)
            self.wake.set()
            return ids
        except Exception:  # the version is saved; losing its notification must not undo that
            log.exception("writethru: could not queue the webhooks of %s v%s", article, version)
            return []
