"""GitStore: every version of every article in a bare git repository. No Flask.

One ref per article (`refs/articles/<id>`), one commit per version; a save holds the article's
flock and moves the ref by compare-and-swap. Layout, locking, durability and what reads never
do: docs/ARCHITECTURE.md, "The store".
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import git

from ..lru import LRU, size_of
from . import fsck, guide, health, maintenance
from .authors import author_ident
from .commits import NOT_IDENTITY, blob_id, commit_message, identity_id, meta_json
from .errors import (
    ArticleNotFound,
    InvalidArticleId,
    InvalidCursor,
    StoreError,
    StoreUnavailable,
    VersionNotFound,
)
from .history import (
    HISTORY_CACHE_BYTES,
    HistoryCache,
    Version,
    VersionInfo,
    latest_number,
    no_version,
    version_number,
    walk_infos,
)
from .ids import ARTICLE_ID_PATTERN, ARTICLE_ID_RE, ARTICLE_ID_RULE, validate_article_id
from .index import ArticleIndex
from .objects import ObjectReader, ObjectWriter, ProcessReader
from .packed import DELTA_BASE_BYTES
from .probe import Probe
from .refrows import RefSource, Row, decode_cursor
from .refs import (
    RefChanged,
    article_lock,
    file_lock,
    list_refs,
    packed_refs,
    read_ref,
    update_ref,
)
from .results import ArticleSummary, SaveResult
from .submission import Submission
from .text import first_words, split_text

__all__ = [
    "ARTICLE_ID_PATTERN", "ARTICLE_ID_RE", "ARTICLE_ID_RULE", "ArticleNotFound", "ArticleSummary",
    "GitStore", "InvalidArticleId", "InvalidCursor", "SaveResult", "StoreError", "StoreUnavailable",
    "Version", "VersionInfo", "VersionNotFound", "validate_article_id",
]

REF_PREFIX = "refs/articles"
DEFAULT_ACTOR = git.Actor("writethru", "writethru@localhost")
_EXTRA_DIR = "writethru"  # our own files inside the bare repo: locks, listing index
_HEAD_CACHE_BYTES = 1024 * 1024  # heads remembered for saves: some 3,000 (number and two ids)


class GitStore:
    """Versions of articles in a bare git repository; cheap to create, touches disk lazily."""

    def __init__(self, path: Path | str, durable: bool = True, actor: git.Actor = DEFAULT_ACTOR,
                 history_cache_bytes: int = HISTORY_CACHE_BYTES,
                 object_cache_bytes: int = DELTA_BASE_BYTES):
        self.path = Path(path)
        self.durable = durable
        self.actor = (str(actor.name), str(actor.email))  # GitPython types both Optional
        self._extra = self.path / _EXTRA_DIR
        self._probe = Probe(self.path)
        self._index = ArticleIndex(self._extra, RefSource(self.path, REF_PREFIX, self._extra / "locks"))
        self._ready = False
        self._guided = False  # the README branch for plain git (guide.py) looked at
        # Per process, per store: the head a save compares with is most often the commit the
        # previous save of that article wrote here, so it need not be read back from disk.
        self._heads = LRU(_HEAD_CACHE_BYTES, weigh=lambda info: 130 + size_of(info))  # 130: key
        self._histories = HistoryCache(history_cache_bytes, self._extra / "history.sqlite")
        self._objects = ProcessReader(self.path / "objects", object_cache_bytes)
        self._fanouts: set[str] = set()

    # -- set-up and health ------------------------------------------------------------

    def exists(self) -> bool:
        """Return True when the repository is there (nothing is created to find out)."""
        return self._probe.exists()

    def init(self) -> None:
        """Create the bare repository if it is missing (idempotent, safe across processes)."""
        if self._ready or self.exists():
            if self.writable():  # a read-only mirror is served as it is; saves fail at their lock
                self._own_folder()
            self._ready = True
            return
        if self.path.is_dir() and not (set(os.listdir(self.path)) <= {_EXTRA_DIR}):
            raise StoreUnavailable(f"{self.path} exists and is not a git repository")
        try:
            self._extra.mkdir(parents=True, exist_ok=True)
            # `git init` on an existing repository only re-initialises it, so racing
            # processes are harmless; the flock only spares them the duplicate work.
            with file_lock(self._extra / guide.INIT_LOCK):
                if not (self.path / "HEAD").is_file():
                    git.Repo.init(self.path, bare=True, mkdir=True).close()
        except (OSError, git.exc.GitError) as exc:
            raise StoreUnavailable(f"cannot create the store at {self.path}: {exc}") from exc
        self._ready = True

    def _own_folder(self) -> None:
        """Make the folder for locks and the listing index inside an existing repository."""
        try:
            self._extra.mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to the store at {self.path}: {exc}") from exc

    def check(self) -> None:
        """Raise StoreUnavailable unless the repository is there and can be read; create nothing."""
        self._probe.check()  # files read directly, no GitPython Repo: /healthz calls this

    def writable(self) -> bool:
        """Tell whether this process may write versions here (False: read-only mount, no rights)."""
        return self._probe.writable()

    def sync(self) -> None:
        """Make every write so far durable (after relaxed, durable=False, bulk loads)."""
        os.sync()

    # -- damage, maintenance, ownership -----------------------------------------------------

    def broken(self) -> dict | None:
        """Return what a save found missing ({"article", "detail", "at"}), None if nothing."""
        return health.broken(self._extra)

    def fsck(self) -> fsck.Report:
        """Check every article's chain and objects; clear the damage marker when all is whole."""
        self.check()
        report = fsck.check_chains(self.path, list_refs(self.path, REF_PREFIX), self._extra)
        if report.whole:
            health.clear_broken(self._extra)
        return report

    def maintain(self, auto: bool = False) -> maintenance.MaintainReport:
        """Pack objects and refs and drop idle locks and stale temp files, beside live writers."""
        self.check()
        self._own_folder()
        guide.ensure_quietly(self.path, self._extra, self.actor, self.durable)
        return maintenance.maintain(self.path, self._extra, auto=auto)

    def owner_problem(self) -> str | None:
        """Say why this process should not write here (the store is another user's), or None."""
        return health.owner_problem(self.path)

    # -- reading ------------------------------------------------------------------------

    def head(self, article_id: str) -> str | None:
        """Return the commit id of the article's latest version, None if it has none."""
        validate_article_id(article_id)
        if not self._probe.has_head():
            return None
        return read_ref(self.path, f"{REF_PREFIX}/{article_id}")

    def _reader(self) -> ObjectReader:
        return self._objects.get()  # one per process, shared by its threads

    def _existing_head(self, article_id: str) -> str:
        head = self.head(article_id)
        if head is None:
            raise ArticleNotFound(f"no article {article_id!r}")
        return head

    def versions(self, article_id: str, upto: str | None = None) -> list[VersionInfo]:
        """Return the article's versions, oldest first (one walk of the chain, then remembered).

        upto: a commit of this article (say, Version.commit) to list the history that leads to
        it instead of the head's, so that a caller is not thrown by a save in between.

        Raises:
            InvalidArticleId, ArticleNotFound, StoreUnavailable.
        """
        head = self._existing_head(article_id) if upto is None else upto
        return list(walk_infos(self._reader(), head, self._histories))

    def read(self, article_id: str, version: int | str = "latest") -> Version:
        """Return one version; version is a number from 1 or "latest".

        The latest needs no walk of the chain; any other version walks it once, and the history
        is remembered by head commit, so reading every version one by one stays linear.

        Raises:
            InvalidArticleId, ArticleNotFound, VersionNotFound, StoreUnavailable.
        """
        head = self._existing_head(article_id)
        number = version_number(version)
        reader = self._reader()
        history = self._histories.get(head)
        if number is None and history is None:
            # The latest alone needs no walk: the head's trailer numbers it.
            commit = reader.commit(head)
            meta = json.loads(reader.file(commit.tree, "meta.json") or b"{}")
            info = VersionInfo(latest_number(reader, head, commit), head, commit.created_at, meta,
                               0, 0)
            return self._load(reader, article_id, info, commit.tree)
        if history is None:
            history = walk_infos(reader, head, self._histories)
        if number is not None and not 1 <= number <= len(history):
            raise no_version(article_id, version, len(history))
        info = history[(number or len(history)) - 1]
        return self._load(reader, article_id, info, reader.commit(info.commit).tree)

    def read_many(self, article_id: str, numbers: Iterable[int] | None = None,
                  upto: str | None = None) -> Iterator[Version]:
        """Return an iterator over versions (all, or the numbers given) oldest first.

        The chain is walked once (and remembered); texts are read one at a time as the iterator
        advances, so a caller that keeps only the last one or two holds little in memory.
        Numbers are checked before this returns. upto: as in versions().

        Raises:
            InvalidArticleId, ArticleNotFound, VersionNotFound, StoreUnavailable.
        """
        head = self._existing_head(article_id) if upto is None else upto
        reader = self._reader()
        history = walk_infos(reader, head, self._histories)
        wanted = range(1, len(history) + 1) if numbers is None else list(numbers)
        for n in wanted:
            if type(n) is not int or not 1 <= n <= len(history):
                raise no_version(article_id, n, len(history))
        wanted = sorted(set(wanted))

        def load() -> Iterator[Version]:
            for n in wanted:
                info = history[n - 1]
                yield self._load(reader, article_id, info, reader.commit(info.commit).tree)

        return load()

    def history(self, article_id: str) -> list[Version]:
        """Return every version of the article, oldest first, in one walk of the chain."""
        return list(self.read_many(article_id))

    @staticmethod
    def _load(reader: ObjectReader, article_id: str, info: VersionInfo, tree: str) -> Version:
        text = (reader.file(tree, "article.txt") or b"").decode("utf-8")
        return Version(article_id, info.version, info.commit, info.created_at, text,
                       split_text(text), dict(info.meta))

    def sources(self, article_id: str, version: int | str = "latest") -> dict[str, bytes]:
        """Return the original payload files saved with a version ({} when none were needed)."""
        commit = self._reader().commit(self.read(article_id, version).commit)
        files = self._reader().files(commit.tree)
        return {path: data for path, data in files.items() if path.startswith("source/")}

    # -- writing -------------------------------------------------------------------------

    def save(self, article_id: str, submission: Submission) -> SaveResult:
        """Save a version unless it is identical to the head (same text and metadata).

        Identity is the canonical text and the publisher's metadata; how the version was sent
        (`source_format`, kept in meta.json) is not part of it.

        Returns once the objects and the ref are on disk (when durable): each object file is
        fsynced before its rename, then the ref's lock file, then the ref's folder.

        Raises:
            InvalidArticleId: before anything touches git or the disk.
            StoreUnavailable: the repository cannot be written.
        """
        validate_article_id(article_id)
        self.init()
        if not self._guided:  # once per GitStore: a store gains its guide with its first save
            self._guided = True
            guide.ensure_quietly(self.path, self._extra, self.actor, self.durable)
        refname = f"{REF_PREFIX}/{article_id}"
        try:
            with article_lock(self._extra / "locks" / article_id,
                              self.path / f"{refname}.lock") as lock:
                while True:
                    try:
                        return self._save_locked(article_id, refname, submission, lock)
                    except RefChanged:
                        continue  # moved by a git process outside this store: go again
        except OSError as exc:  # StoreFull when the disk or quota is full
            raise StoreUnavailable.of_write(f"cannot write to the store at {self.path}", exc) from exc

    def _save_locked(self, article_id, refname, submission: Submission, lock) -> SaveResult:
        text = submission.text.encode("utf-8")
        publisher = {k: v for k, v in submission.meta.items() if k not in NOT_IDENTITY}
        source_format = submission.source_format or submission.meta.get("source_format")
        stored_meta = {**publisher, "source_format": source_format} if source_format else publisher
        identity = (blob_id(text), identity_id(publisher))
        head = read_ref(self.path, refname)
        number = 1
        if head is not None:
            health.require_commit(self._reader(), self.path, self._extra, article_id, head)
            number, text_id, meta_identity = self._head_info(head)
            if (text_id, meta_identity) == identity:
                return SaveResult(article_id, number, head, created=False)
            number += 1
        files = {"article.txt": text, "meta.json": meta_json(stored_meta), **submission.sources}
        writer = ObjectWriter(self.path / "objects", self.durable, self._fanouts)
        tree = writer.tree(files)
        # The index orders by nanoseconds, so versions saved within one second still list newest
        # first; git's commit time has whole seconds.
        when_ns = time.time_ns()
        when = when_ns // 1_000_000_000
        message = commit_message(article_id, number, submission, when_ns)
        new = writer.commit(tree, head, self.actor, when, message,
                            author_ident(publisher, self.actor, when)).hex()
        title = first_words(submission.paragraphs[0]) if submission.paragraphs else ""
        row = Row(article_id, publisher.get("headline", ""), number, when_ns, new, title)
        # The index never fails a saved version; a full disk refuses it before the ref moves.
        with self._index.writing(row), lock.moving_ref():
            update_ref(self.path, refname, new, head, self.durable)
        self._remember(new, (number, *identity))
        maintenance.maybe_start(self.path)
        return SaveResult(article_id, number, new, created=True)

    def _head_info(self, head: str) -> tuple[int, str | None, str | None]:
        """Return (version number, article.txt id, identity_id of its meta) of a head commit."""
        info = self._heads.peek(head)
        if info is None:
            reader = self._reader()
            commit = reader.commit(head)
            entries = reader.tree(commit.tree)
            number = latest_number(reader, head, commit)
            meta_blob = entries.get("meta.json")
            meta = json.loads(reader.raw(meta_blob)) if meta_blob else {}
            info = (number, entries.get("article.txt"), identity_id(meta))
            self._remember(head, info)
        return info

    def _remember(self, commit: str, info: tuple[int, str | None, str | None]) -> None:
        # A commit id names immutable content, so this needs no invalidation, only a bound.
        self._heads.put(commit, info)

    def bulk_import(self):  # -> packs.PackImport (imported here: only `writethru import` needs it)
        """Start writing new articles' versions straight into one pack (store/packs.py)."""
        from .packs import PackImport
        self.init()  # makes writethru/ too
        return PackImport(self.path, self._extra, self.actor, REF_PREFIX, self.durable)

    # -- listing -------------------------------------------------------------------------

    def list_articles(self, limit: int = 50, cursor: str | None = None,
                      query: str | None = None) -> tuple[list[ArticleSummary], str | None]:
        """Return articles, most recently updated first, and a cursor for the next page.

        query keeps articles whose id or title (the headline, else the first words of the
        text, as lists show it) contains it (case-insensitive). A missing store lists nothing.

        Raises:
            InvalidCursor, StoreUnavailable.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if not self.exists():
            if cursor:
                decode_cursor(cursor)  # a forged cursor is refused here too
            return [], None
        rows, next_cursor = self._index.page(limit, cursor, query)  # makes its folder if it can
        return [ArticleSummary(r.id, r.headline, r.versions, datetime.fromtimestamp(
            r.updated_at // 1_000_000_000, UTC), r.commit, r.title) for r in rows], next_cursor

    def rebuild_index(self) -> None:
        """Rebuild the listing index from the refs (after writing to the repository by hand)."""
        self.check()
        self._own_folder()
        self._index.rebuild()

    def preload(self) -> None:
        """Parse what every reader needs first (packed-refs), so processes forked after share it."""
        if self.exists():
            packed_refs(self.path)  # 100,000 refs: ~50 ms a worker's first request would pay

    def ensure_index(self) -> bool:
        """Make the listing index current now, rebuilding it if missing or untrusted; cheap when current."""
        return self.exists() and self._index.ensure()  # the index makes its folder if it can
