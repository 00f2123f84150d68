"""Article refs: reading without scanning, moving by compare-and-swap, per-article locks.

Loose refs are read directly, packed ones through `git rev-parse`; a ref moves by git's own
`<ref>.lock` protocol, so git tools on the same repository stay safe. Why, with figures:
docs/ARCHITECTURE.md, "Saving: identity, locking, compare-and-swap" and "Reading".
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import StoreUnavailable
from .objects import fsync_dir

# git holds a ref lock for milliseconds; one older than this that no writer of ours owns
# is a leftover (say, of a git process killed mid-update) and is removed.
STALE_GIT_LOCK_SECONDS = 10.0
GIT_LOCK_WAIT_SECONDS = 2.0


class RefChanged(Exception):
    """The ref no longer has the value the update was based on."""


def read_ref(repo: Path, refname: str) -> str | None:
    """Return the commit id a ref points to, None if there is no such ref."""
    try:
        data = (repo / refname).read_bytes()
    except FileNotFoundError:
        data = b""
    except OSError as exc:
        raise StoreUnavailable(f"cannot read {refname}: {exc}") from exc
    value = data.strip()
    if len(value) == 40:
        return value.decode("ascii")
    if not (repo / "packed-refs").exists():
        return None
    # Packed (or, oddly, symbolic): let git resolve it without a Python-side scan.
    try:
        result = subprocess.run(
            ["git", "--git-dir", str(repo), "rev-parse", "--verify", "--quiet", refname],
            capture_output=True, check=False,
        )
    except OSError as exc:
        raise StoreUnavailable(f"cannot run git: {exc}") from exc
    out = result.stdout.strip()
    return out.decode("ascii") if result.returncode == 0 and out else None


def list_refs(repo: Path, prefix: str) -> dict[str, str]:
    """Return {name below prefix: commit id} for every loose or packed ref under prefix."""
    refs: dict[str, str] = {}
    packed = repo / "packed-refs"
    if packed.exists():
        full = f" {prefix}/"
        for line in packed.read_text(encoding="utf-8").splitlines():
            sha, sep, name = line.partition(" ")
            if sep and len(sha) == 40 and (" " + name).startswith(full):
                refs[name[len(prefix) + 1:]] = sha
    folder = repo / prefix
    if folder.is_dir():
        for entry in os.scandir(folder):
            if entry.is_file() and not entry.name.endswith(".lock"):
                value = Path(entry.path).read_bytes().strip()
                if len(value) == 40:
                    refs[entry.name] = value.decode("ascii")
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
        os.write(fd, f"{new}\n".encode("ascii"))
        if durable:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        os.rename(lock, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
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
    with file_lock(lock_path) as fd:
        if os.pread(fd, 32, 0):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(git_lock)
            os.ftruncate(fd, 0)
        yield ArticleLock(fd)
