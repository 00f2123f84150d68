"""Article refs: reading without scanning, moving by compare-and-swap, per-article locks.

Loose refs are read directly, packed ones from packed-refs parsed in-process; a ref moves by git's own
`<ref>.lock` protocol, so git tools on the same repository stay safe. Why, with figures:
docs/ARCHITECTURE.md, "Saving: identity, locking, compare-and-swap" and "Reading".
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import StoreUnavailable
from .objects import fsync_dir, write_all
from .stamp import RACY_NS

# git holds a ref lock for milliseconds; one older than this that no writer of ours owns
# is a leftover (say, of a git process killed mid-update) and is removed.
STALE_GIT_LOCK_SECONDS = 10.0
GIT_LOCK_WAIT_SECONDS = 2.0


class RefChanged(Exception):
    """The ref no longer has the value the update was based on."""


def read_ref(repo: Path, refname: str) -> str | None:
    """Return the commit id a ref points to, None if there is no such ref."""
    try:
        # A string path, not repo / refname: this runs on every request (pathlib costs ~5 us).
        with open(f"{repo}/{refname}", "rb") as f:
            data = f.read()
    except FileNotFoundError:
        data = b""
    except OSError as exc:
        raise StoreUnavailable(f"cannot read {refname}: {exc}") from exc
    value = data.strip()
    if len(value) == 40:
        return value.decode("ascii")
    if value:
        return _rev_parse(repo, refname)  # symbolic, or a format git knows better
    # git writes packed-refs before it deletes the loose refs it packed, so a ref missing
    # here is in the packed-refs file read now, or nowhere.
    return packed_refs(repo).get(refname)


def _rev_parse(repo: Path, refname: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "--git-dir", str(repo), "rev-parse", "--verify", "--quiet", refname],
            capture_output=True, check=False,
        )
    except OSError as exc:
        raise StoreUnavailable(f"cannot run git: {exc}") from exc
    out = result.stdout.strip()
    return out.decode("ascii") if result.returncode == 0 and out else None


_packed_lock = threading.Lock()
# repo path -> ((inode, mtime_ns, size) of packed-refs, {refname: commit id})
_packed: dict[str, tuple[tuple[int, int, int], dict[str, str]]] = {}


def packed_refs(repo: Path) -> dict[str, str]:
    """Return {refname: commit id} of packed-refs, parsed once per version of the file.

    In-process: a `git rev-parse` per packed ref cost a process per read once refs were packed
    (by `writethru maintain` or git gc). git replaces the file by rename, so its inode, mtime
    and size tell a new one.
    """
    path = f"{repo}/packed-refs"  # a string: asked on every read of a ref that is not loose
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StoreUnavailable(f"cannot read packed-refs: {exc}") from exc
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    key = str(repo)
    with _packed_lock:
        found = _packed.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    # "<40 hex> <refname>" lines; "#" starts the header, "^" a peeled tag. One comprehension:
    # a cold worker parses this before its first read (100,000 refs: 56 ms in a loop, ~20 here).
    refs = {line[41:]: line[:40] for line in text.split("\n")
            if len(line) > 41 and line[40] == " " and line[0] not in "#^"}
    # A file rewritten twice within the clock's granularity can keep inode, mtime and size
    # (only a hash changes): a stamp that recent is not trusted for the next read.
    if time.time_ns() - st.st_mtime_ns > RACY_NS:
        with _packed_lock:
            _packed[key] = (stamp, refs)
    return refs


def list_refs(repo: Path, prefix: str) -> dict[str, str]:
    """Return {name below prefix: commit id} for every loose or packed ref under prefix."""
    refs: dict[str, str] = {}
    folder = repo / prefix
    # Loose first, packed-refs after: git writes packed-refs before it prunes the loose refs it
    # packed, so a ref pruned between the two reads is still found in the file read second.
    if folder.is_dir():
        for entry in os.scandir(folder):
            if entry.is_file() and not entry.name.endswith(".lock"):
                try:
                    # os.open/os.read: a third of pathlib's cost, and a listing may read 100,000.
                    fd = os.open(entry.path, os.O_RDONLY)
                    try:
                        value = os.read(fd, 128).strip()
                    finally:
                        os.close(fd)
                except FileNotFoundError:
                    continue
                if len(value) == 40:
                    refs[entry.name] = value.decode("ascii")
    full = f"{prefix}/"
    for name, sha in packed_refs(repo).items():
        if name.startswith(full):
            refs.setdefault(name[len(full):], sha)  # a loose ref is newer than its packed copy
    return refs


def update_ref(repo: Path, refname: str, new: str, old: str | None, durable: bool) -> None:
    """Move refname from old (None: absent) to new, or raise RefChanged if it moved meanwhile."""
    path = repo / refname
    lock = path.with_name(path.name + ".lock")
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    fd = _create_git_lock(lock)
    try:
        if read_ref(repo, refname) != old:
            raise RefChanged(refname)
        # All 41 bytes or an error: a short lock file renamed over the ref would lose the article.
        write_all(fd, f"{new}\n".encode("ascii"))
        if durable:
            os.fsync(fd)
        closing, fd = fd, -1  # closed once, even when close itself reports a failed write
        os.close(closing)
        os.rename(lock, path)
    except BaseException:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        # The lock is ours (created with O_EXCL above): git's protocol is to remove it on failure.
        with contextlib.suppress(OSError):
            os.unlink(lock)
        raise
    if durable:
        fsync_dir(path.parent)


def _create_git_lock(lock: Path) -> int:
    deadline = time.monotonic() + GIT_LOCK_WAIT_SECONDS
    delay = 0.001
    while True:
        try:
            return os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                continue
            if age > STALE_GIT_LOCK_SECONDS:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock)
                continue
            if time.monotonic() > deadline:
                raise StoreUnavailable(f"{lock.name} is held by another git process") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


class ArticleLock:
    """A held article writer lock; `moving_ref()` marks the window in which the ref moves."""

    def __init__(self, fd: int):
        self._fd = fd

    @contextlib.contextmanager
    def moving_ref(self) -> Iterator[None]:
        """Leave this process's pid in the lock file while the ref is being moved."""
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            # Reached normally or by an exception, both after update_ref removed or renamed
            # the ref's .lock; only a SIGKILL leaves the pid for the next holder to see.
            os.ftruncate(self._fd, 0)


@contextlib.contextmanager
def file_lock(path: Path, mode: int = fcntl.LOCK_EX) -> Iterator[int]:
    """Hold a flock on path (created if missing); yields the descriptor."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, mode)
        yield fd
    finally:
        os.close(fd)  # closing the last descriptor releases the flock


@contextlib.contextmanager
def article_lock(lock_path: Path, git_lock: Path) -> Iterator[ArticleLock]:
    """Hold the article's writer lock (flock: released by the kernel when a process dies).

    A pid found in the lock file on entry means the last holder died while moving the ref,
    so a `<ref>.lock` left then is that writer's and is removed at once rather than after
    STALE_GIT_LOCK_SECONDS. flock (not POSIX fcntl locks) so threads exclude each other too.
    """
    while True:
        with file_lock(lock_path) as fd:
            # `writethru maintain` removes idle lock files while holding them: a file locked
            # after its removal is no lock any more, so take the one now at the path instead.
            try:
                current = os.stat(lock_path).st_ino
            except FileNotFoundError:
                current = None
            if current != os.fstat(fd).st_ino:
                continue
            if os.pread(fd, 32, 0):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(git_lock)
                os.ftruncate(fd, 0)
            yield ArticleLock(fd)
            return
