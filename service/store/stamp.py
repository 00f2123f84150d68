"""The stamp of the refs: what tells the listing index (and the memory listing) that refs moved,
and how the index keeps it in step with the store's own saves.

See docs/ARCHITECTURE.md, "The listing index (derived)".
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

# A file time this close to now may be shared by a later change in the same clock tick: kernels
# before 6.13 stamp files from a clock that moves once a tick (1 to 10 ms; 6.13 and later give a
# change after a stat a finer time). A sync or rebuild therefore waits until its stamp is older
# than this before it reads the refs, so that any change it does not read changes the stamp.
RACY_NS = 20_000_000


@dataclass(frozen=True)
class Stamp:
    """The refs' folder and packed-refs as stat saw them: any ref moved changes it."""

    text: str
    newest_ns: int  # the latest mtime or ctime in it

    def settled(self) -> bool:
        """Tell whether no later change can share these file times (see RACY_NS)."""
        return time.time_ns() - self.newest_ns >= RACY_NS


def refs_stamp(repo: Path, prefix: str) -> Stamp | None:
    """Return the stamp of the refs under prefix, None when they cannot be looked at.

    git and the store move a loose ref by renaming `<ref>.lock` over it and delete one by
    unlinking it: either changes the folder's mtime and ctime. packed-refs is replaced by a
    rename (a new inode). ctime is in it because no one can set it back (rsync can set mtime).
    """
    parts, newest = [], 0
    for path in (repo / prefix, repo / "packed-refs"):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            parts.append("-")
            continue
        except OSError:
            return None
        parts.append(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    return Stamp(" ".join(parts), newest)


# meta keys: refs and refs_ns (the stamp the rows are in step with, and its time; '' = look
# again) and `move <ns> <ns>` (a save's span waiting for the stamp to reach it).
_MAX_MOVES = 256  # spans waiting at most (saves during one long sync)


def advance(conn: sqlite3.Connection, before: Stamp | None, after: Stamp | None) -> None:
    """Carry the stored stamp of the refs over one save's own change (compare-and-set).

    The stored stamp S says: every change of the refs up to S's time is in the index. A save's
    change lies between its `before` and `after` stamps, and that span is taken for the
    store's own (its row is in; an overlapping save's span covers that one's row). A span that
    starts at or before S's time moves S to `after`. Saves overlap and commit in any order, so
    a span that starts later waits as a `move <before ns> <after ns>` key until S reaches it.
    A change from outside lies in no span: S stops short of it, and the next listing syncs.
    """
    if before is not None and after is not None:
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                     (f"move {before.newest_ns} {after.newest_ns}", after.text))
    _follow(conn)


def keep(conn: sqlite3.Connection, stamp: Stamp | None) -> None:
    """Store the stamp a sync or rebuild read the refs at, then follow the saves' spans."""
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
        ("refs", stamp.text if stamp else ""), ("refs_ns", str(stamp.newest_ns if stamp else -1))])
    _follow(conn)


def _follow(conn: sqlite3.Connection) -> None:
    stored, stored_ns = _meta(conn, "refs") or "", int(_meta(conn, "refs_ns") or -1)
    spans = []
    for key, text in conn.execute("SELECT key, value FROM meta WHERE key LIKE 'move %'"):
        _move, b_ns, a_ns = key.split()
        spans.append((int(b_ns), int(a_ns), text))
    waiting = []
    for b_ns, a_ns, text in sorted(spans):
        if not stored or b_ns > stored_ns:  # a gap no span covers (yet)
            waiting.append((b_ns, a_ns, text))
        elif a_ns > stored_ns:
            stored, stored_ns = text, a_ns
    conn.execute("DELETE FROM meta WHERE key LIKE 'move %'")
    # Spans past a gap wait: a sync running stores a stamp from when it started, and they may
    # carry it on. A later stamp spends them; the earliest are the ones worth keeping.
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                     [(f"move {b} {a}", t) for b, a, t in waiting[:_MAX_MOVES]])
    if stored:
        conn.executemany("UPDATE meta SET value = ? WHERE key = ?",
                         [(stored, "refs"), (str(stored_ns), "refs_ns")])


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    found = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if found is None else found[0]
