"""An article's history: the commit chain walked once, and what a walk found remembered.

A walk yields every VersionInfo at once and is remembered by head commit id (in memory, bounded
by bytes) and by commit (history.sqlite, derived); a walk from a newer head stops at the first
remembered commit. Why: docs/ARCHITECTURE.md, "Reading".
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..lru import LRU, size_of
from ..plural import plural
from .errors import VersionNotFound
from .history_table import HistoryTable, Known
from .objects import CommitData, ObjectReader
from .text import count_words, split_text

# Bytes of remembered histories per store (GitStore's history_cache_bytes): some 40,000
# versions of one article whose meta.json rarely changes.
HISTORY_CACHE_BYTES = 16 * 1024 * 1024
# Commits from a head down for which the history table is asked (a query each) before a walk
# reads git alone: an article saved more often than this between two walks is read from git.
_TABLE_LOOKS = 64
# Fewer commits than this read from git are not added (reading them again costs a millisecond):
# short histories, and the few saves since the last walk, leave the file as it is.
_TABLE_ADDS = 16


@dataclass(frozen=True)
class VersionInfo:
    """One entry of an article's history (its `meta` may be shared: do not mutate it)."""

    version: int
    commit: str
    created_at: datetime
    meta: dict
    paragraphs: int
    words: int


@dataclass(frozen=True)
class Version:
    """One version in full."""

    article: str
    version: int
    commit: str
    created_at: datetime
    text: str
    paragraphs: list[str]
    meta: dict


class HistoryCache:
    """Head commit id -> its history (VersionInfos, oldest first), bounded by estimated bytes,
    and the store's history table, if it has one.

    A history heavier than the whole bound is not kept. Histories of successive heads share
    their VersionInfos, but each is weighed in full: the bound errs on the safe side.
    """

    def __init__(self, max_bytes: int = HISTORY_CACHE_BYTES, table_path: Path | None = None):
        self.max_bytes = max_bytes
        self._lru = LRU(max_bytes, weigh=history_bytes)
        # What walks found, kept on disk per commit (history.sqlite): None keeps nothing there.
        self.table = HistoryTable(table_path) if table_path is not None else None

    def get(self, head: str) -> tuple[VersionInfo, ...] | None:
        """Return the remembered history of head, None if there is none."""
        return self._lru.peek(head)

    def put(self, head: str, history: tuple[VersionInfo, ...]) -> None:
        """Remember head's history, forgetting the least recently used beyond the bound."""
        self._lru.put(head, history)

    @property
    def held_bytes(self) -> int:
        """Return the estimated bytes held now."""
        return self._lru.weight


def _version_bytes() -> int:
    """Return the bytes one VersionInfo holds besides its meta, and its slot in a tuple."""
    sample = VersionInfo(5000, "0" * 40, datetime.fromtimestamp(0, UTC), {}, 60, 1800)
    return size_of(sample) - size_of({}) + 8


_VERSION_BYTES = _version_bytes()


def history_bytes(history: tuple[VersionInfo, ...]) -> int:
    """Estimate a history's bytes: a fixed cost per version, each distinct meta dict once."""
    metas = {id(info.meta): info.meta for info in history}
    return (sys.getsizeof(history) + len(history) * _VERSION_BYTES
            + sum(size_of(meta) for meta in metas.values()))


def walk_infos(reader: ObjectReader, head: str, cache: HistoryCache,
               use_table: bool = True) -> tuple[VersionInfo, ...]:
    """Return head's history oldest first, reading git only where neither cache knows it.

    From the head down, git is read until a commit the table (history.sqlite) knows, from which
    it gives the chain in one query, and below that until the newest commit remembered in
    memory; what git told is added to the table.
    """
    found = cache.get(head)
    if found is not None:
        return found
    table = cache.table if use_table else None
    # meta.json blob id -> parsed: most updates keep the headline and byline, so most versions
    # share one dict (and one read).
    metas: dict[str, dict] = {}
    above: list[tuple[str, CommitData]] = []  # read from git above what the table knows
    known: list[Known] = []
    below: list[tuple[str, CommitData]] = []  # and below it
    prefix: tuple[VersionInfo, ...] = ()
    sha: str | None = head
    while sha:
        remembered = cache.get(sha)
        if remembered is not None:
            prefix = remembered
            break
        # Asked for the newest commits only: saves since the last walk are a few.
        if table is not None and not known and len(above) < _TABLE_LOOKS:
            known = _from_table(reader, sha, table, metas)
            if known:
                sha = known[-1].parent
                continue
        commit = reader.commit(sha)
        (below if known else above).append((sha, commit))
        sha = commit.parents[0] if commit.parents else None
    out = list(prefix)
    learned = _add_read(reader, below, out, metas)
    for row in reversed(known):
        out.append(VersionInfo(len(out) + 1, row.id, datetime.fromtimestamp(row.time, UTC),
                               metas[row.meta], row.paragraphs, row.words))
    if known and known[0].version != len(out):  # the table numbers them otherwise: not trusted
        return walk_infos(reader, head, cache, use_table=False)
    learned += _add_read(reader, above, out, metas)
    if table is not None and len(learned) >= _TABLE_ADDS:
        table.add(learned, {row.meta: metas[row.meta] for row in learned})
    history = tuple(out)
    cache.put(head, history)
    return history


def _add_read(reader: ObjectReader, chain: list[tuple[str, CommitData]], out: list[VersionInfo],
              metas: dict[str, dict]) -> list[Known]:
    """Append VersionInfos of commits read from git (chain: newest first) to out; return rows."""
    learned: list[Known] = []
    for sha, commit in reversed(chain):
        entries = reader.tree(commit.tree)
        meta_id = entries.get("meta.json") or ""
        if meta_id not in metas:
            metas[meta_id] = json.loads(reader.raw(meta_id)) if meta_id else {}
        paragraphs = commit.trailer("Writethru-Paragraphs")
        words = commit.trailer("Writethru-Words")
        if paragraphs is None or words is None:  # a commit not written by this store
            text_id = entries.get("article.txt")
            body = split_text(reader.raw(text_id).decode("utf-8")) if text_id else []
            paragraphs, words = len(body), count_words(body)
        out.append(VersionInfo(len(out) + 1, sha, commit.created_at, metas[meta_id],
                               paragraphs, words))
        learned.append(Known(sha, commit.parents[0] if commit.parents else None, len(out),
                             commit.time, paragraphs, words, meta_id))
    return learned


def _from_table(reader: ObjectReader, sha: str, table: HistoryTable,
                metas: dict[str, dict]) -> list[Known]:
    """Return what the table knows of the chain from sha (sha first), its metas put in metas."""
    known = table.chain(sha)
    if not known:
        return []
    # Its first commit is read from git: a row that does not match it is not trusted.
    commit = reader.commit(sha)
    first = known[0]
    if (commit.parents[:1] != ((first.parent,) if first.parent else ())
            or commit.time != first.time):
        return []
    found = table.metas({row.meta for row in known})
    if found is None:
        return []
    metas.update(found)
    return known


def latest_number(reader: ObjectReader, head: str, commit: CommitData) -> int:
    """Return the version number of a head commit: its Writethru-Version trailer, else counted."""
    number = commit.trailer("Writethru-Version")
    if number is not None:
        return number
    count = 1  # a chain not written by this store
    while commit.parents:
        commit = reader.commit(commit.parents[0])
        count += 1
    return count


def version_number(version: int | str) -> int | None:
    """Return a version number, None for "latest"; VersionNotFound for anything else."""
    if version == "latest":
        return None
    if isinstance(version, int) and not isinstance(version, bool):
        return version
    if isinstance(version, str) and version.isascii() and version.isdigit():
        return int(version)
    raise VersionNotFound(f"version must be a number or 'latest', not {version!r}",
                          asked=version)


def no_version(article_id: str, asked: object, latest: int) -> VersionNotFound:
    """Return the error for a version an article does not have, naming how many it has."""
    return VersionNotFound(
        f"version {asked} does not exist: {article_id!r} has {plural(latest, 'version')} "
        f"(1 to {latest})", article=article_id, latest=latest, asked=asked)
