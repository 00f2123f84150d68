"""The listing index's SQLite file: its schema, its connection settings, and its queries.

What the file means and how it is kept in step: store/index.py and docs/ARCHITECTURE.md,
"The listing index (derived)".
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from .refrows import Row, search_text

SCHEMA_VERSION = "3"  # 2: updated_at in nanoseconds; 3: title, so a list reads no texts
SCHEMA = """
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
DAMAGED = {1, 11, 26}  # SQLITE_ERROR, SQLITE_CORRUPT, SQLITE_NOTADB
BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
FULL = 13  # SQLITE_FULL

# One page: the columns a listing shows, and `pending`.
_COLUMNS = "id, headline, versions, updated_at, commit_id, pending, title"
PageRow = tuple[str, str, int, int, str, int, str]


def code(exc: sqlite3.Error) -> int:
    """Return the primary SQLite result code of an error."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Run the block in one write transaction, taken at once (BEGIN IMMEDIATE)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def connect(path: Path) -> sqlite3.Connection:
    """Open the index file with the settings every connection to it uses."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    # Derived data: losing a write to a crash costs a rebuild or a sync, never a version.
    conn.execute("PRAGMA synchronous=OFF")
    # A save writes twice (pending mark, then settle); the default DELETE mode creates and
    # unlinks a journal file for each, about 1 ms a save here. PERSIST keeps the file and
    # zeroes its header instead; a writer killed mid-transaction still leaves a hot journal
    # that the next connection rolls back, and a rebuild removes the file under its lock.
    conn.execute("PRAGMA journal_mode=PERSIST")
    return conn


def put(conn: sqlite3.Connection, row: Row, pending: bool) -> None:
    """Insert or replace an article's row."""
    # What a list shows is what a filter finds: the headline, else the first words.
    conn.execute(
        "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (row.id, row.headline, row.versions, row.updated_at, row.commit, search_text(row),
         int(pending), row.title),
    )


def put_many(conn: sqlite3.Connection, rows: Iterable[Row]) -> None:
    """Insert settled rows in bulk (a fresh file)."""
    conn.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, 0, ?)", (
        (r.id, r.headline, r.versions, r.updated_at, r.commit, search_text(r), r.title)
        for r in rows))


def page_queries(after: tuple[int, str] | None,
                 query: str | None) -> list[tuple[str, list[object]]]:
    """Return the SQL (and its arguments, less the limit) of a page, in the order to run them.

    Keyset pagination that SQLite serves from `articles_by_time` at any depth: after a cursor,
    first the rest of its instant (`updated_at = ? AND id > ?`), then everything older
    (`updated_at < ?`), each one range of the index in its own order. One query with
    `updated_at < ? OR (updated_at = ? AND id > ?)` made SQLite walk the index from its start
    to the cursor (9–11 ms at row 90,000 against 1 ms for the first page).
    """
    needle = " AND instr(search, ?) > 0" if query else ""
    extra: list[object] = [query.casefold()] if query else []
    order = " ORDER BY updated_at DESC, id LIMIT ?"
    select = f"SELECT {_COLUMNS} FROM articles INDEXED BY articles_by_time"
    if after is None:
        return [(f"{select} WHERE 1{needle}{order}", extra)]
    return [(f"{select} WHERE updated_at = ? AND id > ?{needle}{order}",
             [after[0], after[1], *extra]),
            (f"{select} WHERE updated_at < ?{needle}{order}", [after[0], *extra])]


def select_page(conn: sqlite3.Connection, limit: int, after: tuple[int, str] | None,
                query: str | None) -> list[PageRow]:
    """Return up to limit rows after the cursor position, most recently updated first."""
    found: list[PageRow] = []
    for sql, args in page_queries(after, query):
        found += conn.execute(sql, [*args, limit - len(found)]).fetchall()
        if len(found) >= limit:
            break
    return found


def quick_check(conn: sqlite3.Connection) -> bool:
    """Tell whether SQLite finds the file whole (`PRAGMA quick_check`: structure, not indexes)."""
    return [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()] == ["ok"]
