"""The store's front door for plain git: a `main` branch with a README that explains the store.

Stories live under refs/articles/*, which `git clone` does not fetch, so without this a clone
is "an empty repository". The branch is made once, with the first version a GitStore writes
(save, or inside a bulk import's pack, so that an imported store stays packed) or by
`writethru maintain`; an older store gains it so too. A HEAD that names a commit already
(someone's own branch) or no branch at all (detached) is left as it is.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path

from .errors import StoreUnavailable
from .objects import ObjectWriter
from .refs import RefChanged, file_lock, read_ref, update_ref

BRANCH = "refs/heads/main"
MESSAGE = "A guide to this store for plain git\n"
INIT_LOCK = "init.lock"  # the flock GitStore.init takes, under the store's writethru/ folder
_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
log = logging.getLogger(__name__)

README = """\
# A writethru store

This git repository holds every version of every story writethru received.
It is read with plain git; nothing here needs writethru.

## Layout

- One ref per story: `refs/articles/<id>` (for example `refs/articles/ap-troops`).
- One commit per version, oldest first along the chain; the newest is the ref's commit.
- Each commit's tree holds:
  - `article.txt`: the text, one paragraph per line, blank lines between;
  - `meta.json`: the publisher's metadata (headline, byline, times, label, ...);
  - `source/*`: the payload as it was sent, when the text alone would lose something.
- The author of a commit is the story's byline and its author date the publisher's time
  when they were sent; the committer and commit date are writethru and the time the
  version arrived. The message ends in `Writethru-Version: <n>` and other trailers.

This branch (`main`) holds only this file.

## Getting every story

`git clone` fetches branches only, so ask for the stories too:

    git clone <store> writethru-stories
    cd writethru-stories
    git fetch origin 'refs/articles/*:refs/articles/*'

or take everything at once, as a bare copy:

    git clone --mirror <store> writethru-stories.git

Run the same `git fetch` again later to bring the copy up to date.

## Reading a story

    git for-each-ref refs/articles/                  # every story
    git log refs/articles/<id>                       # its versions, newest first
    git log --format='%h %an %ad' refs/articles/<id> # who wrote each, and when
    git show refs/articles/<id>:article.txt          # the latest text
    git show refs/articles/<id>~1:meta.json          # the metadata one version back
    git diff --word-diff refs/articles/<id>~1 refs/articles/<id> -- article.txt
"""


def head_target(repo: Path) -> str | None:
    """Return the ref HEAD names (`refs/heads/...`), None when HEAD is detached or unreadable."""
    try:
        with open(repo / "HEAD", encoding="utf-8", errors="replace") as f:
            value = f.read().strip()
    except OSError:
        return None
    return value[5:].strip() if value.startswith("ref: ") else None


def needed(repo: Path) -> bool:
    """Tell whether HEAD names a branch with no commit yet: what a clone finds "empty"."""
    target = head_target(repo)
    return target is not None and read_ref(repo, target) is None


def ensure(repo: Path, extra: Path, actor: tuple[str, str], durable: bool,
           commit: str | None = None) -> bool:
    """Give the store its README branch and point HEAD at it if HEAD names nothing yet.

    commit: the guide's commit when already written (a bulk import's pack holds it), else
    written here as loose objects. Returns True when something was written. Under the init
    flock, so our processes make it once; the ref by compare-and-swap from absent, so a branch
    made meanwhile is never rewritten.

    Raises:
        StoreUnavailable: the store cannot be written.
    """
    if not needed(repo):  # the common case, without a lock
        return False
    try:
        with file_lock(extra / INIT_LOCK):
            if not needed(repo):
                return False
            if read_ref(repo, BRANCH) is None:
                if commit is None:
                    writer = ObjectWriter(repo / "objects", durable)
                    tree = writer.tree({"README.md": README.encode("utf-8")})
                    commit = writer.commit(tree, None, actor, int(time.time()), MESSAGE).hex()
                try:
                    update_ref(repo, BRANCH, commit, None, durable)
                except RefChanged:
                    pass  # a git process made the branch meanwhile: theirs stays
            if head_target(repo) != BRANCH:
                _point_head(repo)
    except OSError as exc:
        raise StoreUnavailable.of_write(f"cannot write the guide branch in {repo}", exc) from exc
    return True


def ensure_quietly(repo: Path, extra: Path, actor: tuple[str, str], durable: bool,
                   commit: str | None = None) -> bool:
    """As ensure, but a failure is logged, not raised: saves need no guide."""
    try:
        return ensure(repo, extra, actor, durable, commit)
    except StoreUnavailable as exc:
        log.warning("writethru: no guide branch for plain git: %s", exc)
        return False


def _point_head(repo: Path) -> None:
    """Point HEAD at BRANCH the way git does (its HEAD.lock protocol), by git itself."""
    done = subprocess.run(["git", "--git-dir", str(repo), "symbolic-ref", "HEAD", BRANCH],
                          capture_output=True, text=True, env={**os.environ, **_GIT_ENV})
    if done.returncode:
        raise StoreUnavailable(f"git symbolic-ref HEAD failed in {repo}: {done.stderr.strip()}")
