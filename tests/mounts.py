"""Mounting small filesystems for fault tests (root only): where it is not allowed the test is
skipped with the reason, except in CI, where it fails (CI runs as root and must run them)."""

from __future__ import annotations

import os
import subprocess

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
