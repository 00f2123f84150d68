"""`writethru maintain` and `writethru fsck` on a store of many articles, beside plain `git gc`.

Builds a store the way the service does (GitStore.save, loose objects, one ref per article),
copies it, and times `writethru maintain` on one copy beside `git gc` on the other in the same
run (the baseline: maintain is git gc plus lock and temp clean-up). Then times a second maintain
(nothing left to pack) and `writethru fsck` on the packed store.

Usage: python bench/maintain.py [--articles N] [--versions V]   (default 100,000 articles)
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.ingest import parse_payload  # noqa: E402
from service.store import GitStore, maintenance  # noqa: E402
from service.store.maintenance import count_loose, count_packs  # noqa: E402

WRITETHRU = Path(sys.executable).with_name("writethru")


def timed(argv: list[str]) -> float:
    """Run a command; return its seconds (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{argv[0]} failed: {done.stderr.strip()}")
    return time.perf_counter() - start


def main() -> None:
    """Build, copy, and time maintain beside git gc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        a, b = Path(tmp) / "a.git", Path(tmp) / "b.git"
        store = GitStore(a, durable=False)
        # No automatic maintenance while building: the point is to time one run over it all.
        maintenance.AUTO_CHECK_EVERY = 1 << 62
        start = time.perf_counter()
        for k in range(args.articles):
            for v in range(args.versions):
                text = f"Story {k}, update {v}.\n\nA paragraph that says what happened ({k}).\n"
                store.save(f"story-{k}", parse_payload(text.encode(), "text/plain"))
        built = time.perf_counter() - start
        loose = count_loose(a / "objects")
        locks = len(os.listdir(a / "writethru" / "locks"))
        # The saves may have started a maintenance run of their own (the automatic trigger):
        # wait for it, holding its lock, so both copies start from the same store.
        with open(a / "writethru" / "maintain.lock", "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            loose = count_loose(a / "objects")
            shutil.copytree(a, b, symlinks=True)
            (b / "gc.pid").unlink(missing_ok=True)
        load = os.getloadavg()[0]
        maintain = timed([str(WRITETHRU), "--store", str(a), "maintain", "--quiet"])
        gc = timed(["git", "--git-dir", str(b), "gc", "--quiet"])
        again = timed([str(WRITETHRU), "--store", str(a), "maintain", "--quiet"])
        fsck = timed([str(WRITETHRU), "--store", str(a), "fsck"])
        # What the automatic trigger pays later: 4,000 more articles (12,000 loose objects, past
        # gc.auto for sure), then `maintain --auto` packs only those.
        for k in range(args.articles, args.articles + 4000):
            text = f"Story {k}, a later one.\n\nIt came after the store was packed.\n"
            store.save(f"story-{k}", parse_payload(text.encode(), "text/plain"))
        auto = timed([str(WRITETHRU), "--store", str(a), "maintain", "--auto", "--quiet"])
        print(f"{args.articles:,} articles x {args.versions} versions built in {built:.0f} s: "
              f"{loose:,} loose objects, {locks:,} lock files; load {load:.2f} -> "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"{'what':32} {'s':>8} {'vs git gc':>10}")
        for name, seconds in [("git gc (baseline, a copy)", gc), ("writethru maintain", maintain),
                              ("writethru maintain, again", again), ("writethru fsck", fsck),
                              ("maintain --auto, 12,000 new loose", auto)]:
            print(f"{name:32} {seconds:8.1f} {seconds / gc:9.2f}x")
        print(f"after maintain --auto: {count_loose(a / 'objects'):,} loose objects, "
              f"{count_packs(a / 'objects')} packs, "
              f"{len(os.listdir(a / 'writethru' / 'locks')):,} lock files")


if __name__ == "__main__":
    main()
