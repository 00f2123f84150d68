"""Mounting small filesystems for fault tests (root only): where it is not allowed the test is
skipped with the reason, except in CI, where it fails (CI runs as root and must run them)."""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def run_mount(args: list[str], what: str) -> None:
    """Run a mount command; on failure fail in CI, skip elsewhere, saying what could not be made."""
    try:
        done = subprocess.run(args, capture_output=True, text=True)
        failure = done.stderr.strip() if done.returncode else ""
    except OSError as exc:  # no mount command at all
        failure = str(exc)
    if failure:
        why = f"cannot mount {what} (needs root or CAP_SYS_ADMIN): {failure}"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


@contextlib.contextmanager
def tmpfs(at: Path, size_mb: int) -> Iterator[Path]:
    """Mount a fresh tmpfs of size_mb MiB at `at` (made here); unmount it afterwards."""
    at.mkdir()
    run_mount(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(at)],
              f"a {size_mb} MiB tmpfs to fill")
    try:
        yield at
    finally:
        gc.collect()  # the stores' SQLite connections and gitdb maps hold files open
        if subprocess.run(["umount", str(at)], capture_output=True).returncode:
            subprocess.run(["umount", "--lazy", str(at)], check=True)


@contextlib.contextmanager
def read_only_mount(source: Path, at: Path) -> Iterator[Path]:
    """Bind-mount source read-only at `at` (made here); unmount it afterwards."""
    at.mkdir()
    try:
        run_mount(["mount", "--bind", str(source), str(at)], "a bind mount")
        run_mount(["mount", "-o", "remount,ro,bind", str(at)], "a bind mount read-only")
        yield at
    finally:
        gc.collect()  # close SQLite connections opened under the mount before it goes
        subprocess.run(["umount", "-l", str(at)], capture_output=True)
