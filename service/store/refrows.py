"""Rows of the listing straight from the refs: the row and cursor types, and a listing kept in
memory for when the SQLite index cannot be read or written.

See docs/ARCHITECTURE.md, "The listing index (derived)".
"""

from __future__ import annotations

import base64
import bisect
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidCursor, StoreUnavailable
from .history import latest_number
from .ids import ARTICLE_ID_RE
from .objects import ObjectReader
from .refs import article_lock, list_refs, read_ref
from .refscan import scan_rows
from .stamp import RACY_NS, Stamp, refs_stamp
from .text import first_words, split_text


@dataclass(frozen=True)
class Row:
    """One article as the index holds it."""

    id: str
    headline: str
    versions: int
    updated_at: int  # nanoseconds since the epoch
    commit: str
    title: str = ""  # the first words of the latest text, shown when there is no headline


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


_log = logging.getLogger(__name__)

# Rows read by one `git cat-file --batch` (refscan.py) from this many on; fewer are read here,
# where a row costs about 0.2 ms and starting git about 3 ms.
SCAN_FROM = 32


@dataclass(frozen=True)
class RefSource:
    """What the listing is derived from: a repository's article refs, read as rows."""

    repo: Path
    prefix: str
    locks: Path  # the folder of the per-article writer locks

    def refs(self) -> dict[str, str]:
        """Return {article id: commit id} of every ref under prefix that names an article."""
        refs = list_refs(self.repo, self.prefix)
        return {a: sha for a, sha in refs.items() if ARTICLE_ID_RE.fullmatch(a)}

    def rows(self, refs: Iterable[tuple[str, str]]) -> Iterator[Row]:
        """Return the rows of (article id, commit id) pairs: a few read here, many by git."""
        pairs = list(refs)
        reader = ObjectReader(self.repo / "objects")  # one for all: it opens the packs once

        def slow(article_id: str, sha: str) -> Iterator[Row]:
            try:
                yield row_at(reader, article_id, sha)
            except StoreUnavailable as exc:
                # A head the repository lacks (see writethru fsck) leaves that article out of
                # lists; it must not take the listing of every other article down with it.
                _log.error("listing: leaving out %s: %s", article_id, exc)

        if len(pairs) < SCAN_FROM:
            for article_id, sha in pairs:
                yield from slow(article_id, sha)
        else:
            yield from scan_rows(self.repo, pairs, Row, slow)

    def settled_row(self, article_id: str) -> Row | None:
        """Return the article's row as its ref says, once no writer is moving that ref."""
        refname = f"{self.prefix}/{article_id}"
        with article_lock(self.locks / article_id, self.repo / f"{refname}.lock"):
            sha = read_ref(self.repo, refname)
            return None if sha is None else row_at(ObjectReader(self.repo / "objects"),
                                                     article_id, sha)

    def stamp(self) -> Stamp | None:
        """Return the current stamp of the refs."""
        return refs_stamp(self.repo, self.prefix)

    def settled_stamp(self) -> Stamp | None:
        """Return the stamp once no later change can share its times (waits up to ~RACY_NS)."""
        stamp = self.stamp()
        for _ in range(3):  # refs changing all the time: take the stamp as it is
            if stamp is None or stamp.settled():
                break
            time.sleep(min(RACY_NS, stamp.newest_ns + RACY_NS - time.time_ns()) / 1e9)
            stamp = self.stamp()
        return stamp


def row_at(reader: ObjectReader, article_id: str, sha: str) -> Row:
    """Return an article's row as of commit sha (reads the commit, its tree, meta and text)."""
    commit = reader.commit(sha)
    number = latest_number(reader, sha, commit)
    entries = reader.tree(commit.tree)
    meta = json.loads(reader.raw(entries["meta.json"])) if "meta.json" in entries else {}
    text = reader.raw(entries["article.txt"]).decode() if "article.txt" in entries else ""
    first = split_text(text)[:1]
    when_ns = commit.trailer("Writethru-Ingested-Ns") or commit.time * 1_000_000_000
    return Row(article_id, meta.get("headline", ""), number, when_ns, sha,
               first_words(first[0]) if first else "")


def search_text(row: Row) -> str:
    """Return what a filter looks in: the id and the title a list shows, casefolded."""
    return f"{row.id}\n{row.headline or row.title}".casefold()


def _key(row: Row) -> tuple[int, str]:
    return -row.updated_at, row.id  # most recently updated first, then by id, as the index


class FullRead:
    """Every article's row with the stamp taken before the refs were read, read once at a time.

    A rebuild and the memory listing both need it when there is no index: a caller that comes
    while a read runs in this process waits for that read's rows instead of repeating it.
    """

    def __init__(self, source: RefSource):
        self._source = source
        self._lock = threading.Lock()
        self._running: Future[tuple[Stamp | None, list[Row]]] | None = None
        self._pid = os.getpid()

    def __call__(self) -> tuple[Stamp | None, list[Row]]:
        """Return (stamp, rows) of every ref, sharing a read already running."""
        with self._lock:
            running, mine = self._running, self._running is None
            if running is None or self._pid != os.getpid():  # a read in the parent: not here
                running, mine = Future(), True
                self._running, self._pid = running, os.getpid()
        if not mine:
            return running.result()
        try:
            stamp = self._source.settled_stamp()  # before the refs: a change after it changes it
            rows = list(self._source.rows(self._source.refs().items()))
            running.set_result((stamp, rows))
            return stamp, rows
        except BaseException as exc:
            running.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._running = None


class MemoryListing:
    """Rows built from the refs, kept per process and keyed by the refs' stamp (thread-safe).

    The listing when the index cannot be used (a read-only file system, a damaged file that
    cannot be replaced, no file yet while a rebuild runs): the first build shares full_read
    with a rebuild running, and after it only refs whose commit changed are read again.
    """

    def __init__(self, source: RefSource, full_read: FullRead):
        self._source = source
        self._full_read = full_read
        self._lock = threading.Lock()
        self._stamp: str | None = None
        self._rows: dict[str, Row] = {}
        self._order: list[Row] = []
        self._keys: list[tuple[int, str]] = []

    def select(self, limit: int, after: tuple[int, str] | None, query: str | None,
               seed: Callable[[], dict[str, Row]]) -> list[Row]:
        """Return up to limit rows after the cursor position, as the index would.

        seed: rows known already (the readable index's), reused where their commit is the ref's.
        """
        stamp = self._source.stamp()
        with self._lock:  # one build at a time; the others wait for it rather than repeat it
            if stamp is None or stamp.text != self._stamp:
                self._refresh(seed)
            order, keys = self._order, self._keys
        start = bisect.bisect_right(keys, (-after[0], after[1])) if after else 0
        rest: Iterator[Row] = itertools.islice(order, start, None)
        if query:
            needle = query.casefold()
            rest = (row for row in rest if needle in search_text(row))
        return list(itertools.islice(rest, limit))

    def _refresh(self, seed: Callable[[], dict[str, Row]]) -> None:
        known = self._rows or seed()
        if not known:
            stamp, every = self._full_read()
            rows = {row.id: row for row in every}
        else:
            stamp = self._source.settled_stamp()  # before the refs: a change after changes it
            refs = self._source.refs()
            rows = {a: known[a] for a, sha in refs.items()
                    if a in known and known[a].commit == sha}
            rows.update((row.id, row) for row in self._source.rows(
                (a, sha) for a, sha in refs.items() if a not in rows))
        order = sorted(rows.values(), key=_key)
        self._rows, self._order, self._keys = rows, order, [_key(r) for r in order]
        self._stamp = None if stamp is None else stamp.text

    def clear(self) -> None:
        """Forget the rows (the index serves again)."""
        if not self._rows:
            return
        with self._lock:
            self._stamp, self._rows, self._order, self._keys = None, {}, [], []
