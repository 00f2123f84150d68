"""The delivery loop: claim a due delivery under a lease, send it, record the attempt, repeat.

Any number of these run at once (a thread in each gunicorn worker, `writethru hooks deliver`):
a delivery is claimed in an IMMEDIATE transaction and leased to one owner, so two never send
it at the same time; a worker killed mid-attempt holds its lease until it runs out, then another
takes the delivery up again. Deliveries are at least once: a receiver deduplicates by
X-Writethru-Delivery.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from .deliver import FIRST_DELAY, MAX_ATTEMPTS, MAX_DELAY, TIMEOUT, backoff, post
from .notifier import Hooks
from .payload import build_payload
from .queue import Claimed

log = logging.getLogger(__name__)

__all__ = ["Worker", "main"]

LEASE = 60.0  # longer than an attempt can take (connect and read timeouts, and the payload)
POLL = 2.0  # seconds between looks at the queue for deliveries queued by other processes


class Worker:
    """Delivers a store's queued webhooks, one at a time, until stopped."""

    def __init__(self, hooks: Hooks, differ: Any, *, lease: float = LEASE, poll: float = POLL,
                 first_delay: float = FIRST_DELAY, max_delay: float = MAX_DELAY,
                 max_attempts: int = MAX_ATTEMPTS, timeout: float = TIMEOUT):
        self.hooks, self.differ = hooks, differ
        self.lease, self.poll, self.timeout = lease, poll, timeout
        self.first_delay, self.max_delay, self.max_attempts = first_delay, max_delay, max_attempts
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Send every delivery due now, one claim at a time; return how many attempts were made."""
        made = 0
        while not self._stop.is_set():
            if not self.hooks.queue.path.exists():
                return made  # nothing was ever queued: an idle server creates no file
            # One at a time: a claimed batch could outlive its lease behind slow receivers.
            claimed = self.hooks.queue.claim(self.owner, self.lease, limit=1)
            if not claimed:
                return made
            self.attempt(claimed[0])
            made += 1
        return made

    def attempt(self, claimed: Claimed) -> None:
        """Make one attempt at a claimed delivery and record it."""
        queue = self.hooks.queue
        sub = self.hooks.find(claimed.url)
        n = queue.start_attempt(claimed)
        status: int | None = None
        error: str | None
        if sub is None:
            error, final, delivered = "the subscription is no longer in the hooks file", True, False
        else:
            body = claimed.payload
            try:
                if body is None:
                    body = build_payload(self.differ, claimed.article, claimed.version,
                                         claimed.commit, self.hooks.base_url, claimed.event)
                    queue.keep_payload(claimed.id, body)
                outcome = post(sub.url, body, sub.secret, claimed.id, claimed.event, self.timeout)
                status, error = outcome.status, outcome.error
                final, delivered = outcome.final, outcome.delivered
            except Exception as exc:  # the payload could not be made (store unreadable): retry
                log.exception("writethru: webhook payload of %s v%s", claimed.article, claimed.version)
                error, final, delivered = f"payload not made: {type(exc).__name__}: {exc}"[:300], False, False
        if delivered:
            state, next_at = "delivered", None
        elif final or n >= self.max_attempts:
            state, next_at = "failed", None
        else:
            state = "pending"
            next_at = time.time() + backoff(n, self.first_delay, self.max_delay)
        queue.finish_attempt(claimed, n, self.owner, status=status, error=error,
                             next_at=next_at, state=state)
        if state == "failed":
            log.warning("writethru: webhook %s of %s v%s to %s given up after %d attempts: %s",
                        claimed.id, claimed.article, claimed.version, claimed.url, n, error)

    def run(self) -> None:
        """Deliver until stop() is called: at once when woken by a queued version, else by polling."""
        while not self._stop.is_set():
            try:
                self.run_once()
                wait = self.poll
                if self.hooks.queue.path.exists():
                    due = self.hooks.queue.next_due()
                    if due is not None:
                        wait = min(wait, max(0.05, due - time.time()))
            except Exception:  # a locked or damaged queue file: say so, then try again later
                log.exception("writethru: webhook delivery loop")
                wait = self.poll
            self.hooks.wake.wait(wait)
            self.hooks.wake.clear()

    def start(self) -> Worker:
        """Run in a daemon thread (one per gunicorn worker); a thread cut off at exit leaves a lease."""
        self.hooks.wake = threading.Event()  # not one a parent process may have held at fork
        self._thread = threading.Thread(target=self.run, name="writethru-hooks", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the loop to end after the attempt in hand, and wait up to timeout for it."""
        self._stop.set()
        self.hooks.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


def main(store_path: str | Path, *, hooks_path: str | Path | None = None, base_url: str = "",
         once: bool = False, **options: Any) -> int:
    """Deliver the queue of the store at store_path in this process until SIGTERM or SIGINT."""
    from ..diff import Differ
    from ..store import GitStore

    store = GitStore(Path(store_path))
    differ = Differ(store, facts=Differ.facts_beside(store.path))
    worker = Worker(Hooks(store.path, hooks_path, base_url), differ, **options)
    if once:
        return worker.run_once()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop(0))
    worker.run()
    return 0
