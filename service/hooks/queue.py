"""The durable delivery queue: one SQLite file beside the store's index, shared by processes.

`<store>/writethru/hooks.sqlite`, in WAL mode, so enqueuing (from a POST or `writethru ingest`)
never waits for a delivery being claimed or a log being read. A delivery is one new version for
one subscriber; every attempt is a row of its own, written before the request goes out and
completed after it, so an attempt cut short by a killed process still shows. Deliveries are
claimed with a lease: a process that dies holding one only delays it until the lease runs out.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["Attempt", "Claimed", "Queue", "queue_file"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,          -- X-Writethru-Delivery
    url TEXT NOT NULL,            -- the subscription (its secret is read from the hooks file)
    subscription TEXT NOT NULL,   -- its description or url, for the log
    article TEXT NOT NULL,
    version INTEGER NOT NULL,
    commit_id TEXT NOT NULL,
    event TEXT NOT NULL,
    queued_at REAL NOT NULL,
    payload BLOB,                 -- made at the first attempt; every retry sends these bytes
    state TEXT NOT NULL DEFAULT 'pending',  -- pending, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE TABLE IF NOT EXISTS attempts (
    delivery TEXT NOT NULL REFERENCES deliveries (id),
    n INTEGER NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,             -- NULL: the process died during the attempt
    status INTEGER,               -- the receiver's HTTP status, NULL when none came
    error TEXT,
    next_at REAL,                 -- when the retry is due, NULL when none follows
    PRIMARY KEY (delivery, n)
);
"""


def queue_file(store_path: Path | str) -> Path:
    """Return where the delivery queue of the store at store_path lives."""
    return Path(store_path) / "writethru" / "hooks.sqlite"


@dataclass(frozen=True)
class Claimed:
    """A delivery this process holds the lease of."""

    id: str
    url: str
    article: str
    version: int
    commit: str
    event: str
    payload: bytes | None
    attempts: int


@dataclass(frozen=True)
class Attempt:
    """One attempt as the log shows it."""

    delivery: str
    n: int
    started_at: float
    finished_at: float | None
    status: int | None
    error: str | None
    next_at: float | None
    subscription: str
    url: str
    article: str
    version: int
    state: str


class Queue:
    """The delivery queue of one store: a connection per thread and process (never shared).

    Connections are kept, not opened per call: the last connection to a WAL file to close
    checkpoints it and fsyncs, which made each enqueue cost milliseconds.
    """

    def __init__(self, path: Path | str, busy_ms: int = 5000):
        self.path = Path(path)
        self.busy_ms = busy_ms
        self._ready = False
        self._local = threading.local()

    @contextmanager
    def _db(self, create: bool = True) -> Iterator[sqlite3.Connection]:
        if not create and not self.path.exists():
            raise FileNotFoundError(self.path)
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():  # never a connection from before a fork
            db = self._local.db = self._connect()
            self._local.pid = os.getpid()
        try:
            yield db
        except sqlite3.Error:
            # A connection in doubt is not reused; the next call opens a fresh one.
            self._local.db = None
            db.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level None: transactions are begun explicitly, so each is as short as we say.
        db = sqlite3.connect(self.path, timeout=self.busy_ms / 1000, isolation_level=None)
        try:
            if not self._ready:
                db.execute("PRAGMA journal_mode=WAL")  # kept in the file once set
                db.executescript(SCHEMA)
                self._ready = True
            # FULL: a queued notification survives power loss once its 201 has gone out
            # (NORMAL would lose the last commits); the queue is small, the fsync cheap.
            db.execute("PRAGMA synchronous=FULL")
        except BaseException:
            db.close()
            raise
        return db

    def enqueue(self, rows: Sequence[tuple[str, str, str, int, str]], event: str = "version.created",
                now: float | None = None) -> list[str]:
        """Queue (url, subscription name, article, version, commit) rows in one INSERT; their ids."""
        now = time.time() if now is None else now
        ids = [uuid.uuid4().hex for _ in rows]
        with self._db() as db:
            db.executemany(
                "INSERT INTO deliveries (id, url, subscription, article, version, commit_id, event, "
                "queued_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(i, *row, event, now, now) for i, row in zip(ids, rows, strict=True)])
        return ids

    def claim(self, owner: str, lease: float, limit: int = 8, now: float | None = None) -> list[Claimed]:
        """Lease up to `limit` due deliveries nobody holds to `owner`, for `lease` seconds."""
        now = time.time() if now is None else now
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # one claimer at a time: no delivery is taken twice
            try:
                rows = db.execute(
                    "SELECT id, url, article, version, commit_id, event, payload, attempts "
                    "FROM deliveries WHERE state = 'pending' AND next_at <= ? AND lease_until <= ? "
                    "ORDER BY next_at LIMIT ?", (now, now, limit)).fetchall()
                db.executemany("UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?",
                               [(owner, now + lease, r[0]) for r in rows])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return [Claimed(*r) for r in rows]

    def next_due(self) -> float | None:
        """Return when the next pending delivery falls due (or its lease ends), None if none."""
        with self._db() as db:
            row = db.execute("SELECT MIN(MAX(next_at, lease_until)) FROM deliveries "
                             "WHERE state = 'pending'").fetchone()
        return row[0]

    def keep_payload(self, delivery: str, payload: bytes) -> None:
        """Keep the payload made for a delivery, so that every retry sends the same bytes."""
        with self._db() as db:
            db.execute("UPDATE deliveries SET payload = ? WHERE id = ? AND payload IS NULL",
                       (payload, delivery))

    def start_attempt(self, claimed: Claimed, now: float | None = None) -> int:
        """Record that an attempt begins (before the request goes out); return its number."""
        now = time.time() if now is None else now
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                n = db.execute("SELECT attempts FROM deliveries WHERE id = ?",
                               (claimed.id,)).fetchone()[0] + 1
                db.execute("UPDATE deliveries SET attempts = ? WHERE id = ?", (n, claimed.id))
                db.execute("INSERT INTO attempts (delivery, n, started_at) VALUES (?, ?, ?)",
                           (claimed.id, n, now))
                db.execute("COMMIT")
            except BaseException:  # not only sqlite errors: an open BEGIN would lock out all
                db.execute("ROLLBACK")
                raise
        return n

    def finish_attempt(self, claimed: Claimed, n: int, owner: str, *, status: int | None,
                       error: str | None, next_at: float | None, state: str,
                       now: float | None = None) -> None:
        """Record an attempt's outcome and, while `owner` still holds the lease, the delivery's state."""
        now = time.time() if now is None else now
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("UPDATE attempts SET finished_at = ?, status = ?, error = ?, next_at = ? "
                           "WHERE delivery = ? AND n = ?",
                           (now, status, error, next_at, claimed.id, n))
                db.execute("UPDATE deliveries SET state = ?, next_at = COALESCE(?, next_at), "
                           "lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?",
                           (state, next_at, claimed.id, owner))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def attempts(self, article: str | None = None, limit: int = 200) -> list[Attempt]:
        """Return the latest attempts, newest first (of one article when given)."""
        where, args = ("WHERE d.article = ?", [article]) if article else ("", [])
        try:
            with self._db(create=False) as db:
                rows = db.execute(
                    "SELECT a.delivery, a.n, a.started_at, a.finished_at, a.status, a.error, a.next_at, "
                    "d.subscription, d.url, d.article, d.version, d.state FROM attempts a "
                    f"JOIN deliveries d ON d.id = a.delivery {where} "
                    "ORDER BY a.started_at DESC, a.n DESC LIMIT ?", (*args, limit)).fetchall()
        except FileNotFoundError:
            return []
        return [Attempt(*r) for r in rows]

    def pending(self, article: str | None = None) -> list[tuple[str, str, str, int, float, int]]:
        """Return (id, subscription, article, version, next_at, attempts) of the deliveries still to make."""
        where, args = ("AND article = ?", [article]) if article else ("", [])
        try:
            with self._db(create=False) as db:
                return db.execute(
                    "SELECT id, subscription, article, version, next_at, attempts FROM deliveries "
                    f"WHERE state = 'pending' {where} ORDER BY next_at", args).fetchall()
        except FileNotFoundError:
            return []
