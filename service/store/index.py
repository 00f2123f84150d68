"""The listing index: a small SQLite file derived from the refs, never the source of truth.

`<repo>/writethru/index.sqlite` serves "most recently updated first" without reading every
commit. It follows the refs by a stamp of them (refrows.py), is rebuilt when it cannot be
trusted, and `pending` rows guard against a writer killed mid-save; when it cannot be used at
all, the listing comes from the refs in memory. See docs/ARCHITECTURE.md, "The listing index
(derived)".
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
from .errors import StoreUnavailable
from .refrows import MemoryListing, RefSource, Row, decode_cursor, encode_cursor, search_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = "3"  # 2: updated_at in nanoseconds; 3: title, so a list reads no texts
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id TEXT PRIMARY KEY, headline TEXT NOT NULL, versions INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, commit_id TEXT NOT NULL, search TEXT NOT NULL,
    pending INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL DEFAULT ''
);
CREATE INDEX articles_by_time ON articles (updated_at DESC, id);
"""
# meta keys: schema, boot_id, and the stamp of the refs (stamp.py: refs, refs_ns, move ...).

# SQLite result codes (low byte of sqlite_errorcode): a damaged file, or tables not ours (our
# fixed queries fail with SQLITE_ERROR only then), is cured by a rebuild; a busy one by waiting;
# anything else (full, read-only, moved) only by a sync or by listing from memory meanwhile.
_DAMAGED = {1, 11, 26}  # SQLITE_ERROR, SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_FULL = 13  # SQLITE_FULL


class IndexUnusable(Exception):
    """The index cannot serve this now (held by a rebuild, or gone again after one)."""


def _code(exc: sqlite3.Error) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


class ArticleIndex:
    """Read and update the listing index; keep it in step with the refs, rebuild it from them
    when it cannot be trusted, list from memory when it cannot be used.

    Thread-safe: a connection per thread (sqlite3's check_same_thread holds), flocks per open
    file (so threads exclude each other as processes do), and MemoryListing has its own lock.
    """

    def __init__(self, folder: Path, source: RefSource):
        self.path = folder / "index.sqlite"
        self._lock_path = folder / "index.lock"
        self._source = source
        self._local = threading.local()
        self._memory = MemoryListing(source)
        self._warned: set[str] = set()
        self._sync_mutex = threading.Lock()

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
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        # Derived data: losing a write to a crash costs a rebuild, never a version.
        conn.execute("PRAGMA synchronous=OFF")
        # A save writes twice (pending mark, then settle); the default DELETE mode creates and
        # unlinks a journal file for each, about 1 ms a save here. PERSIST keeps the file and
        # zeroes its header instead; a writer killed mid-transaction still leaves a hot journal
        # that the next connection rolls back, and rebuild() removes the file under its lock.
        conn.execute("PRAGMA journal_mode=PERSIST")
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

    @contextlib.contextmanager
    def writing(self, row: Row) -> Iterator[None]:
        """Keep the index in step while the body moves row.id's ref to row.commit.

        The row is marked pending before the move and settled after it, and the stored stamp of
        the refs follows this save's change (`stamp.advance`), so the store's own saves cause no
        rescan. Never fails the save: once its ref moved the version is in git, so an index
        error is logged and left to the next listing (a stamp left behind makes it sync, a
        damaged file is removed so that it is rebuilt). A writer never waits for a rebuild
        (its stamp is taken before it reads the refs, so it misses nothing): it skips the index.
        """
        with contextlib.ExitStack() as held:
            conn, before = None, None
            try:
                held.enter_context(self._flock(fcntl.LOCK_SH, block=False))
                conn = self._trusted()[0]
                if conn is not None:
                    with _transaction(conn):
                        self.put(conn, row, pending=True)
                    before = self._source.stamp()
            except (sqlite3.Error, OSError, IndexUnusable) as exc:
                if isinstance(exc, sqlite3.Error) and _code(exc) == _FULL:
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
                    with _transaction(conn):
                        self.put(conn, row, pending=False)
                        stamps.advance(conn, before, after)
                except sqlite3.Error as exc:
                    self._failed("after a save", exc, conn)

    def _failed(self, what: str, exc: Exception, conn: sqlite3.Connection | None) -> None:
        """Log an index failure; remove a damaged file so that the next listing rebuilds it."""
        damaged = isinstance(exc, sqlite3.Error) and _code(exc) in _DAMAGED
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

    def _trusted(self) -> tuple[sqlite3.Connection | None, dict[str, str]]:
        """Return this thread's connection and the index's meta, or (None, {}) if untrusted."""
        try:
            conn = self._connection()
            if conn is None:
                return None, {}
            meta = dict(conn.execute(
                "SELECT key, value FROM meta WHERE key NOT LIKE 'move %'").fetchall())
        except sqlite3.DatabaseError as exc:  # damaged, or another program's file
            if _code(exc) in _BUSY:
                raise
            return None, {}
        if meta.get("schema") != SCHEMA_VERSION or meta.get("boot_id") != _boot_id():
            return None, {}
        return conn, meta

    @staticmethod
    def put(conn: sqlite3.Connection, row: Row, pending: bool) -> None:
        """Insert or replace an article's row."""
        # What a list shows is what a filter finds: the headline, else the first words.
        conn.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.id, row.headline, row.versions, row.updated_at, row.commit, search_text(row),
             int(pending), row.title),
        )

    def page(self, limit: int, cursor: str | None,
             query: str | None) -> tuple[list[Row], str | None]:
        """Return up to limit rows, most recently updated first, and the next cursor.

        Never fails because of the index: when it cannot be read, written or rebuilt, the rows
        come from the refs, kept in memory (refrows.MemoryListing).
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
            return self._settled(self._current(), count, after, query)
        except sqlite3.DatabaseError as exc:  # met in a sync's full read or in a page of rows
            if _code(exc) not in _DAMAGED:
                raise
            log.warning("listing index %s is damaged (%s): rebuilding it", self.path, exc)
            self._rebuild(broken=getattr(self._local, "key", (0, None))[1])
            return self._settled(self._current(), count, after, query)

    def _current(self) -> sqlite3.Connection:
        """Return this thread's connection to an index trusted and in step with the refs."""
        stamp = self._source.stamp()
        conn, meta = self._trusted()
        if conn is not None and stamp is not None and meta.get("refs") == stamp.text:
            return conn  # the common case: two stats and one small query
        if conn is None:
            self._rebuild()
        else:
            self._sync()
        conn = self._trusted()[0]
        if conn is None:
            raise IndexUnusable(f"{self.path} is not trusted after a rebuild")
        return conn

    def _settled(self, conn: sqlite3.Connection, count: int, after: tuple[int, str] | None,
                 query: str | None) -> list[Row]:
        """Select rows, first re-reading the refs of rows a writer left pending."""
        while True:
            found = self._select(conn, count, after, query)
            pending = [r[0] for r in found if r[5]]
            if not pending:
                return [Row(*r[:5], title=r[6]) for r in found]
            with self._flock(fcntl.LOCK_SH):
                for article in pending:  # a writer mid-save (waited for) or killed mid-save
                    fresh = self._source.settled_row(article)
                    if fresh is None:
                        conn.execute("DELETE FROM articles WHERE id = ?", (article,))
                    else:
                        self.put(conn, fresh, pending=False)

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

    @staticmethod
    def _select(conn: sqlite3.Connection, limit: int, after: tuple[int, str] | None,
                query: str | None) -> list[tuple[str, str, int, int, str, int, str]]:
        sql = "SELECT id, headline, versions, updated_at, commit_id, pending, title FROM articles"
        where, args = [], []
        if after is not None:
            where.append("(updated_at < ? OR (updated_at = ? AND id > ?))")
            args += [after[0], after[0], after[1]]
        if query:
            where.append("instr(search, ?) > 0")
            args.append(query.casefold())
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated_at DESC, id LIMIT ?"
        return conn.execute(sql, [*args, limit]).fetchall()

    def _sync(self) -> None:
        """Bring the index in step with the refs, reading only the articles whose ref moved.

        Writers go on meanwhile: their spans wait for this sync's stamp (taken before the rows
        and the refs are read) and carry it on when it is stored, and a row a writer changed
        while the refs were read is left as that writer wrote it. A change from outside after
        the stamp leaves it behind, so the next listing looks again. One sync at a time per
        process: the other threads wait for it rather than repeat it.
        """
        with self._sync_mutex:
            with self._flock(fcntl.LOCK_SH):  # keeps rebuilds, which replace the file, out
                conn, meta = self._trusted()
                if conn is not None:
                    self._sync_rows(conn, meta)
                    return
            self._rebuild()

    def _sync_rows(self, conn: sqlite3.Connection, meta: dict[str, str]) -> None:
        stamp = self._source.settled_stamp()
        if stamp is not None and meta.get("refs") == stamp.text:
            return  # another thread or process synced while this one waited
        have = {a: (sha, pending) for a, sha, pending in conn.execute(
            "SELECT id, commit_id, pending FROM articles")}
        refs = self._source.refs()
        rows = list(self._source.rows(
            (a, sha) for a, sha in refs.items() if have.get(a) != (sha, 0)))
        gone = [a for a in have if a not in refs]
        with _transaction(conn):
            for article, row in [*((r.id, r) for r in rows), *((a, None) for a in gone)]:
                now = conn.execute("SELECT commit_id, pending FROM articles WHERE id = ?",
                                   (article,)).fetchone()
                if (None if now is None else tuple(now)) != have.get(article):
                    continue  # a writer changed it since: its own row stands
                if row is None:
                    conn.execute("DELETE FROM articles WHERE id = ?", (article,))
                else:
                    self.put(conn, row, pending=False)
            stamps.keep(conn, stamp)

    def _rebuild(self, broken: int | None = None) -> None:
        """Rebuild from the refs unless another thread or process did while this one waited.

        broken: the inode of a file found damaged, rebuilt even though its meta reads well.
        Waits for the lock without a limit: listing from memory instead would cost as much.
        """
        with self._flock(fcntl.LOCK_EX):
            if self._trusted()[0] is not None and (broken is None or self._inode() != broken):
                return
            if self._inode() is not None and broken is None:
                log.warning("listing index %s is not trusted (damaged, another program's or "
                            "from before the last boot): rebuilding it", self.path)
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
        stamp = self._source.settled_stamp()  # before the refs are read, as in _sync
        rows = self._source.rows(self._source.refs().items())
        tmp = self.path.with_name(f"index.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.executescript(_SCHEMA)
                conn.execute("BEGIN")
                for row in rows:
                    self.put(conn, row, pending=False)
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
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
