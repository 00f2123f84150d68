"""The listing index's file kept in step with the refs: opened, trusted, synced, checked after
a reboot, rebuilt. The part of store/index.py that touches the file as a whole.

See docs/ARCHITECTURE.md, "The listing index (derived)".
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from . import stamp as stamps
from .indexdb import (
    BUSY,
    DAMAGED,
    SCHEMA,
    SCHEMA_VERSION,
    code,
    connect,
    put,
    put_many,
    quick_check,
    transaction,
)
from .refrows import FullRead, RefSource

log = logging.getLogger("service.store.index")  # one logger for the index, as before the split

INLINE_SYNC_ROWS = 10_000  # a request syncs this many moved refs itself; more, the background


class IndexUnusable(Exception):
    """The index cannot serve this now (held by a rebuild, or gone again after one)."""


class _Deferred(Exception):
    """Too much to sync inside a request: left to the background, the file served as it is."""


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""



class IndexFile:
    """The index file: a connection per thread, the flock, trust, sync and rebuild."""

    def __init__(self, folder: Path, source: RefSource):
        self.path = folder / "index.sqlite"
        self._lock_path = folder / "index.lock"
        self._source = source
        self._local = threading.local()
        self._full_read = FullRead(source)
        self._sync_mutex = threading.Lock()
        self.rebuilt_by: str | None = None  # the thread that wrote the last fresh file (tests)

    def _connection(self) -> sqlite3.Connection | None:
        """Return this thread's connection to the current file, None if there is no file."""
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            return None
        cached = getattr(self._local, "conn", None)
        # A rebuild renames a new file into place, and a process may have forked: reconnect.
        if cached is not None and self._local.key == (os.getpid(), inode):
            return cached
        if cached is not None and self._local.key[0] == os.getpid():
            cached.close()
        conn = connect(self.path)
        self._local.conn, self._local.key = conn, (os.getpid(), inode)
        return conn

    @contextlib.contextmanager
    def _flock(self, mode: int, block: bool = True) -> Iterator[None]:
        """Hold the index's flock; not blocking, IndexUnusable when another holds it."""
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except FileNotFoundError:  # a mirror made by git has no folder of ours yet
            self._lock_path.parent.mkdir(exist_ok=True)
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, mode if block else mode | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexUnusable("a rebuild of the listing index is running") from None
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _trusted(self, any_boot: bool = False) -> tuple[sqlite3.Connection | None, dict[str, str]]:
        """Return this thread's connection and the index's meta, or (None, {}) if untrusted.

        any_boot: trust a file written before this boot too (to serve it, or to check it).
        """
        try:
            conn = self._connection()
            if conn is None:
                return None, {}
            meta = dict(conn.execute(
                "SELECT key, value FROM meta WHERE key NOT LIKE 'move %'").fetchall())
        except sqlite3.DatabaseError as exc:  # damaged, or another program's file
            if code(exc) in BUSY:
                raise
            return None, {}
        if meta.get("schema") != SCHEMA_VERSION:
            return None, {}
        if not any_boot and meta.get("boot_id") != _boot_id():
            return None, {}
        return conn, meta

    def _sync(self, block: bool = True) -> bool:
        """Bring the index in step with the refs, reading only the articles whose ref moved.

        Writers go on meanwhile: their spans wait for this sync's stamp (taken before the rows
        and the refs are read) and carry it on when it is stored, and a row a writer changed
        while the refs were read is left as that writer wrote it. A change from outside after
        the stamp leaves it behind, so the next listing looks again. One sync at a time per
        process: the other threads wait for it rather than repeat it. Returns False when the
        file is not trusted (it needs a rebuild); not blocking, raises IndexUnusable while a
        rebuild holds the lock and _Deferred for more than INLINE_SYNC_ROWS moved refs.
        """
        with self._sync_mutex, self._flock(fcntl.LOCK_SH, block):  # keeps rebuilds out
            conn, meta = self._trusted()
            if conn is None:
                return False
            self._sync_rows(conn, meta, most=None if block else INLINE_SYNC_ROWS)
            return True

    def _sync_rows(self, conn: sqlite3.Connection, meta: dict[str, str],
                   most: int | None = None, reboot: bool = False) -> None:
        """Re-read the rows whose ref moved (every ref compared when reboot) and keep the stamp."""
        stamp = self._source.settled_stamp()
        if not reboot and stamp is not None and meta.get("refs") == stamp.text:
            return  # another thread or process synced while this one waited
        have = {a: (sha, pending) for a, sha, pending in conn.execute(
            "SELECT id, commit_id, pending FROM articles")}
        refs = self._source.refs()
        moved = [(a, sha) for a, sha in refs.items() if have.get(a) != (sha, 0)]
        if most is not None and len(moved) > most:
            raise _Deferred(f"{len(moved)} refs moved")
        rows = list(self._source.rows(moved))
        gone = [a for a in have if a not in refs]
        with transaction(conn):
            for article, row in [*((r.id, r) for r in rows), *((a, None) for a in gone)]:
                now = conn.execute("SELECT commit_id, pending FROM articles WHERE id = ?",
                                   (article,)).fetchone()
                if (None if now is None else tuple(now)) != have.get(article):
                    continue  # a writer changed it since: its own row stands
                if row is None:
                    conn.execute("DELETE FROM articles WHERE id = ?", (article,))
                else:
                    put(conn, row, pending=False)
            stamps.keep(conn, stamp)
            if reboot:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('boot_id', ?)", (_boot_id(),))

    def _after_reboot(self) -> None:
        """Check a file written before this boot and sync every row, or rebuild it if damaged.

        The file is never fsynced (synchronous=OFF): a power loss or OS crash may have dropped
        any of its last writes, the stamp's among them, or torn its pages. So after a reboot
        neither the stamp nor the pages are taken on trust: `PRAGMA quick_check` looks at the
        structure, and every ref's commit is compared with its row (only rows that differ are
        read again); then this boot's id is stored. Writers skip the file until then.
        """
        with self._sync_mutex, self._flock(fcntl.LOCK_EX):  # one check across processes
            conn, meta = self._trusted(any_boot=True)
            if conn is None or meta.get("boot_id") == _boot_id():
                fresh = conn is None
            else:
                try:
                    fresh = not quick_check(conn)
                    if not fresh:
                        self._sync_rows(conn, meta, reboot=True)
                except sqlite3.DatabaseError as exc:
                    if code(exc) not in DAMAGED:
                        raise
                    fresh = True
                if fresh:
                    log.warning("listing index %s is damaged after a reboot: rebuilding it",
                                self.path)
            if fresh and self._trusted()[0] is None:
                self._write_fresh()

    def _rebuild(self, broken: int | None = None) -> None:
        """Rebuild from the refs unless another thread or process did while this one waited.

        broken: the inode of a file found damaged, rebuilt even though its meta reads well.
        Waits for the lock without a limit (callers: ensure() and the background job).
        """
        with self._flock(fcntl.LOCK_EX):
            if self._trusted()[0] is not None and (broken is None or self._inode() != broken):
                return
            if self._inode() is not None and broken is None:
                log.warning("listing index %s is not trusted (damaged, another program's or "
                            "of another schema): rebuilding it", self.path)
            self._write_fresh()

    def rebuild(self) -> None:
        """Rebuild the index from the refs now (after writing to the repository by hand)."""
        with self._flock(fcntl.LOCK_EX):
            self._write_fresh()

    def _inode(self) -> int | None:
        with contextlib.suppress(FileNotFoundError):
            return os.stat(self.path).st_ino
        return None

    def _write_fresh(self) -> None:
        """Write a fresh index from the refs and swap it in atomically (exclusive flock held)."""
        stamp, rows = self._full_read()  # the stamp is taken before the refs, as in _sync
        tmp = self.path.with_name(f"index.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA synchronous=OFF")  # renamed into place whole, or not at all
                conn.executescript(SCHEMA)
                conn.execute("BEGIN")
                put_many(conn, rows)
                conn.executemany("INSERT INTO meta VALUES (?, ?)",
                                 [("schema", SCHEMA_VERSION), ("boot_id", _boot_id())])
                stamps.keep(conn, stamp)
                conn.execute("COMMIT")
            finally:
                conn.close()
            # Nobody writes while this holds the lock exclusively, so a journal still here is a
            # dead writer's; SQLite would roll it back into the new file as if it were hot.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}-journal")
            os.replace(tmp, self.path)
            self.rebuilt_by = threading.current_thread().name
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
