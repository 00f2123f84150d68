"""Bringing the search index up to date with the store: new versions of changed articles only.

An article is indexed version by version: each paragraph (and the headline) is a span of
versions in which that exact text stood, so a word edited away in v3 is found in "v1–v2".
Each version's update digest gives the kinds of change the filters ask for. The index keeps
the head commit it indexed; a head that moved on is indexed from where it stopped, a head that
does not descend from it (a rewritten history) is indexed again from v1.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..diff.digest import digest_of
from ..diff.tokens import split_words
from ..store.refs import file_lock, list_refs
from ..store.stamp import refs_stamp
from .db import connect

log = logging.getLogger(__name__)

#: Seconds before a story that could not be indexed is tried again at the same head.
RETRY_FAILED = 300.0

#: The digest kinds a filter can name, each from its digest items (counts by their change).
CHANGE_KINDS = ("killed", "headline", "label", "lede", "correction", "editor_note", "byline",
                "number", "quote", "added", "removed", "moved", "edited", "split", "joined")


def words_of(text: str) -> str:
    """Return text as FTS5 should read it: words of CJK and other unspaced scripts spaced out."""
    if text.isascii():
        return text
    return " ".join(split_words(text))


def change_kinds(digest: Sequence[dict]) -> list[tuple[str, str]]:
    """Return (kind, text) for each digest item a filter can find (counts by what they count)."""
    out = []
    for item in digest:
        kind = item["kind"]
        if kind == "count":
            kind = item["change"]
            if kind == "typography":
                continue
        if kind in CHANGE_KINDS:
            out.append((kind, str(item.get("text", ""))))
    return out


class SearchIndex:
    """The search index of a store, kept in `<store>/writethru/search.sqlite`."""

    def __init__(self, store: Any, differ: Any, path: Path | None = None):
        self.store, self.differ = store, differ
        self.path = path or Path(store.path) / "writethru" / "search.sqlite"
        self._local = threading.local()
        self._catching_up = threading.Lock()
        # The refs' stamp when this process last found nothing pending: while the refs have
        # not moved, a search need not read 100,000 refs and heads again to know it.
        self._clean_stamp: str | None = None
        # Articles this process could not index ({article: (head, when)}), logged and left out
        # until their head moves or RETRY_FAILED seconds pass (the fault may have been a
        # passing one): one story the digest cannot read must not fail every search.
        self._failed: dict[str, tuple[str, float]] = {}
        self._checked: tuple[int, int] | None = None  # (pid, inode) whose file was checked

    def conn(self) -> sqlite3.Connection:
        """Return this thread's connection to the index file as it is now.

        The file is checked (quick_check, schema) once a process; a connection whose file was
        replaced since (another process rebuilt a damaged one) is reopened on the new file, so
        no worker writes to an unlinked copy.
        """
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._inode() == self._local.inode:
            return conn
        if conn is not None:
            conn.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self.path.with_suffix(".lock")):
            before = self._inode()
            conn = connect(self.path, verify=self._checked != (os.getpid(), before))
            # Read under the lock: a file another process replaces later is seen as new.
            inode = self._inode()
            self._checked = (os.getpid(), inode)
        self._local.conn, self._local.inode = conn, inode
        if inode != before or getattr(self._local, "seen", None) not in (None, inode):
            # A new file (made here, or by another process): what this process knew of the
            # old one (nothing pending, stories left out) says nothing of it.
            self._clean_stamp = None
            self._failed.clear()
        self._local.seen = inode
        return conn

    def _inode(self) -> int:
        try:
            return os.stat(self.path).st_ino
        except OSError:
            return -1

    def pending(self) -> dict[str, str]:
        """Return {article: head commit} of the articles whose index is behind the store."""
        if not self.store.exists():
            return {}
        conn = self.conn()  # first: a missing or replaced file forgets the clean stamp
        stamp = refs_stamp(Path(self.store.path), "refs/articles")
        if stamp is not None and stamp.text == self._clean_stamp:
            return {}
        heads = list_refs(Path(self.store.path), "refs/articles")
        known = dict(conn.execute("SELECT article, commit_id FROM heads").fetchall())
        now = time.monotonic()
        todo = {a: c for a, c in heads.items() if known.get(a) != c and not (
            a in self._failed and self._failed[a][0] == c
            and now - self._failed[a][1] < RETRY_FAILED)}
        # Only a settled stamp is remembered: a ref moved within the same clock tick as the
        # stat could leave the stamp unchanged (see store.stamp.RACY_NS).
        # Nor while a story waits for its retry: it must be listed again when its time comes.
        self._clean_stamp = stamp.text if stamp is not None and not todo and not self._failed \
            and stamp.settled() else None
        return todo

    def sync(self, budget: float | None = None,
             progress: Callable[[int, int], None] | None = None) -> int:
        """Index what the store holds that the index does not; return the articles left behind.

        budget: seconds to spend at most (None: until done). Only one thread of a process syncs
        at a time; another caller returns at once with what is still pending.
        """
        if not self._catching_up.acquire(blocking=budget is None):
            return len(self.pending())
        try:
            todo = self.pending()
            stop = None if budget is None else time.monotonic() + budget
            for done, (article, head) in enumerate(sorted(todo.items()), 1):
                try:
                    self._index_article(article)
                except sqlite3.Error:
                    raise  # the index itself failed: every article would
                except Exception:
                    log.exception("writethru: search cannot index %s at %s; left out until it "
                                  "changes", article, head[:12])
                    self._failed[article] = (head, time.monotonic())
                if progress:
                    progress(done, len(todo))
                if stop is not None and time.monotonic() > stop:
                    return len(todo) - done
            return 0
        finally:
            self._catching_up.release()

    def catch_up_in_background(self, exclusive: bool = False) -> None:
        """Start a thread that indexes everything pending (none if one is already running).

        exclusive: only if no other process is catching up the same way (a flock beside the
        index), so one server worker indexes after a start while the others serve.
        """
        if self._catching_up.locked():
            return
        threading.Thread(target=self._background, args=(exclusive,), name="writethru-search",
                         daemon=True).start()

    def _background(self, exclusive: bool) -> None:
        try:
            if not exclusive:
                self.sync(budget=None)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path.with_name("search-catchup.lock"), os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return
            try:
                pending = len(self.pending())
                if pending:
                    log.info("writethru: indexing %d stories for search", pending)
                self.sync(budget=None)
            finally:
                os.close(fd)  # releases the flock
        except Exception:  # a request's own sync meets the same fault and answers for it
            log.exception("writethru: search indexing in the background stopped")

    # -- one article ------------------------------------------------------------------------

    def _index_article(self, article: str) -> None:
        conn = self.conn()
        # One transaction an article, holding the write lock from its start: a crash leaves
        # the article wholly old or wholly new, and two processes catching up at once (every
        # gunicorn worker may) index it once, the second finding the first one's row. The
        # head is read under the lock, so a process that listed the refs earlier can never
        # index an older head over a newer one.
        conn.execute("BEGIN IMMEDIATE")
        try:
            head = self.store.head(article)
            if head is None:  # deleted meanwhile
                self._forget(conn, article)
                conn.commit()
                return
            infos = self.store.versions(article, upto=head)
            self._index_locked(conn, article, head, infos)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def _index_locked(self, conn: sqlite3.Connection, article: str, head: str, infos) -> None:
        row = conn.execute("SELECT commit_id, versions FROM heads WHERE article = ?",
                           (article,)).fetchone()
        if row is not None and row[0] == head:
            return
        done = 0
        if row is not None:
            commit, count = row
            if count <= len(infos) and infos[count - 1].commit == commit:
                done = count
        start = max(1, done)  # the last indexed version is read again: the next one's parent
        versions = self.store.read_many(article, range(start, len(infos) + 1), upto=head)
        if done == 0:
            self._forget(conn, article)
        previous = None
        for version in versions:
            if version.version <= done:
                previous = version
                continue
            self._add_version(conn, article, previous, version)
            previous = version
        conn.execute("INSERT OR REPLACE INTO heads VALUES (?, ?, ?)",
                     (article, head, len(infos)))

    def _forget(self, conn: sqlite3.Connection, article: str) -> None:
        for span_id, text in conn.execute("SELECT id, text FROM spans WHERE article = ?",
                                          (article,)).fetchall():
            # Contentless FTS5 deletes by giving back the words it indexed.
            conn.execute("INSERT INTO fts(fts, rowid, words) VALUES ('delete', ?, ?)",
                         (span_id, words_of(text)))
        for table in ("spans", "versions", "changes", "heads"):
            conn.execute(f"DELETE FROM {table} WHERE article = ?", (article,))

    def _add_version(self, conn: sqlite3.Connection, article: str, old: Any, new: Any) -> None:
        n = new.version
        headline = str(new.meta.get("headline") or "")
        texts = [("headline", 0, headline)] if headline else []
        texts += [("body", k, p) for k, p in enumerate(new.paragraphs)]
        open_spans: dict[tuple[str, str], list[int]] = {}
        for span_id, field, text in conn.execute(
                "SELECT id, field, text FROM spans WHERE article = ? AND last = ? ORDER BY id",
                (article, n - 1)):
            open_spans.setdefault((field, text), []).append(span_id)
        for field, position, text in texts:
            ids = open_spans.get((field, text))
            if ids:
                conn.execute("UPDATE spans SET last = ? WHERE id = ?", (n, ids.pop(0)))
                continue
            cur = conn.execute(
                "INSERT INTO spans (article, field, position, first, last, text) "
                "VALUES (?, ?, ?, ?, ?, ?)", (article, field, position, n, n, text))
            conn.execute("INSERT INTO fts(rowid, words) VALUES (?, ?)",
                         (cur.lastrowid, words_of(text)))
        created_ns = int(new.created_at.timestamp() * 1_000_000_000)
        conn.execute("INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?)",
                     (article, n, created_ns, str(new.meta.get("label") or ""), headline))
        if old is None:
            return
        digest = digest_of(self.differ.diff_versions(old, new), old, new)
        conn.executemany("INSERT INTO changes VALUES (?, ?, ?, ?)",
                         [(article, n, kind, text) for kind, text in change_kinds(digest)])
