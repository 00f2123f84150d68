"""What a save found wrong with the store, kept where /healthz can see it, and who owns the store.

A save that finds the head of an article missing (pruned by `git gc --prune=now` beside a
writer, say) refuses to build on it and leaves a small marker file; `/healthz` reads it (one
`stat`), and `writethru fsck` clears it once the store is whole again.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import time
from pathlib import Path

from .errors import StoreUnavailable
from .objects import ObjectReader

MARKER = "broken.json"


class StoreBroken(StoreUnavailable):
    """The repository lacks an object a version needs: nothing is built on top of it."""

    PUBLIC = ("The article store is damaged (a version's commit is missing); nothing was saved. "
              "The operator can see what is wrong with 'writethru fsck'.")


def mark_broken(extra_dir: Path, article_id: str, detail: str) -> None:
    """Leave the marker /healthz reports; never fails the caller (it is already failing)."""
    body = json.dumps({"article": article_id, "detail": detail, "at": int(time.time())})
    tmp = extra_dir / f"{MARKER}.{os.getpid()}.tmp"
    with contextlib.suppress(OSError):
        tmp.write_text(body + "\n", encoding="utf-8")
        os.replace(tmp, extra_dir / MARKER)


def broken(extra_dir: Path) -> dict | None:
    """Return what the last save found broken, or None when no save did (one open at most)."""
    try:
        # A string path: /healthz asks this on every probe, and pathlib costs more than the open.
        with open(f"{extra_dir}/{MARKER}", encoding="utf-8") as f:
            return json.loads(f.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"article": None, "detail": "the store's damage marker cannot be read"}


def clear_broken(extra_dir: Path) -> None:
    """Remove the marker (after `writethru fsck` found the store whole)."""
    with contextlib.suppress(FileNotFoundError):
        (extra_dir / MARKER).unlink()


def user_name(uid: int) -> str:
    """Return the login name of uid, or the number when it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def owner_problem(path: Path) -> str | None:
    """Say why this process should not write to the store at path, or None when it may.

    Files a process writes belong to its user; a store written by two users ends with folders
    one of them cannot write (a root `writethru ingest` once made the server answer 503).
    """
    try:
        owner = path.stat().st_uid
    except FileNotFoundError:
        return None
    me = os.geteuid()
    if owner == me:
        return None
    name = user_name(owner)
    return (f"the store at {path} belongs to user {name} (uid {owner}), and you are "
            f"{user_name(me)} (uid {me}): files you write there would not be {name}'s. "
            f"Run the command as that user, e.g. 'sudo -u {name} writethru ...'")


def require_commit(reader: ObjectReader, path: Path, extra_dir: Path, article_id: str,
                   head: str) -> None:
    """Refuse (StoreBroken, and the marker) to build on a head commit the repository lacks."""
    hexsha = head.lower()
    with contextlib.suppress(OSError):
        if os.stat(path / "objects" / hexsha[:2] / hexsha[2:]).st_size > 0:
            return  # loose and there: the common case costs one stat
    try:
        reader.commit(head)  # packed, or missing
    except StoreUnavailable as exc:
        detail = (f"the latest version of {article_id!r} (commit {head}) is missing from {path}: "
                  "it may have been pruned by 'git gc --prune=now' beside a writer; run "
                  f"'writethru fsck' ({exc})")
        mark_broken(extra_dir, article_id, detail)
        raise StoreBroken(detail) from exc
