"""The search index's SQLite file: derived from git, rebuilt when missing, damaged or outdated.

Tables: `heads` (what was indexed of each article), `spans` (a paragraph's or a headline's
text and the run of versions it stood in), `fts` (FTS5 over the spans' words, contentless:
the text lives once, in `spans`), `versions` and `changes` (each version's time, label and the
kinds of change its update digest found).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: Bumped when the schema or what is indexed changes: an older file is rebuilt, never migrated.
SCHEMA = 1

_TABLES = """
CREATE TABLE IF NOT EXISTS heads (article TEXT PRIMARY KEY, commit_id TEXT NOT NULL,
                                  versions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS spans (id INTEGER PRIMARY KEY, article TEXT NOT NULL,
                                  field TEXT NOT NULL, position INTEGER NOT NULL,
                                  first INTEGER NOT NULL, last INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS spans_open ON spans (article, last);
CREATE INDEX IF NOT EXISTS spans_order ON spans (article, first, id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(words, content='',
                                                  tokenize='unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS versions (article TEXT NOT NULL, version INTEGER NOT NULL,
                                     created_ns INTEGER NOT NULL, label TEXT NOT NULL,
                                     headline TEXT NOT NULL, PRIMARY KEY (article, version));
CREATE INDEX IF NOT EXISTS versions_time ON versions (created_ns);
CREATE TABLE IF NOT EXISTS changes (article TEXT NOT NULL, version INTEGER NOT NULL,
                                    kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_kind ON changes (kind, article, version);
CREATE INDEX IF NOT EXISTS changes_version ON changes (article, version);
"""


def connect(path: Path, verify: bool = True) -> sqlite3.Connection:
    """Open (creating or replacing when unusable) the search index at path.

    verify: run quick_check (it reads the whole file: once a process is enough).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = _open(path)
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA and (
                not verify or conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"):
            return conn
        conn.close()
    except sqlite3.DatabaseError:
        pass
    # Derived data: anything unreadable or from another schema is thrown away and rebuilt.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = _open(path)
    with conn:
        conn.executescript(_TABLES)
        conn.execute(f"PRAGMA user_version = {SCHEMA}")
    return conn


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # derived: a lost tail is re-indexed from git
    conn.executescript(_TABLES)
    return conn
