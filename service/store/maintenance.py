"""Maintenance that is safe beside running writers: pack objects and refs, drop what is stale.

The store writes loose objects in-process, so git's own `gc.auto` never fires: left alone, a
100,000-article store held 617,747 loose objects. `maintain` runs `git gc` with a prune grace
that can never be "now" (objects a writer has written but not yet referenced are young, so they
stay), removes article lock files no writer holds, and temp files of writers that died.
`maybe_start` is the automatic trigger: after saves, when git's own estimate says so, it starts
`writethru maintain` as a separate process, outside any request. Which git commands are safe by
hand on a live store: README, "The store is plain git".
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import StoreUnavailable
from .objects import remove_stale_temp_files

#: Unreferenced objects younger than this survive (git's own default). Never "now": an object a
#: writer has just written is unreferenced until its ref moves.
PRUNE_EXPIRE = "2.weeks.ago"
#: git's gc.auto default: this many loose objects (estimated) call for packing.
AUTO_LOOSE_OBJECTS = 6700
#: Saves between two looks at the estimate, per process (a look lists one fan-out folder).
AUTO_CHECK_EVERY = 256
LOCK = "maintain.lock"


@dataclass
class MaintainReport:
    """What one run of maintenance did."""

    loose_before: int
    loose_after: int
    packs_before: int
    packs_after: int
    locks_removed: int
    temp_removed: int
    seconds: float
    skipped: bool = False  # another maintenance run held the lock


def count_loose(objects_dir: Path) -> int:
    """Count loose objects exactly (every fan-out folder)."""
    total = 0
    for k in range(256):
        with contextlib.suppress(FileNotFoundError):
            total += sum(1 for n in os.listdir(objects_dir / f"{k:02x}") if len(n) == 38)
    return total


def estimate_loose(objects_dir: Path) -> int:
    """Estimate loose objects as git does: the objects in folder 17, times 256."""
    try:
        return 256 * sum(1 for n in os.listdir(objects_dir / "17") if len(n) == 38)
    except FileNotFoundError:
        return 0


def count_packs(objects_dir: Path) -> int:
    """Count pack files."""
    try:
        return sum(1 for n in os.listdir(objects_dir / "pack") if n.endswith(".pack"))
    except FileNotFoundError:
        return 0


def remove_idle_locks(locks_dir: Path) -> int:
    """Remove article lock files that no writer holds; return how many were removed.

    Each is taken with a non-blocking flock first and removed while held; a writer that opened
    the file just before checks after locking that the path is still its file (refs.article_lock)
    and starts again if not, so removing never lets two writers in.
    """
    removed = 0
    try:
        names = os.listdir(locks_dir)
    except FileNotFoundError:
        return 0
    for name in names:
        path = locks_dir / name
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                continue  # a writer holds it
            raise
        try:
            # A pid inside means its writer died while moving the ref: keep the file, so the
            # next writer sees the pid and clears that writer's ref lock at once.
            if not os.pread(fd, 32, 0):
                os.unlink(path)
                removed += 1
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)
    return removed


def maintain(path: Path, extra_dir: Path, *, auto: bool = False) -> MaintainReport:
    """Pack objects and refs with git gc (safe prune grace), then drop idle locks and stale temps.

    auto: `git gc --auto`, as the automatic trigger runs it: loose objects go into one more pack
    (cheap: the store's size does not matter) and all packs are merged only once there are
    many; without it every object is repacked (a 100,000-article store: minutes).
    Raises StoreUnavailable when git fails; returns skipped=True when another run is going on.
    """
    started = time.monotonic()
    objects = path / "objects"
    loose, packs = count_loose(objects), count_packs(objects)
    extra_dir.mkdir(exist_ok=True)
    fd = os.open(extra_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return MaintainReport(loose, loose, packs, packs, 0, 0, 0.0, skipped=True)
        done = subprocess.run(
            ["git", "--git-dir", str(path), "-c", f"gc.pruneExpire={PRUNE_EXPIRE}",
             "-c", "gc.autoDetach=false", "-c", f"gc.auto={AUTO_LOOSE_OBJECTS}",
             # gc packs refs and removes loose refs and objects that acknowledged saves wrote
             # durably: what replaces them must be on disk first (git's default syncs less).
             "-c", "core.fsync=committed,derived-metadata",
             "gc", "--quiet", *(["--auto"] if auto else [])],
            capture_output=True, text=True)
        if done.returncode != 0:
            raise StoreUnavailable(f"git gc failed in {path}: {done.stderr.strip()}")
        locks = remove_idle_locks(extra_dir / "locks")
        temps = len(remove_stale_temp_files(objects))
    finally:
        os.close(fd)
    return MaintainReport(loose, count_loose(objects), packs, count_packs(objects), locks, temps,
                          time.monotonic() - started)


_saves = 0


def maybe_start(path: Path) -> bool:
    """After a save: now and then, start `writethru maintain` in the background if it is due.

    Returns True when a maintenance process was started. Never raises: a save has succeeded.
    """
    global _saves
    _saves += 1
    if _saves % AUTO_CHECK_EVERY:
        return False
    try:
        if estimate_loose(path / "objects") <= AUTO_LOOSE_OBJECTS:
            return False
        subprocess.Popen(
            [sys.executable, "-m", "service.cli", "--store", str(path), "maintain", "--auto",
             "--quiet"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, cwd=str(Path(__file__).resolve().parents[2]))
        return True
    except OSError:
        return False
