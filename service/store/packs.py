"""Bulk loading: new articles' versions written straight into one pack by `git fast-import`.

A bulk import of an archive through GitStore.save costs a loose object per file, a ref update
per version and an index row per version. For articles the store does not have yet, PackImport
instead streams every version to `git fast-import`, which writes one pack (with deltas between
versions) in a staging repository under `writethru/`, so nothing is visible in the store until
the pack is whole. `finish()` makes the pack durable and moves it into `objects/pack`;
`publish()` then creates each article's ref by compare-and-swap from absent under its article
lock, so an article a POST created meanwhile is reported, never overwritten. Commits are byte
for byte those GitStore.save writes: same trees, messages (commits.commit_message), committer
and author (authors.author_ident).
Why and with figures: docs/ARCHITECTURE.md, "Bulk import".
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from . import guide
from .authors import author_ident
from .commits import NOT_IDENTITY, blob_id, commit_message, identity_id, meta_json
from .errors import StoreFull, StoreUnavailable
from .maintenance import LOCK as MAINTAIN_LOCK
from .objects import STALE_TEMP_SECONDS, fsync_dir
from .refs import RefChanged, article_lock, update_ref
from .submission import Submission

STAGING_PREFIX = "import-"
# fast-import's one branch: every article starts it anew with `reset`, and the stream ends
# with a `reset` without `from`, so fast-import writes no ref at all (refs are ours to move).
_BRANCH = "refs/writethru-import"
# Longest delta chain in the pack: each read of a version resolves its chain in Python
# (gitdb), so shorter than git's 50: measured on 10,000 versions, reading the latest version
# took 0.50 ms at 4 against 1.07 ms at 50, for a pack 23% larger.
DELTA_DEPTH = 4
# How git says ENOSPC or EDQUOT ("Out of diskspace": its own message for a short pack write).
_FULL_WORDS = ("No space left", "Out of diskspace", "Disk quota exceeded")
_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


def _version_files(submission: Submission) -> dict[str, bytes]:
    """Return a version's tree as GitStore.save writes it: {path: content}."""
    publisher = {k: v for k, v in submission.meta.items() if k not in NOT_IDENTITY}
    source_format = submission.source_format or submission.meta.get("source_format")
    stored = {**publisher, "source_format": source_format} if source_format else publisher
    return {"article.txt": submission.text.encode("utf-8"), "meta.json": meta_json(stored),
            **submission.sources}


def identity(submission: Submission) -> tuple[str, str]:
    """Return what makes a version new (text blob id, publisher metadata id), as save compares."""
    publisher = {k: v for k, v in submission.meta.items() if k not in NOT_IDENTITY}
    return blob_id(submission.text.encode("utf-8")), identity_id(publisher)


class PackImport:
    """Stream new articles' versions into a pack through one `git fast-import` process.

    Use: `add()` per article, then `finish()` (pack durable, moved into the store, heads
    returned), then `publish()`; or `abort()`, which leaves nothing in the store. A staging
    folder `writethru/import-*` holds the pack until finish; its flock tells a live import
    from a killed one, whose leftovers the next import removes.
    """

    def __init__(self, repo: Path, extra: Path, actor: tuple[str, str], ref_prefix: str,
                 durable: bool, clock: Callable[[], int] | None = None):
        self.repo = repo
        self.extra = extra
        self.actor = actor
        self.ref_prefix = ref_prefix
        self.durable = durable
        self.clock = clock or time.time_ns  # looked up now: the ingest time, as save takes it
        self._last_ns = 0
        self._marks = 0
        self._articles: dict[int, str] = {}  # mark of an article's last commit -> article id
        self._guide_mark = 0  # the mark of the README branch's commit when the pack holds it
        self._guide: str | None = None
        try:
            # Held shared until close: `writethru maintain` (git gc, exclusive) skips meanwhile.
            # fast-import leaves out objects the store's packs have; a gc between that and
            # publish() could prune an unreachable one a published commit then needs.
            self._maintain = os.open(extra / MAINTAIN_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
            fcntl.flock(self._maintain, fcntl.LOCK_SH)
            remove_stale_staging(extra)
            self.staging, self._lock = _staging_repo(repo, extra)
        except OSError as exc:
            with contextlib.suppress(AttributeError, OSError):
                os.close(self._maintain)
            raise StoreUnavailable.of_write(f"cannot prepare an import in {extra}", exc) from exc
        # GIT_DIR is the staging repository: fast-import's pack and, should it fail, its crash
        # report land there, never in the store.
        env = {**os.environ, **_GIT_ENV, "GIT_DIR": str(self.staging)}
        for name in ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_WORK_TREE"):
            env.pop(name, None)
        try:
            # Not in the staging folder: on a full disk fast-import's last words would be lost.
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in _close)
            self._proc = subprocess.Popen(
                # --done: a stream cut short (this process killed) is an error, never a pack.
                ["git", "-c", "pack.compression=1", "-c", "core.fsync=pack,pack-metadata",
                 "-c", "fastimport.unpackLimit=0",  # a pack even for a handful of objects
                 "fast-import", "--quiet", "--done", f"--depth={DELTA_DEPTH}",
                 f"--export-marks={self.staging / 'marks'}"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr, env=env,
                bufsize=1 << 20,
            )
        except OSError as exc:
            with contextlib.suppress(AttributeError):
                self._stderr.close()
            shutil.rmtree(self.staging, ignore_errors=True)
            os.close(self._lock)
            raise StoreUnavailable.of_write("cannot start git fast-import", exc) from exc
        stdin = self._proc.stdin
        assert stdin is not None  # stdin=PIPE
        self._out: IO[bytes] = stdin

    def add(self, article_id: str, submissions: list[Submission]) -> tuple[int, int]:
        """Write an article's versions (identical consecutive ones skipped); return (new, identical)."""
        ident = f"{self.actor[0]} <{self.actor[1]}>".encode()
        branch = _BRANCH.encode()
        keys = [identity(s) for s in submissions]
        # Versions identical to the one before are skipped, as save skips them.
        new = [k for k, key in enumerate(keys) if k == 0 or key != keys[k - 1]]
        chunks: list[bytes] = [b"reset %s\n" % branch]
        for number, k in enumerate(new, start=1):
            submission = submissions[k]
            when_ns = max(self.clock(), self._last_ns + 1)  # strictly increasing: index order
            self._last_ns = when_ns
            message = commit_message(article_id, number, submission, when_ns).encode("utf-8")
            when = when_ns // 1_000_000_000
            stamp = b"%s %d +0000" % (ident, when)
            author = author_ident(submission.meta, self.actor, when).encode("utf-8")
            chunks.append(b"commit %s\n" % branch)
            if number == len(new):  # the head: its id comes back in the marks file
                self._marks += 1
                self._articles[self._marks] = article_id
                chunks.append(b"mark :%d\n" % self._marks)
            chunks.append(b"author %s\ncommitter %s\ndata %d\n%s\ndeleteall\n"
                          % (author, stamp, len(message), message))
            for path, content in _version_files(submission).items():
                chunks.append(b"M 100644 inline %s\ndata %d\n%s\n"
                              % (path.encode("utf-8"), len(content), content))
        self._write(b"".join(chunks))
        return len(new), len(submissions) - len(new)

    def _write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except (BrokenPipeError, ValueError):
            self._proc.wait()
            raise self._failure() from None

    def _failure(self) -> StoreUnavailable:
        self._stderr.seek(0)
        said = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        detail = said[-1] if said else f"exit status {self._proc.returncode}"
        full = any(words in detail for words in _FULL_WORDS)
        return (StoreFull if full else StoreUnavailable)(
            f"git fast-import failed writing the pack in {self.staging}: {detail}")

    def finish(self) -> dict[str, str]:
        """End the stream, make the pack durable and move it into the store; return {id: head}.

        The pack and its index are fsynced, renamed into objects/pack (index last: git sees a
        pack once its .idx is there) and the folder fsynced, all before any ref moves.
        """
        self._write(self._guide_commit() + f"reset {_BRANCH}\ndone\n".encode())
        try:
            self._out.close()
        except BrokenPipeError:
            pass
        if self._proc.wait():
            raise self._failure()
        heads = self._read_marks()
        source = self.staging / "objects" / "pack"
        target = self.repo / "objects" / "pack"
        try:
            if not target.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                fsync_dir(target.parent)
            names = sorted(p.name for p in source.iterdir()
                           if p.name.startswith("pack-") and p.suffix in (".pack", ".rev", ".idx"))
            # The .idx last: a pack without it is invisible, one with it must be whole.
            names.sort(key=lambda n: n.endswith(".idx"))
            for name in names:
                _fsync_file(source / name)
                os.rename(source / name, target / name)
            fsync_dir(target)
        except OSError as exc:
            raise StoreUnavailable.of_write(f"cannot move the import's pack into {target}",
                                            exc) from exc
        return heads

    def _read_marks(self) -> dict[str, str]:
        heads: dict[str, str] = {}
        if not self._articles and not self._guide_mark:
            return heads
        with open(self.staging / "marks", encoding="ascii") as marks:
            for line in marks:
                mark, _, sha = line.strip().partition(" ")
                if int(mark[1:]) == self._guide_mark:
                    self._guide = sha
                else:
                    heads[self._articles[int(mark[1:])]] = sha
        if len(heads) != len(self._articles):
            raise StoreUnavailable(f"git fast-import named {len(heads)} of "
                                   f"{len(self._articles)} articles' heads")
        return heads

    def _guide_commit(self) -> bytes:
        """Return the stream of the README branch's commit (guide.py) if the store lacks it.

        In the pack rather than loose, so that an imported store stays wholly packed.
        """
        if not self._articles or not guide.needed(self.repo):
            return b""
        self._marks += 1
        self._guide_mark = self._marks
        readme, message = guide.README.encode("utf-8"), guide.MESSAGE.encode("utf-8")
        stamp = b"%s <%s> %d +0000" % (self.actor[0].encode(), self.actor[1].encode(),
                                        time.time())
        return (b"reset %s\ncommit %s\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s\n"
                b"M 100644 inline README.md\ndata %d\n%s\n"
                % (_BRANCH.encode(), _BRANCH.encode(), self._guide_mark, stamp, stamp,
                   len(message), message, len(readme), readme))

    def publish(self, heads: dict[str, str]) -> list[str]:
        """Create each article's ref (absent -> head) under its article lock; return the taken.

        An article whose ref appeared meanwhile (a POST while the import ran) keeps its ref
        and is returned; the caller saves its versions the normal way instead.
        """
        taken: list[str] = []
        try:
            for article_id, head in heads.items():
                refname = f"{self.ref_prefix}/{article_id}"
                with article_lock(self.extra / "locks" / article_id,
                                  self.repo / f"{refname}.lock") as lock, lock.moving_ref():
                    try:
                        update_ref(self.repo, refname, head, None, self.durable)
                    except RefChanged:
                        taken.append(article_id)
        except OSError as exc:
            raise StoreUnavailable.of_write(f"cannot write refs in {self.repo}", exc) from exc
        if self._guide:
            guide.ensure_quietly(self.repo, self.extra, self.actor, self.durable, self._guide)
        return taken

    def pack_refs(self) -> None:
        """Pack every ref into packed-refs (100,000 loose refs are slow to list)."""
        # core.fsync=reference: pack-refs deletes the loose refs it packed, including those
        # of saves already acknowledged; packed-refs must be on disk before they go.
        done = subprocess.run(["git", "--git-dir", str(self.repo), "-c", "core.fsync=reference",
                               "pack-refs", "--all"],
                              capture_output=True, env={**os.environ, **_GIT_ENV})
        if done.returncode:
            raise StoreUnavailable(f"git pack-refs failed: {done.stderr.decode(errors='replace')}")

    def abort(self) -> None:
        """Stop fast-import and remove the staging folder: nothing reaches the store."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self.close()

    def close(self) -> None:
        """Remove the staging folder (after finish it holds only fast-import's leftovers)."""
        if self._lock < 0:
            return
        with contextlib.suppress(OSError):
            self._out.close()
        shutil.rmtree(self.staging, ignore_errors=True)
        self._close()

    def _close(self) -> None:
        self._stderr.close()
        os.close(self._lock)  # releases the flock
        self._lock = -1
        os.close(self._maintain)  # and maintenance may run again


def remove_stale_staging(extra: Path) -> list[Path]:
    """Remove staging folders of imports that died (no process holds their flock)."""
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for folder in extra.iterdir():
            if folder.name.startswith(f".{STAGING_PREFIX}"):
                # Killed while making it (before its lock): judged by age, as temp objects are.
                with contextlib.suppress(FileNotFoundError):
                    if folder.stat().st_mtime < time.time() - STALE_TEMP_SECONDS:
                        shutil.rmtree(folder, ignore_errors=True)
                        removed.append(folder)
                continue
            if not folder.name.startswith(STAGING_PREFIX):
                continue
            try:
                fd = os.open(folder / "lock", os.O_RDWR)
            except OSError:
                fd = -1  # killed before its lock was made: no one can hold it
            try:
                if fd >= 0:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a live import
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            finally:
                if fd >= 0:
                    os.close(fd)
    return removed


def _staging_repo(repo: Path, extra: Path) -> tuple[Path, int]:
    """Make a minimal bare repository under extra whose objects borrow the store's.

    Returns its path and the descriptor holding its flock. Made under a dot name and renamed
    once locked, so that no other import takes it for a dead one's leftover.
    """
    name = f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    building = extra / f".{name}"
    (building / "refs").mkdir(parents=True)
    (building / "objects" / "pack").mkdir(parents=True)
    (building / "objects" / "info").mkdir()
    (building / "HEAD").write_text("ref: refs/heads/main\n")
    (building / "config").write_text("[core]\n\trepositoryformatversion = 0\n\tbare = true\n")
    # The store's objects are an alternate: fast-import need not pack again what is there.
    (building / "objects" / "info" / "alternates").write_text(f"{(repo / 'objects').resolve()}\n")
    fd = os.open(building / "lock", os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(building, extra / name)
    return extra / name, fd


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
