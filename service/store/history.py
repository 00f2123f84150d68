"""An article's history: the commit chain walked once, and what a walk found remembered.

A walk yields every VersionInfo at once and is remembered by head commit id; a walk from a
newer head stops at the first remembered commit. Why: docs/ARCHITECTURE.md, "Reading".
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from ..plural import plural
from .errors import VersionNotFound
from .objects import CommitData, ObjectReader
from .text import count_words, split_text

# VersionInfos remembered per store, over all heads (each holds its metadata, well under 1 KB
# once shared between versions whose meta.json did not change).
MAX_REMEMBERED_VERSIONS = 20_000


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
    """Head commit id -> its history (VersionInfos, oldest first), bounded by versions held."""

    def __init__(self, max_versions: int = MAX_REMEMBERED_VERSIONS):
        self.max_versions = max_versions
        self._data: OrderedDict[str, tuple[VersionInfo, ...]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, head: str) -> tuple[VersionInfo, ...] | None:
        """Return the remembered history of head, None if there is none."""
        with self._lock:
            found = self._data.get(head)
            if found is not None:
                self._data.move_to_end(head)
            return found

    def put(self, head: str, history: tuple[VersionInfo, ...]) -> None:
        """Remember head's history, forgetting the least recently used beyond the bound."""
        if len(history) > self.max_versions:
            return
        with self._lock:
            old = self._data.pop(head, None)
            self._held -= len(old) if old else 0
            self._data[head] = history
            self._held += len(history)
            while self._held > self.max_versions:
                _, dropped = self._data.popitem(last=False)
                self._held -= len(dropped)


def walk_infos(reader: ObjectReader, head: str, cache: HistoryCache) -> tuple[VersionInfo, ...]:
    """Return head's history oldest first, walking back only to the newest remembered commit."""
    found = cache.get(head)
    if found is not None:
        return found
    chain: list[tuple[str, CommitData]] = []
    prefix: tuple[VersionInfo, ...] = ()
    sha: str | None = head
    while sha:
        remembered = cache.get(sha)
        if remembered is not None:
            prefix = remembered
            break
        commit = reader.commit(sha)
        chain.append((sha, commit))
        sha = commit.parents[0] if commit.parents else None
    # meta.json blob id -> parsed: most updates keep the headline and byline, so most versions
    # share one dict (and one read).
    metas: dict[str | None, dict] = {}
    out = list(prefix)
    for sha, commit in reversed(chain):
        entries = reader.tree(commit.tree)
        meta_id = entries.get("meta.json")
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
    history = tuple(out)
    cache.put(head, history)
    return history


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
