"""GitStore: every version of every article in a bare git repository (DESIGN §2). No Flask.

Layout: `refs/articles/<id>` points to the latest version; one commit per version, its
parent the previous one; each tree holds `article.txt`, `meta.json` and, when the client's
bytes differ from the canonical text, `source/...`. Commit messages end in trailers
(`Writethru-Version`, `Writethru-Paragraphs`, `Writethru-Words`) so that a history listing
reads commits and meta.json only, never the texts.

A save holds the article's flock for its whole read-compare-write, so writers in any number
of processes form one straight line; the ref still moves by compare-and-swap under git's
own `<ref>.lock`, which keeps git tools run by hand on the same repository safe too.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import git

from ..ingest import Submission
from ..paragraphs import count_words, split_text
from .errors import (
    ArticleNotFound,
    InvalidArticleId,
    InvalidCursor,
    StoreError,
    StoreUnavailable,
    VersionNotFound,
)
from .index import ArticleIndex, Row
from .objects import CommitData, ObjectReader, ObjectWriter, object_id
from .refs import RefChanged, article_lock, file_lock, list_refs, read_ref, update_ref

__all__ = [
    "ARTICLE_ID_RE", "ArticleNotFound", "ArticleSummary", "GitStore", "InvalidArticleId",
    "InvalidCursor", "SaveResult", "StoreError", "StoreUnavailable", "Version", "VersionInfo",
    "VersionNotFound", "validate_article_id",
]

ARTICLE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
REF_PREFIX = "refs/articles"
DEFAULT_ACTOR = git.Actor("writethru", "writethru@localhost")
_EXTRA_DIR = "writethru"  # our own files inside the bare repo: locks, listing index
_HEAD_CACHE_SIZE = 4096  # head commits remembered per store (a few hundred bytes each)


def validate_article_id(article_id: str) -> str:
    """Return article_id if it is a valid id, else raise InvalidArticleId.

    Valid: 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit,
    no "..", not ending in ".lock" (git's lock suffix).
    """
    if (
        not isinstance(article_id, str)
        or not ARTICLE_ID_RE.fullmatch(article_id)
        or ".." in article_id
        or article_id.endswith(".lock")
    ):
        shown = repr(article_id)[:60]
        raise InvalidArticleId(
            f"invalid article id {shown}: use 1-128 characters of A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit, without '..', not ending in '.lock'"
        )
    return article_id


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the version that is now the head, and whether it is new."""

    article: str
    version: int
    commit: str
    created: bool


@dataclass(frozen=True)
class VersionInfo:
    """One entry of an article's history."""

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


@dataclass(frozen=True)
class ArticleSummary:
    """One article in a listing."""

    id: str
    headline: str
    versions: int
    updated_at: datetime
    commit: str


def meta_json(meta: dict) -> bytes:
    """Serialise metadata as stored: sorted keys, indent 2, final newline."""
    return (json.dumps(meta, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


class GitStore:
    """Versions of articles in a bare git repository; cheap to create, touches disk lazily."""

    def __init__(self, path: Path | str, durable: bool = True, actor: git.Actor = DEFAULT_ACTOR):
        self.path = Path(path)
        self.durable = durable
        self.actor = (actor.name, actor.email)
        self._extra = self.path / _EXTRA_DIR
        self._index = ArticleIndex(self._extra)
        self._ready = False
        # Per process, per store: the head a save compares with is most often the commit the
        # previous save of that article wrote here, so it need not be read back from disk.
        self._heads: dict[str, tuple[int, str | None, str | None]] = {}
        self._fanouts: set[str] = set()

    # -- set-up and health ------------------------------------------------------------

    def init(self) -> None:
        """Create the bare repository if it is missing (idempotent, safe across processes)."""
        if self._ready or (self.path / "HEAD").is_file() and (self.path / "objects").is_dir():
            self._extra.mkdir(exist_ok=True)
            self._ready = True
            return
        if self.path.is_dir() and not (set(os.listdir(self.path)) <= {_EXTRA_DIR}):
            raise StoreUnavailable(f"{self.path} exists and is not a git repository")
        try:
            self._extra.mkdir(parents=True, exist_ok=True)
            # `git init` on an existing repository only re-initialises it, so racing
            # processes are harmless; the flock only spares them the duplicate work.
            with file_lock(self._extra / "init.lock"):
                if not (self.path / "HEAD").is_file():
                    git.Repo.init(self.path, bare=True, mkdir=True).close()
        except (OSError, git.exc.GitError) as exc:
            raise StoreUnavailable(f"cannot create the store at {self.path}: {exc}") from exc
        self._ready = True

    def check(self) -> None:
        """Raise StoreUnavailable unless the repository can be read."""
        self.init()
        try:
            with git.Repo(self.path) as repo:
                if not repo.bare:
                    raise StoreUnavailable(f"{self.path} is not a bare repository")
            os.listdir(self.path / "objects")
        except (OSError, git.exc.GitError) as exc:
            raise StoreUnavailable(f"store at {self.path} is unreadable: {exc}") from exc

    def sync(self) -> None:
        """Make every write so far durable (after relaxed, durable=False, bulk loads)."""
        os.sync()

    # -- reading ------------------------------------------------------------------------

    def head(self, article_id: str) -> str | None:
        """Return the commit id of the article's latest version, None if it has none."""
        validate_article_id(article_id)
        if not (self.path / "HEAD").is_file():
            return None
        return read_ref(self.path, f"{REF_PREFIX}/{article_id}")

    def _reader(self) -> ObjectReader:
        return ObjectReader(self.path / "objects")

    def _chain(self, reader: ObjectReader, head: str) -> list[tuple[str, CommitData]]:
        """Return [(commit id, commit)] from head back to the first version."""
        chain = []
        sha: str | None = head
        while sha:
            commit = reader.commit(sha)
            chain.append((sha, commit))
            sha = commit.parents[0] if commit.parents else None
        return chain

    def _existing_head(self, article_id: str) -> str:
        head = self.head(article_id)
        if head is None:
            raise ArticleNotFound(f"no article {article_id!r}")
        return head

    def versions(self, article_id: str) -> list[VersionInfo]:
        """Return the article's versions, oldest first.

        Raises:
            InvalidArticleId, ArticleNotFound, StoreUnavailable.
        """
        head = self._existing_head(article_id)
        reader = self._reader()
        out = []
        chain = self._chain(reader, head)
        for number, (sha, commit) in enumerate(reversed(chain), start=1):
            meta = json.loads(reader.file(commit.tree, "meta.json") or b"{}")
            paragraphs, words = commit.trailer("Writethru-Paragraphs"), commit.trailer(
                "Writethru-Words")
            if paragraphs is None or words is None:  # a commit not written by this store
                body = split_text((reader.file(commit.tree, "article.txt") or b"").decode())
                paragraphs, words = len(body), count_words(body)
            out.append(VersionInfo(number, sha, commit.created_at, meta, paragraphs, words))
        return out

    def read(self, article_id: str, version: int | str = "latest") -> Version:
        """Return one version; version is a number from 1 or "latest".

        Raises:
            InvalidArticleId, ArticleNotFound, VersionNotFound, StoreUnavailable.
        """
        head = self._existing_head(article_id)
        reader = self._reader()
        chain = self._chain(reader, head)
        if version == "latest":
            number = len(chain)
        elif isinstance(version, int) or (isinstance(version, str) and version.isdigit()):
            number = int(version)
        else:
            raise VersionNotFound(f"version must be a number or 'latest', not {version!r}")
        if not 1 <= number <= len(chain):
            raise VersionNotFound(f"{article_id!r} has versions 1 to {len(chain)}, not {version}")
        sha, commit = chain[len(chain) - number]
        text = (reader.file(commit.tree, "article.txt") or b"").decode("utf-8")
        meta = json.loads(reader.file(commit.tree, "meta.json") or b"{}")
        return Version(article_id, number, sha, commit.created_at, text, split_text(text), meta)

    def sources(self, article_id: str, version: int | str = "latest") -> dict[str, bytes]:
        """Return the original payload files saved with a version ({} when none were needed)."""
        commit = self._reader().commit(self.read(article_id, version).commit)
        files = self._reader().files(commit.tree)
        return {path: data for path, data in files.items() if path.startswith("source/")}

    # -- writing -------------------------------------------------------------------------

    def save(self, article_id: str, submission: Submission) -> SaveResult:
        """Save a version unless it is identical to the head (same text and metadata).

        Returns once the objects and the ref are on disk (when durable): each object file is
        fsynced before its rename, then the ref's lock file, then the ref's folder.

        Raises:
            InvalidArticleId: before anything touches git or the disk.
            StoreUnavailable: the repository cannot be written.
        """
        validate_article_id(article_id)
        self.init()
        refname = f"{REF_PREFIX}/{article_id}"
        text = submission.text.encode("utf-8")
        meta = meta_json(submission.meta)
        try:
            with article_lock(self._extra / "locks" / article_id,
                              self.path / f"{refname}.lock") as lock:
                while True:
                    try:
                        return self._save_locked(article_id, refname, submission, text, meta,
                                                 lock)
                    except RefChanged:
                        continue  # moved by a git process outside this store: go again
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to the store at {self.path}: {exc}") from exc

    def _save_locked(self, article_id, refname, submission, text, meta, lock) -> SaveResult:
        head = read_ref(self.path, refname)
        number = 1
        if head is not None:
            number, text_id, meta_id = self._head_info(head)
            if text_id == _blob_id(text) and meta_id == _blob_id(meta):
                return SaveResult(article_id, number, head, created=False)
            number += 1
        files = {"article.txt": text, "meta.json": meta, **submission.sources}
        writer = ObjectWriter(self.path / "objects", self.durable, self._fanouts)
        tree = writer.tree(files)
        # The index orders by nanoseconds, so versions saved within one second still list newest
        # first; git's commit time has whole seconds.
        when_ns = time.time_ns()
        when = when_ns // 1_000_000_000
        message = self._message(article_id, number, submission, when_ns)
        new = writer.commit(tree, head, self.actor, when, message).hex()
        headline = submission.meta.get("headline", "")
        row = Row(article_id, headline, number, when_ns, new)
        with self._index.writing() as conn:
            if conn is not None:
                self._index.put(conn, row, pending=True)
            with lock.moving_ref():
                update_ref(self.path, refname, new, head, self.durable)
            if conn is not None:
                self._index.settle(conn, article_id, new)
        self._remember(new, (number, _blob_id(text), _blob_id(meta)))
        return SaveResult(article_id, number, new, created=True)

    def _head_info(self, head: str) -> tuple[int, str | None, str | None]:
        """Return (version number, article.txt id, meta.json id) of a head commit."""
        info = self._heads.get(head)
        if info is None:
            reader = self._reader()
            commit = reader.commit(head)
            entries = reader.tree(commit.tree)
            number = commit.trailer("Writethru-Version") or len(self._chain(reader, head))
            info = (number, entries.get("article.txt"), entries.get("meta.json"))
            self._remember(head, info)
        return info

    def _remember(self, commit: str, info: tuple[int, str | None, str | None]) -> None:
        # A commit id names immutable content, so this needs no invalidation, only a bound.
        if len(self._heads) >= _HEAD_CACHE_SIZE:
            self._heads.pop(next(iter(self._heads)), None)
        self._heads[commit] = info

    @staticmethod
    def _message(article_id: str, number: int, submission: Submission, when_ns: int) -> str:
        meta = submission.meta
        title = meta.get("headline") or " ".join(submission.text.split()[:10])
        if len(title) > 72:
            title = title[:71].rstrip() + "…"
        parts = [f"{article_id} v{number}: {title}"]
        if meta.get("label"):
            parts.append(meta["label"])
        parts.append(
            f"Writethru-Version: {number}\n"
            f"Writethru-Paragraphs: {len(submission.paragraphs)}\n"
            f"Writethru-Words: {count_words(submission.paragraphs)}\n"
            # Lets a rebuilt index keep the order of versions saved within one second.
            f"Writethru-Ingested-Ns: {when_ns}\n"
        )
        return "\n\n".join(parts)

    # -- listing -------------------------------------------------------------------------

    def list_articles(self, limit: int = 50, cursor: str | None = None,
                      query: str | None = None) -> tuple[list[ArticleSummary], str | None]:
        """Return articles, most recently updated first, and a cursor for the next page.

        query keeps articles whose id or headline contains it (case-insensitive).

        Raises:
            InvalidCursor, StoreUnavailable.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.init()
        rows, next_cursor = self._index.page(limit, cursor, query, self._rows_from_refs,
                                             self._settled_row)
        return [
            ArticleSummary(r.id, r.headline, r.versions,
                           datetime.fromtimestamp(r.updated_at // 1_000_000_000, UTC), r.commit)
            for r in rows
        ], next_cursor

    def rebuild_index(self) -> None:
        """Rebuild the listing index from the refs (after writing to the repository by hand)."""
        self.init()
        (self._extra / "index.sqlite").unlink(missing_ok=True)
        self._index.rebuild(self._rows_from_refs())

    def _row(self, reader: ObjectReader, article_id: str, sha: str) -> Row:
        commit = reader.commit(sha)
        number = commit.trailer("Writethru-Version") or len(self._chain(reader, sha))
        meta = json.loads(reader.file(commit.tree, "meta.json") or b"{}")
        when_ns = commit.trailer("Writethru-Ingested-Ns") or commit.time * 1_000_000_000
        return Row(article_id, meta.get("headline", ""), number, when_ns, sha)

    def _rows_from_refs(self) -> Iterator[Row]:
        reader = self._reader()
        for article_id, sha in list_refs(self.path, REF_PREFIX).items():
            if ARTICLE_ID_RE.fullmatch(article_id):
                yield self._row(reader, article_id, sha)

    def _settled_row(self, article_id: str) -> Row | None:
        """Return the article's row as its ref says, once no writer is moving that ref."""
        refname = f"{REF_PREFIX}/{article_id}"
        with article_lock(self._extra / "locks" / article_id, self.path / f"{refname}.lock"):
            sha = read_ref(self.path, refname)
            return None if sha is None else self._row(self._reader(), article_id, sha)


def _blob_id(data: bytes) -> str:
    return object_id(b"blob", data).hex()
