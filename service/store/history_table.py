"""What history walks found, kept in a derived SQLite file so a cold walk need not read git.

`<repo>/writethru/history.sqlite` holds, per commit a walk has read, its first parent, version
number, time, paragraph and word counts and the id of its meta.json blob, and each meta by blob
id. A commit id names its whole chain, so a row stays true for ever and is never invalidated: a
walk asks for the chain from its head (one recursive query following parent links) and reads git
only below what the table knows. A missing, damaged, foreign or read-only file means walking git
as before, never a failure; a damaged one is replaced. Why: docs/ARCHITECTURE.md, "Reading".
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1  # PRAGMA user_version of a file this module wrote
_SCHEMA = """
CREATE TABLE IF NOT EXISTS commits (
    id TEXT PRIMARY KEY, parent TEXT, version INTEGER NOT NULL, time INTEGER NOT NULL,
    paragraphs INTEGER NOT NULL, words INTEGER NOT NULL, meta TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metas (id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
"""
# Each step must lower the version by one: a damaged file can neither loop nor skip a version.
_CHAIN = """
WITH RECURSIVE chain(id, parent, version, time, paragraphs, words, meta) AS (
    SELECT id, parent, version, time, paragraphs, words, meta FROM commits WHERE id = ?
    UNION ALL
    SELECT c.id, c.parent, c.version, c.time, c.paragraphs, c.words, c.meta
    FROM commits AS c JOIN chain ON c.id = chain.parent AND c.version = chain.version - 1
)
SELECT id, parent, version, time, paragraphs, words, meta FROM chain
"""
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB: replaced by an empty file


class Known(NamedTuple):
    """One commit as the table knows it (meta: blob id of meta.json, "" when it has none)."""

    id: str
    parent: str | None
    version: int
    time: int
    paragraphs: int
    words: int
    meta: str


class HistoryTable:
    """Read and add rows of history.sqlite; every failure reads as "not known".

    A connection per thread and per process (sqlite3 connections are not shared across threads,
    and must not be used across a fork).
    """

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._off_in: int | None = None  # pid of a process that found the file unusable
        self._read_only_in: int | None = None  # pid of a process that may read it, not write

    def _conn(self, create: bool = False) -> sqlite3.Connection | None:
        pid = os.getpid()
        if self._off_in == pid:
            return None
        local = self._local
        if getattr(local, "pid", None) == pid and local.conn is not None:
            return local.conn
        if not create and not self.path.is_file():
            return None  # only a walk that learned something makes the file
        local.pid, local.conn = pid, None
        if not self.path.parent.is_dir():
            return None  # no folder of ours (a read-only mirror, say): nothing is created for it
        try:
            conn = sqlite3.connect(self.path, timeout=0.5, isolation_level=None)
            local.conn = conn  # closed by _failed if what follows fails
            # Derived and rebuildable: a crash may lose rows, which the next walk writes again.
            conn.execute("PRAGMA synchronous=OFF")
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self._make_schema(conn)
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        return conn

    @staticmethod
    def _make_schema(conn: sqlite3.Connection) -> None:
        """Create the tables and mark the version, in one transaction under the write lock.

        Another process may be making the same file at the same moment: looked at outside a
        transaction, its first rows (written just after it set the version) read as rows of
        an unknown layout, and the file was thrown away.
        """
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if conn.execute("SELECT 1 FROM commits LIMIT 1").fetchone() is not None:
                    # rows of another layout: not ours to read
                    raise sqlite3.DatabaseError("history.sqlite has an unknown schema")
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _failed(self, exc: sqlite3.Error) -> None:
        """Drop this thread's connection; replace a damaged file, or stop using an unusable one."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in _DAMAGED or "unknown schema" in str(exc):
            log.warning("replacing %s: %s", self.path, exc)
            try:
                for suffix in ("", "-journal", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(f"{self.path}{suffix}")
                self._local.pid = None  # the next call opens a new, empty file
                return None
            except OSError:
                pass
        elif code in (5, 6):  # busy: another writer holds it; try again next time
            self._local.pid = None
            return None
        elif code == 8:  # SQLITE_READONLY: what is there can still be read
            self._read_only_in = os.getpid()
            self._local.pid = None
            return None
        log.info("not keeping histories in %s: %s", self.path, exc)
        self._off_in = os.getpid()
        return None

    def chain(self, head: str) -> list[Known]:
        """Return the rows of head's chain the table knows, head first, as far down as they go."""
        conn = self._conn()
        if conn is None:
            return []
        try:
            return [Known(*row) for row in conn.execute(_CHAIN, (head,))]
        except sqlite3.Error as exc:
            self._failed(exc)
            return []

    def metas(self, ids: set[str]) -> dict[str, dict] | None:
        """Return {blob id: parsed meta} for ids ("" is no meta.json: {}); None if any is missing."""
        conn = self._conn()
        wanted = ids - {""}
        found: dict[str, dict] = {"": {}} if "" in ids else {}
        if conn is None:
            return None
        try:
            rows = conn.execute(
                f"SELECT id, json FROM metas WHERE id IN ({','.join('?' * len(wanted))})",
                tuple(wanted)).fetchall() if wanted else []
            for meta_id, text in rows:
                found[meta_id] = json.loads(text)
        except (sqlite3.Error, ValueError) as exc:
            if isinstance(exc, sqlite3.Error):
                self._failed(exc)
            return None
        return found if len(found) == len(ids) else None

    def add(self, rows: list[Known], metas: dict[str, dict]) -> None:
        """Remember rows and their metas (already known ones are left as they are)."""
        if not rows or self._read_only_in == os.getpid():
            return
        conn = self._conn(create=True)
        if conn is None:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR IGNORE INTO metas VALUES (?, ?)",
                                 [(k, json.dumps(v)) for k, v in metas.items() if k])
                conn.executemany("INSERT OR IGNORE INTO commits VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self._failed(exc)
