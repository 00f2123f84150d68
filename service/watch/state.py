"""What the watcher remembers between polls, in sqlite beside the store's own files.

Per URL (feeds and pages): validators for conditional GETs, when it was last seen and is next
due, its failures, the article it holds and whether the publisher deleted it. Per host: not
before when to ask again after a 429 or 5xx.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, last_seen REAL, next_poll REAL,
    failures INTEGER NOT NULL DEFAULT 0, article_id TEXT, published_at TEXT,
    first_seen REAL, deleted_at REAL, deleted_status INTEGER);
CREATE TABLE IF NOT EXISTS hosts (
    host TEXT PRIMARY KEY, not_before REAL NOT NULL, failures INTEGER NOT NULL DEFAULT 0);
"""


@dataclass(frozen=True)
class UrlState:
    """What is known of one URL."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_seen: float | None = None
    next_poll: float | None = None
    failures: int = 0
    article_id: str | None = None
    published_at: str | None = None
    first_seen: float | None = None
    deleted_at: float | None = None
    deleted_status: int | None = None


class WatchState:
    """The watcher's sqlite file; safe to share between the threads of one process."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def get(self, url: str) -> UrlState:
        """Return what is known of url (an empty UrlState if nothing)."""
        with self._lock:
            row = self._db.execute(
                "SELECT url, etag, last_modified, last_seen, next_poll, failures, article_id, "
                "published_at, first_seen, deleted_at, deleted_status FROM urls WHERE url = ?",
                (url,)).fetchone()
        return UrlState(*row) if row else UrlState(url)

    def update(self, url: str, **fields) -> None:
        """Set some fields of url's row, creating it if need be."""
        names = sorted(fields)
        assert set(names) <= set(UrlState.__dataclass_fields__) - {"url"}, names
        sets = ", ".join(f"{n} = excluded.{n}" for n in names)
        columns = ", ".join(["url", *names])
        marks = ", ".join("?" * (len(names) + 1))
        with self._lock:
            self._db.execute(
                f"INSERT INTO urls ({columns}) VALUES ({marks}) ON CONFLICT(url) DO UPDATE SET "
                f"{sets}" if names else "INSERT OR IGNORE INTO urls (url) VALUES (?)",
                [url, *(fields[n] for n in names)])

    def deleted(self) -> list[UrlState]:
        """Return the URLs whose story the publisher deleted."""
        with self._lock:
            urls = [r[0] for r in self._db.execute(
                "SELECT url FROM urls WHERE deleted_at IS NOT NULL ORDER BY url")]
        return [self.get(u) for u in urls]

    def host_not_before(self, host: str) -> tuple[float, int]:
        """Return (time before which host is not asked, failures in a row) for host."""
        with self._lock:
            row = self._db.execute("SELECT not_before, failures FROM hosts WHERE host = ?",
                                   (host,)).fetchone()
        return (row[0], row[1]) if row else (0.0, 0)

    def set_host(self, host: str, not_before: float, failures: int) -> None:
        """Remember a host's backoff (failures 0 clears it)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO hosts (host, not_before, failures) VALUES (?, ?, ?) ON CONFLICT(host)"
                " DO UPDATE SET not_before = excluded.not_before, failures = excluded.failures",
                (host, not_before, failures))

    def pages(self) -> list[UrlState]:
        """Return the article pages known (they hold an article) and not deleted."""
        with self._lock:
            urls = [r[0] for r in self._db.execute(
                "SELECT url FROM urls WHERE article_id IS NOT NULL AND deleted_at IS NULL "
                "ORDER BY url")]
        return [self.get(u) for u in urls]
