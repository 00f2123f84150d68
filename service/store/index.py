"""The listing index: a small SQLite file derived from the refs, never the source of truth.

`<repo>/writethru/index.sqlite` serves "most recently updated first" without reading every
commit. It follows the refs by a stamp of them (stamp.py), is rebuilt when it cannot be
trusted, and `pending` rows guard against a writer killed mid-save; when it cannot be used at
all, the listing comes from the refs in memory (refrows.MemoryListing).

A request never rebuilds it. `ensure()` (GitStore.ensure_index: after `writethru import`,
before `writethru serve` starts its workers) makes it current up front. In a request, a missing
or untrusted file starts one background rebuild (a daemon thread per process; across
processes the flock serialises rebuilds) and the page is served from what is known: an older
readable file as it is (after a reboot, or while a large outside change is synced); with no
usable file, the request waits up to BACKGROUND_WAIT_S for the rebuild, then lists from memory,
which shares the rebuild's one read of the refs rather than repeating it (refrows.FullRead).
See docs/ARCHITECTURE.md, "The listing index (derived)".
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from . import stamp as stamps
from .errors import StoreUnavailable
from .indexdb import DAMAGED, FULL, SCHEMA_VERSION, code, put, select_page, transaction
from .indexsync import IndexFile, IndexUnusable, _boot_id, _Deferred
from .refrows import MemoryListing, RefSource, Row, decode_cursor, encode_cursor

__all__ = ["SCHEMA_VERSION", "ArticleIndex", "IndexUnusable"]

log = logging.getLogger(__name__)

BACKGROUND_WAIT_S = 5.0  # a request with no usable file waits this long for the rebuild
JOB_RETRY_S = 30.0  # after a failed background job, requests list from memory this long


class ArticleIndex(IndexFile):
    """Read and update the listing index; keep it in step with the refs, rebuild it from them
    when it cannot be trusted (in the background, or in ensure()), list from memory when it
    cannot be used.

    Thread-safe: a connection per thread (sqlite3's check_same_thread holds), flocks per open
    file (so threads exclude each other as processes do), and MemoryListing has its own lock.
    """

    def __init__(self, folder: Path, source: RefSource):
        super().__init__(folder, source)
        self._memory = MemoryListing(source, self._full_read)
        self._warned: set[str] = set()
        self._job_lock = threading.Lock()
        self._job: threading.Thread | None = None
        self._job_done = threading.Event()
        self._job_done.set()
        self._broken: int | None = None  # the inode a request found damaged, for the job
        self._failed_at: float | None = None  # when the last job failed (monotonic)

    @contextlib.contextmanager
    def writing(self, row: Row) -> Iterator[None]:
        """Keep the index in step while the body moves row.id's ref to row.commit.

        The row is marked pending before the move and settled after it, and the stored stamp of
        the refs follows this save's change (`stamp.advance`), so the store's own saves cause no
        rescan. Never fails the save: once its ref moved the version is in git, so an index
        error is logged and left to the next listing (a stamp left behind makes it sync, a
        damaged file is removed so that it is rebuilt). A writer never waits for a rebuild
        (its stamp is taken before it reads the refs, so it misses nothing): it skips the index,
        as it does a file not yet checked since a reboot (that check compares every row).
        """
        with contextlib.ExitStack() as held:
            conn, before = None, None
            try:
                held.enter_context(self._flock(fcntl.LOCK_SH, block=False))
                conn = self._trusted()[0]
                if conn is not None:
                    with transaction(conn):
                        put(conn, row, pending=True)
                    before = self._source.stamp()
            except (sqlite3.Error, OSError, IndexUnusable) as exc:
                if isinstance(exc, sqlite3.Error) and code(exc) == FULL:
                    # Nothing is saved yet, and the disk is full: refused now (StoreFull, 507)
                    # rather than moving a ref on a disk that cannot take the next write.
                    raise StoreUnavailable.of_write(
                        f"cannot update the listing index {self.path}", exc) from exc
                self._failed("before a save", exc, conn)
                conn = None
            yield
            if conn is not None:
                try:
                    after = self._source.stamp()
                    with transaction(conn):
                        put(conn, row, pending=False)
                        stamps.advance(conn, before, after)
                except sqlite3.Error as exc:
                    self._failed("after a save", exc, conn)

    def _failed(self, what: str, exc: Exception, conn: sqlite3.Connection | None) -> None:
        """Log an index failure; remove a damaged file so that the next listing rebuilds it."""
        damaged = isinstance(exc, sqlite3.Error) and code(exc) in DAMAGED
        # A rebuild running is no failure: the writer skips it, and the stamp tells the rest.
        log.log(logging.DEBUG if isinstance(exc, IndexUnusable) else logging.WARNING,
                "listing index, %s: %s%s", what, exc,
                "; removed, the next listing rebuilds it" if damaged else "")
        if damaged and conn is not None:
            with contextlib.suppress(OSError):
                # This writer's shared flock keeps rebuilds out, so the file is still the one
                # it found damaged (or already gone), never a fresh one.
                if os.stat(self.path).st_ino == self._local.key[1]:
                    os.unlink(self.path)

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        # A replica on a read-only mount lists from memory every time: say so once.
        level = logging.DEBUG if key in self._warned else logging.WARNING
        self._warned.add(key)
        log.log(level, message, *args)

    def ensure(self) -> bool:
        """Make the index current now, rebuilding it if missing or untrusted; cheap when current.

        Returns False (and logs why) when it cannot be written: listings then come from memory.
        """
        try:
            self._make_current()
            return self._trusted()[0] is not None
        except (sqlite3.Error, OSError, IndexUnusable) as exc:
            log.warning("listing index %s cannot be made current: %s", self.path, exc)
            return False

    def page(self, limit: int, cursor: str | None,
             query: str | None) -> tuple[list[Row], str | None]:
        """Return up to limit rows, most recently updated first, and the next cursor.

        Never fails because of the index and never rebuilds it in the caller (see the module
        docstring): when it cannot be read, the rows come from the refs kept in memory.
        """
        after = decode_cursor(cursor) if cursor else None
        try:
            found = self._indexed(limit + 1, after, query)
            self._memory.clear()
        except (sqlite3.Error, OSError, IndexUnusable) as exc:
            self._warn_once(f"{type(exc).__name__} {getattr(exc, 'errno', '')}",
                            "listing from the refs in memory: the listing index %s cannot be "
                            "used (%s)", self.path, exc)
            try:
                found = self._memory.select(limit + 1, after, query, self._seed)
            except OSError as err:  # the refs themselves cannot be read: the store is unusable
                raise StoreUnavailable(f"cannot list the refs: {err}") from err
        rows = found[:limit]
        next_cursor = encode_cursor(rows[-1]) if len(found) > limit else None
        return rows, next_cursor

    def _indexed(self, count: int, after: tuple[int, str] | None,
                 query: str | None) -> list[Row]:
        try:
            return self._settled(self._serving(), count, after, query)
        except sqlite3.DatabaseError as exc:  # met in a sync's full read or in a page of rows
            if code(exc) not in DAMAGED:
                raise
            log.warning("listing index %s is damaged (%s): rebuilding it", self.path, exc)
            self._start(broken=getattr(self._local, "key", (0, None))[1])
            self._job_done.wait(BACKGROUND_WAIT_S)
            return self._settled(self._serving(wait=False), count, after, query)

    def _serving(self, wait: bool = True) -> sqlite3.Connection:
        """Return a connection to serve a page from, current when that is cheap (a request).

        Anything more than a sync of a few moved refs is left to the background job; when no
        job can run (a read-only store, or the last one failed just now) IndexUnusable sends
        the listing to memory rather than serve a file nobody can check.
        """
        stamp = self._source.stamp()
        conn, meta = self._trusted(any_boot=True)
        if conn is None:
            if self._start() and wait:
                self._job_done.wait(BACKGROUND_WAIT_S)
            conn, meta = self._trusted(any_boot=True)
            if conn is None:
                raise IndexUnusable(f"{self.path} is missing or not trusted, and being rebuilt")
        if meta.get("boot_id") != _boot_id():
            # Checked and synced in the background; this boot serves the file meanwhile.
            if not self._start():
                raise IndexUnusable(f"{self.path} cannot be checked since the last boot")
            return conn
        if stamp is not None and meta.get("refs") == stamp.text:
            return conn  # the common case: two stats and one small query
        if self._running():
            return conn  # the job syncs (or rebuilds): this request does not wait for it
        try:
            if not self._sync(block=False):
                self._start()
                raise IndexUnusable(f"{self.path} is not trusted: rebuilding it")
        except (_Deferred, IndexUnusable) as exc:
            if isinstance(exc, _Deferred) and not self._start():
                raise IndexUnusable(f"{self.path} cannot be synced: {exc}") from None
            conn = self._trusted()[0]  # a rebuild holds the lock, or a large sync waits
            if conn is None:
                raise IndexUnusable(f"{self.path} is being rebuilt in the background") from None
            return conn
        conn = self._trusted()[0]
        if conn is None:
            raise IndexUnusable(f"{self.path} is not trusted after a sync")
        return conn

    def _running(self) -> bool:
        # The thread, not the event: a process forked while a job ran has no such thread.
        job = self._job
        return job is not None and job.is_alive()

    def _start(self, broken: int | None = None) -> bool:
        """Start the background job that makes the index current; tell whether it runs.

        Not on a store this process cannot write, nor within JOB_RETRY_S of a failed job.
        """
        with self._job_lock:
            if broken is not None:
                self._broken = broken
            if self._job is not None and self._job.is_alive():
                return True
            folder = self.path.parent if self.path.parent.exists() else self.path.parent.parent
            if not os.access(folder, os.W_OK) or (
                    self._failed_at is not None
                    and time.monotonic() - self._failed_at < JOB_RETRY_S):
                return False
            self._job_done.clear()
            self._job = threading.Thread(target=self._run_job, daemon=True,
                                         name="writethru-index-rebuild")
            self._job.start()
            return True

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no background job of this process runs; False if timeout came first."""
        return self._job_done.wait(timeout)

    def _run_job(self) -> None:
        try:
            with self._job_lock:
                broken, self._broken = self._broken, None
            self._make_current(broken)
            self._failed_at = None
        except Exception as exc:  # noqa: BLE001 - a background job has no caller to tell
            self._failed_at = time.monotonic()
            log.warning("listing index %s: background rebuild failed: %s", self.path, exc)
        finally:
            self._job_done.set()

    def _make_current(self, broken: int | None = None) -> None:
        """Rebuild, check after a reboot, or sync the index, whichever it needs (waits)."""
        conn, meta = self._trusted(any_boot=True)
        if conn is None or (broken is not None and self._inode() == broken):
            self._rebuild(broken)
        elif meta.get("boot_id") != _boot_id():
            self._after_reboot()
        elif not self._sync():
            self._rebuild()

    def _settled(self, conn: sqlite3.Connection, count: int, after: tuple[int, str] | None,
                 query: str | None) -> list[Row]:
        """Select rows, first re-reading the refs of rows a writer left pending."""
        while True:
            found = select_page(conn, count, after, query)
            pending = [r[0] for r in found if r[5]]
            if not pending:
                return [Row(*r[:5], title=r[6]) for r in found]
            with self._flock(fcntl.LOCK_SH):
                for article in pending:  # a writer mid-save (waited for) or killed mid-save
                    fresh = self._source.settled_row(article)
                    if fresh is None:
                        conn.execute("DELETE FROM articles WHERE id = ?", (article,))
                    else:
                        put(conn, fresh, pending=False)

    def _seed(self) -> dict[str, Row]:
        """Return a trusted index's rows, if it can be read, so memory re-reads only changes."""
        try:
            conn = self._trusted()[0]
            if conn is None:
                return {}
            return {r[0]: Row(*r) for r in conn.execute(
                "SELECT id, headline, versions, updated_at, commit_id, title FROM articles")}
        except (sqlite3.Error, OSError):
            return {}
