"""Time annotate and the timeline's change stats of a long story, cold, with and without facts.

Beside `git blame` of the story's article.txt and `git log` of its chain (with its trailers,
and with `--shortstat`, git's own change stats) in the same run. Every figure but git's is a
fresh process (a new GitStore and Differ, what a restarted worker has), timed from opening the
store; git's are whole processes. Columns: without a facts file (the Differ before facts), with
one the first time (empty: it is filled) and the second time (any later process).
Then: a new version saved, annotated by a fresh process (one diff), and what `record()` adds to
a save. The store is copied first (facts are written beside it). Aims (issue 11): cold annotate
of the long story faster than `git blame`; a cold timeline runs no diffs.

Run: `.venv/bin/python bench/annotate.py [STORE [ARTICLE]]` (default /tmp/scale/long.git,
live-blog; about two minutes on 5,000 versions).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: (seconds, diffs run) of one cold call.
_COLD = """
import json, sys, time
from service.diff import Differ, differ
from service.store import GitStore
path, article, what, facts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
runs = [0]
engine = differ.diff_paragraphs
def counted(*args, **kwargs):
    runs[0] += 1
    return engine(*args, **kwargs)
differ.diff_paragraphs = counted
t = time.perf_counter()
store = GitStore(path)
d = Differ(store, facts=Differ.facts_beside(path) if facts else None)
if what.startswith("annotate"):
    d.annotate(article, what.partition(":")[2] or "latest")
    walk = 0.0
else:
    infos = store.versions(article)
    walk = time.perf_counter() - t  # the store's part: its history walk
    d.change_stats(article, infos)
print(json.dumps([time.perf_counter() - t, runs[0], walk]))
"""

_SAVE = """
import json, sys, time
from service.diff import Differ
from service.ingest import parse_payload
from service.store import GitStore
path, article = sys.argv[1], sys.argv[2]
store = GitStore(path)
d = Differ(store, facts=Differ.facts_beside(path))
d.annotate(article, "latest")  # as a live server has: the head's provenance known
times = []
for k in range(5):
    text = store.read(article).text + f"\\n\\nA new paragraph, number {k}, for the benchmark."
    t = time.perf_counter()
    saved = store.save(article, parse_payload(text.encode(), "text/plain"))
    t1 = time.perf_counter()
    d.record(article, saved.version, saved.commit)
    times.append((t1 - t, time.perf_counter() - t1))
print(json.dumps(times))
"""


def cold(path: Path, article: str, what: str, facts: bool) -> tuple[float, int, float]:
    """Return (seconds, diffs, seconds of the store's walk) of one cold annotate or timeline."""
    done = subprocess.run([sys.executable, "-c", _COLD, str(path), article, what, str(int(facts))],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, diffs, walk = json.loads(done.stdout)
    return seconds, diffs, walk


def git(path: Path, *args: str) -> float:
    """Return the seconds a git command takes, as a whole process."""
    t = time.perf_counter()
    subprocess.run(["git", "--git-dir", str(path), *args], capture_output=True, check=True)
    return time.perf_counter() - t


def main() -> None:
    """Copy the store, time everything, print a table."""
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/scale/long.git")
    article = sys.argv[2] if len(sys.argv) > 2 else "live-blog"
    with tempfile.TemporaryDirectory(prefix="bench-annotate-") as tmp:
        path = Path(tmp) / "store.git"
        shutil.copytree(source, path, symlinks=True)
        facts = path / "writethru" / "facts.sqlite"
        for name in ("facts.sqlite", "facts.sqlite-wal", "facts.sqlite-shm"):
            (path / "writethru" / name).unlink(missing_ok=True)
        ref = f"refs/articles/{article}"
        count = subprocess.run(["git", "--git-dir", str(path), "rev-list", "--count", ref],
                               capture_output=True, text=True, check=True).stdout.strip()
        print(f"{article}: {count} versions (copied from {source})\n")
        blame = git(path, "blame", ref, "--", "article.txt")
        log = git(path, "log", "--format=%H %ct%n%(trailers:only,unfold)", ref)
        shortstat = git(path, "log", "--shortstat", "--format=%H", ref)

        rows = []
        for what, baseline, name in (("annotate", blame, "git blame"),
                                     ("timeline", shortstat, "git log --shortstat")):
            without = cold(path, article, what, facts=False)
            for stale in ("facts.sqlite", "facts.sqlite-wal", "facts.sqlite-shm"):
                (path / "writethru" / stale).unlink(missing_ok=True)
            first = cold(path, article, what, facts=True)
            second = cold(path, article, what, facts=True)
            rows.append((what, without, first, second, baseline, name))
            if what == "annotate":  # every step's provenance is kept: any version is ready
                middle = cold(path, article, f"annotate:{int(count) // 2}", facts=True)
        size = sum(f.stat().st_size for f in facts.parent.glob("facts.sqlite*"))

        print(f"{'cold, fresh process':<22}{'no facts':>16}{'facts: 1st':>16}{'facts: 2nd':>16}"
              f"{'baseline':>12}   (d: diffs run)")
        for what, without, first, second, baseline, name in rows:
            cells = "".join(f"{1000 * s:>9.0f} ms {d:>4}d" for s, d, _ in (without, first, second))
            print(f"{what:<22}{cells}{1000 * baseline:>9.0f} ms  ({name}; 2nd/baseline "
                  f"{second[0] / baseline:.2f})")
        print(f"annotate v{int(count) // 2}, cold, facts kept: {1000 * middle[0]:.0f} ms"
              f" ({middle[1]} diffs)")
        print(f"timeline, facts 2nd: {1000 * rows[1][3][2]:.0f} ms of it the store's history"
              f" walk; git log with trailers (the timeline's fields): {1000 * log:.0f} ms")
        print(f"facts file after both: {size / 1024:.0f} KiB\n")

        saves = json.loads(subprocess.run([sys.executable, "-c", _SAVE, str(path), article],
                                          cwd=ROOT, capture_output=True, text=True,
                                          check=True).stdout)
        save_ms = sorted(1000 * s for s, _ in saves)[len(saves) // 2]
        record_ms = sorted(1000 * r for _, r in saves)[len(saves) // 2]
        print(f"a save and record() after it (median of {len(saves)}): save {save_ms:.1f} ms,"
              f" record {record_ms:.1f} ms")
        after = cold(path, article, "annotate", facts=True)
        timeline = cold(path, article, "timeline", facts=True)
        print(f"then, cold: annotate latest {1000 * after[0]:.0f} ms ({after[1]} diffs),"
              f" timeline {1000 * timeline[0]:.0f} ms ({timeline[1]} diffs;"
              f" the store's walk {1000 * timeline[2]:.0f} ms of it)")


if __name__ == "__main__":
    main()
