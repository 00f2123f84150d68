"""The listing index: a small SQLite file derived from the refs, never the source of truth.

`<repo>/writethru/index.sqlite` serves "most recently updated first" without reading every
commit; it is rebuilt from the refs when it cannot be trusted, and `pending` rows guard against
a writer killed mid-save. See docs/ARCHITECTURE.md, "The listing index (derived)".
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidCursor, StoreUnavailable
from .refs import file_lock

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


@dataclass(frozen=True)
class Row:
    """One article as the index holds it."""

    id: str
    headline: str
    versions: int
    updated_at: int  # nanoseconds since the epoch
    commit: str
    title: str = ""  # the first words of the latest text, shown when there is no headline


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def encode_cursor(row: Row) -> str:
    """Return an opaque cursor that continues a listing after row."""
    raw = json.dumps([row.updated_at, row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """Return (updated_at, id) from a cursor, or raise InvalidCursor.

    updated_at must be an int (not a bool) from 0 to 2**63 - 1: SQLite's INTEGER range, so a
    forged huge number is refused here rather than overflowing in the query.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        updated_at, article = json.loads(raw)
        if type(updated_at) is int and 0 <= updated_at < 2**63 and type(article) is str:
            return updated_at, article
    except (ValueError, TypeError, RecursionError):
        pass
    raise InvalidCursor(f"not a cursor from this listing: {cursor[:40]!r}")


class ArticleIndex:
    """Read and update the listing index; rebuild it from the refs when it cannot be trusted."""

    def __init__(self, folder: Path):
        self.path = folder / "index.sqlite"
        self._lock_path = folder / "index.lock"
        self._local = threading.local()

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

    def _flock(self, mode: int) -> contextlib.AbstractContextManager[int]:
        return file_lock(self._lock_path, mode)

    @contextlib.contextmanager
    def writing(self) -> Iterator[sqlite3.Connection | None]:
        """Hold off rebuilds while a writer updates its row and moves its ref.

        Yields the connection, or None when the index is not trusted (the next listing
        rebuilds it from the refs, which by then include this write).
        """
        with self._flock(fcntl.LOCK_SH):
            conn = self._trusted_connection()
            yield conn

    def _trusted_connection(self) -> sqlite3.Connection | None:
        try:
            conn = self._connection()
            if conn is None:
                return None
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError:
            return None
        if meta.get("schema") != SCHEMA_VERSION or meta.get("boot_id") != _boot_id():
            return None
        return conn

    @staticmethod
    def put(conn: sqlite3.Connection, row: Row, pending: bool) -> None:
        """Insert or replace an article's row."""
        # What a list shows is what a filter finds: the headline, else the first words.
        search = f"{row.id}\n{row.headline or row.title}".casefold()
        conn.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.id, row.headline, row.versions, row.updated_at, row.commit, search, int(pending),
             row.title),
        )

    @staticmethod
    def settle(conn: sqlite3.Connection, article: str, commit: str) -> None:
        """Clear the pending mark once the ref points to commit."""
        conn.execute("UPDATE articles SET pending = 0 WHERE id = ? AND commit_id = ?",
                     (article, commit))

    def page(self, limit: int, cursor: str | None, query: str | None,
             rows_from_refs: Callable[[], Iterable[Row]],
             row_from_ref: Callable[[str], Row | None]) -> tuple[list[Row], str | None]:
        """Return up to limit rows, most recently updated first, and the next cursor."""
        after = decode_cursor(cursor) if cursor else None
        try:
            conn = self._trusted_connection()
            if conn is None:
                self.rebuild(rows_from_refs())
                conn = self._trusted_connection()
            if conn is None:
                raise StoreUnavailable(f"cannot open the listing index {self.path}")
            while True:
                found = self._select(conn, limit + 1, after, query)
                pending = [r[0] for r in found if r[5]]
                if not pending:
                    break
                with self._flock(fcntl.LOCK_SH):
                    for article in pending:  # a writer died between its row and its ref
                        fresh = row_from_ref(article)
                        if fresh is None:
                            conn.execute("DELETE FROM articles WHERE id = ?", (article,))
                        else:
                            self.put(conn, fresh, pending=False)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"listing index: {exc}") from exc
        rows = [Row(*r[:5], title=r[6]) for r in found[:limit]]
        next_cursor = encode_cursor(rows[-1]) if len(found) > limit else None
        return rows, next_cursor

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

    def rebuild(self, rows: Iterable[Row]) -> None:
        """Write a fresh index from rows (read from the refs) and swap it in atomically."""
        with self._flock(fcntl.LOCK_EX):
            if self._trusted_connection() is not None:
                return  # another process rebuilt it while this one waited
            tmp = self.path.with_name(f"index.{os.getpid()}.{threading.get_ident()}.tmp")
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
                conn.execute("COMMIT")
            finally:
                conn.close()
            # Nobody writes while this holds the lock exclusively, so a journal still here is a
            # dead writer's; SQLite would roll it back into the new file as if it were hot.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}-journal")
            os.replace(tmp, self.path)
