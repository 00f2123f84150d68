"""Facts: what the Differ worked out about versions, kept in a derived SQLite file beside the store.

Per version (its commit) and per recipe (the engine's code, the `ignore` set, the promo
pattern): the stats of its diff from the version before it, and its provenance (per paragraph,
first version and last changed version). A commit id names its content and its parent, so a
fact never goes stale; a change to the diff wing's code makes a new recipe, and the old
recipe's rows are pruned a batch at a time. The file is never the source of truth: missing,
damaged, read-only or busy, it only costs recomputing (a warning, once per kind, in the log),
never an answer. Why and how: docs/ARCHITECTURE.md, "The Differ".
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

#: The encoding of the blobs: part of every recipe, so a new one starts new rows. (A new table
#: layout would need a new file name: processes of both layouts may share the file for a while.)
FORMAT = "1"
#: How long a writer waits for another process's write (they are short), seconds.
BUSY_TIMEOUT = 2.0
#: Parameters per query (SQLite allows 32,766 since 3.32; kept well under).
BATCH = 500
#: Rows of an old recipe deleted per write, so pruning never holds the lock for long.
PRUNE_BATCH = 2_000
#: After the file could not be opened, how long before trying again, seconds.
RETRY_AFTER = 30.0
# Stats are ~200 bytes of JSON with the same keys every time: a preset dictionary lets deflate
# store them in ~40. Changing it makes old blobs unreadable: change FORMAT with it.
_ZDICT = (b'{"unchanged":0,"changed":0,"added":0,"removed":0,"moved":0,"split":0,"joined":0,'
          b'"words_added":0,"words_removed":0,"typography_only":0,"meta_changed":0,'
          b'"meta_fields":["headline","byline","label","editor_note","url","published_at",'
          b'"updated_at"]}')

_SCHEMA = """
CREATE TABLE IF NOT EXISTS recipe (
    id INTEGER PRIMARY KEY, how TEXT NOT NULL UNIQUE, engine TEXT NOT NULL, made_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fact (
    recipe INTEGER NOT NULL, commit_id BLOB NOT NULL, stats BLOB, provenance BLOB,
    PRIMARY KEY (recipe, commit_id)) WITHOUT ROWID;
"""


def _digest_of_engine() -> str:
    # What the facts depend on: this wing's source, the store's paragraph splitting, and the
    # diff libraries' versions. Read once, when this module is imported: a worker forked from
    # an old master after new files were copied in place still names the engine it runs.
    digest = hashlib.sha1(FORMAT.encode())
    here = Path(__file__).parent
    for path in [*sorted(here.glob("*.py")), here.parent / "store" / "text.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for dist in ("diff-match-patch", "rapidfuzz", "icu4py"):
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{dist}=none".encode())
    return digest.hexdigest()[:16]


ENGINE_VERSION = _digest_of_engine()


def engine_version() -> str:
    """Return a digest of the diff engine as loaded: a change to it makes new facts."""
    return ENGINE_VERSION


def recipe(ignore: Iterable[str], promo_pattern: str | None) -> str:
    """Return the text that names how facts were computed (engine, ignore set, promo pattern)."""
    return json.dumps([engine_version(), sorted(ignore), promo_pattern])


def encode_stats(stats: dict) -> bytes:
    """Return stats as a small blob (compact JSON, deflated against a preset dictionary)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    text = json.dumps(stats, separators=(",", ":")).encode()
    return packer.compress(text) + packer.flush()


def decode_stats(blob: bytes) -> dict:
    """Return the stats a blob of `encode_stats` holds (zlib.error or ValueError if damaged)."""
    unpacker = zlib.decompressobj(-15, _ZDICT)
    return json.loads(unpacker.decompress(blob) + unpacker.flush())


def encode_provenance(history: Sequence[tuple[int, int]]) -> bytes:
    """Return a provenance as a small blob (~2 bytes a paragraph), deflated varints.

    First versions as differences from the paragraph before (small: stories grow in order),
    last changes as differences from their first version (often 0).
    """
    numbers, before = [], 0
    for first, _ in history:
        numbers.append(first - before)
        before = first
    numbers.extend(last - first for first, last in history)
    out = bytearray()
    for n in numbers:
        n = (n << 1) ^ (n >> 63)  # zigzag: small negative numbers stay small
        while n > 0x7F:
            out.append(n & 0x7F | 0x80)
            n >>= 7
        out.append(n)
    return zlib.compress(bytes(out), 9)


def decode_provenance(blob: bytes) -> list[tuple[int, int]]:
    """Return the provenance a blob of `encode_provenance` holds (ValueError/zlib.error if damaged)."""
    numbers, n, shift = [], 0, 0
    for byte in zlib.decompress(blob):
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            numbers.append((n >> 1) ^ -(n & 1))
            n = shift = 0
    half = len(numbers) // 2
    if shift or len(numbers) != 2 * half:
        raise ValueError("a provenance holds two arrays of one length")
    firsts = list(itertools.accumulate(numbers[:half]))
    history = [(f, f + d) for f, d in zip(firsts, numbers[half:], strict=True)]
    if any(not 1 <= f <= last for f, last in history):
        raise ValueError("a provenance holds versions from 1, first <= last changed")
    return history


def _key(commit: str) -> bytes:
    return bytes.fromhex(commit)


class Facts:
    """The facts file of one store: read and kept by the Differ; None as path keeps nothing."""

    def __init__(self, path: Path | str | None):
        self.path = Path(path) if path is not None else None
        self._local = threading.local()  # one connection per thread, as sqlite3 wants
        self._recipes: dict[str, int] = {}
        self._lock = threading.Lock()
        self._warned: set[str] = set()
        self._failed_at: float | None = None
        self._pruned = False

    # -- reading -------------------------------------------------------------------------

    def stats(self, how: str, commits: Sequence[str]) -> dict[str, dict]:
        """Return {commit: stats of its diff from its parent} for the commits that have them."""
        texts: list[tuple[str, bytes]] = []
        for commit, blob in self._rows(how, commits, "stats"):
            try:
                unpacker = zlib.decompressobj(-15, _ZDICT)
                texts.append((commit, unpacker.decompress(blob) + unpacker.flush()))
            except zlib.error:
                self._warn("a damaged stats row", None)
        try:  # one parse for a whole timeline: a third of the time of one a row
            values = json.loads(b"[" + b",".join(text for _, text in texts) + b"]")
        except ValueError:
            values = [None] * len(texts)
        found: dict[str, dict] = {}
        for (commit, text), value in zip(texts, values, strict=True):
            if not isinstance(value, dict):  # the bulk parse failed: this row alone
                try:
                    value = json.loads(text)
                except ValueError:
                    self._warn("a damaged stats row", None)
                    continue
            if isinstance(value, dict):
                found[commit] = value
        return found

    def newest_provenance(self, how: str,
                          commits: Sequence[str]) -> tuple[int, list[tuple[int, int]]] | None:
        """Return (position, provenance) of the last of `commits` whose provenance is kept."""
        for end in range(len(commits), 0, -BATCH):
            batch = commits[max(0, end - BATCH):end]
            rows = self._rows(how, batch, "provenance")
            position = {c: k for k, c in enumerate(batch, start=max(0, end - BATCH))}
            for commit, blob in sorted(rows, key=lambda row: -position[row[0]]):
                try:
                    return position[commit], decode_provenance(blob)
                except (zlib.error, ValueError):
                    self._warn("a damaged provenance row", None)
        return None

    def _rows(self, how: str, commits: Sequence[str], column: str) -> list[tuple[str, bytes]]:
        conn = self._conn()
        if conn is None or not commits:
            return []
        try:
            number = self._recipe(conn, how, create=False)
            if number is None:
                return []
            out = []
            for start in range(0, len(commits), BATCH):
                keys = [_key(c) for c in commits[start:start + BATCH]]
                marks = ",".join("?" * len(keys))
                out.extend(conn.execute(
                    f"SELECT commit_id, {column} FROM fact WHERE recipe = ? AND {column} IS NOT"
                    f" NULL AND commit_id IN ({marks})", [number, *keys]).fetchall())
            return [(bytes(k).hex(), bytes(blob)) for k, blob in out]
        except sqlite3.Error as exc:
            self._warn("cannot read the facts file", exc)
            return []

    # -- writing -------------------------------------------------------------------------

    def keep(self, how: str, rows: Iterable[tuple[str, dict | None, Sequence | None]]) -> None:
        """Keep (commit, stats or None, provenance or None) rows in one short transaction."""
        conn = self._conn()
        if conn is None:
            return
        values = [(_key(c), encode_stats(s) if s is not None else None,
                   encode_provenance(p) if p is not None else None) for c, s, p in rows]
        if not values:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                number = self._recipe(conn, how, create=True)
                assert number is not None  # create=True makes one
                conn.executemany(
                    "INSERT INTO fact (recipe, commit_id, stats, provenance) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO UPDATE SET stats = coalesce(excluded.stats, stats),"
                    " provenance = coalesce(excluded.provenance, provenance)",
                    [(number, *v) for v in values])
                self._prune(conn, number)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self._warn("cannot write the facts file", exc)

    def _prune(self, conn: sqlite3.Connection, ours: int) -> None:
        """Delete up to PRUNE_BATCH rows of recipes older than ours made by another engine."""
        if self._pruned:
            return
        engine = conn.execute("SELECT engine, made_ns FROM recipe WHERE id = ?", (ours,)).fetchone()
        budget = PRUNE_BATCH
        for (number,) in conn.execute(
                "SELECT id FROM recipe WHERE engine != ? AND made_ns <= ?", engine).fetchall():
            budget -= conn.execute(
                "DELETE FROM fact WHERE recipe = ? AND commit_id IN (SELECT commit_id FROM fact"
                " WHERE recipe = ? LIMIT ?)", (number, number, budget)).rowcount
            if budget <= 0:
                return
            conn.execute("DELETE FROM recipe WHERE id = ?", (number,))
        self._pruned = True

    def _recipe(self, conn: sqlite3.Connection, how: str, *, create: bool) -> int | None:
        number = self._recipes.get(how)
        if number is not None:
            return number
        row = conn.execute("SELECT id FROM recipe WHERE how = ?", (how,)).fetchone()
        if row is None and create:
            # A random id, never a reused one: another process may remember the id of a recipe
            # that was pruned, and its rows must not land under a new recipe.
            conn.execute("INSERT INTO recipe (id, how, engine, made_ns) VALUES (?, ?, ?, ?)",
                         (secrets.randbits(62), how, engine_version(), time.time_ns()))
            row = conn.execute("SELECT id FROM recipe WHERE how = ?", (how,)).fetchone()
        if row is None:
            return None
        # Remembered only once committed; a rolled-back insert would otherwise leave a wrong id.
        if not conn.in_transaction:
            self._recipes[how] = row[0]
        return row[0]

    # -- the file ------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection | None:
        found = getattr(self._local, "conn", None)
        # A connection must not cross a fork (gunicorn forks its workers): a child opens its own.
        if found is not None and found[0] == os.getpid():
            return found[1]
        if self.path is None or not self.path.parent.is_dir():  # no store yet: nothing to keep
            return None
        with self._lock:
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER:
                return None
        try:
            conn = self._open()
        except (sqlite3.Error, OSError) as exc:
            self._warn("cannot open the facts file", exc)
            with self._lock:
                self._failed_at = time.monotonic()
            return None
        self._local.conn = (os.getpid(), conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        assert self.path is not None
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if "not a database" not in str(exc):
                raise
            self._warn("the facts file was damaged; starting a new one", exc)
        # Derived data: a damaged file is set aside (kept for a look) and made again. Under an
        # exclusive flock, checked again first, so that of two processes that found it damaged
        # the second does not set aside the new file the first just made.
        lock = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return self._connect()
            except sqlite3.DatabaseError as exc:
                if "not a database" not in str(exc):
                    raise
            os.replace(self.path, self.path.with_name(f"{self.path.name}.damaged"))
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return self._connect()
        finally:
            os.close(lock)  # releases the flock

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            # NORMAL in WAL mode never corrupts on a crash; it may lose the last writes, which
            # are only recomputed.
            conn.execute("PRAGMA synchronous=NORMAL")
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'fact'").fetchone():
                conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
                conn.execute("BEGIN IMMEDIATE")
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute("COMMIT")
            return conn
        except BaseException:
            conn.close()
            raise

    def _warn(self, what: str, exc: BaseException | None) -> None:
        with self._lock:
            if what in self._warned:
                return
            self._warned.add(what)
        log.warning("writethru: %s (%s): %s; computing instead", what, self.path, exc or "")

    def close(self) -> None:
        """Close this thread's connection (others close with their threads)."""
        found = getattr(self._local, "conn", None)
        if found is not None and found[0] == os.getpid():
            found[1].close()
        self._local.conn = None
