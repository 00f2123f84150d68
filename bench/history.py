"""A long history: timeline, annotate and article feed, cold and warm, against plain git.

Builds one article of N versions (default 400) that grows and is edited the way wire stories
are (a word changed here, a paragraph added there), then times through the Flask test client:

- the timeline page `/articles/<id>` (every version with what it changed),
- the annotate API `/api/articles/<id>/annotate` (where each paragraph of the latest came from),
- the article feed `/articles/<id>/feed.atom`,

each cold (a new app and empty caches) and warm (the same request again). The baseline, measured
in the same run on the same repository, is plain git reading the same history: `git log -p`
over the article's ref (every version's diff in one process) and a `git show` of every version
(what a per-version reader does). Ratios are ours / baseline.

Usage: python bench/history.py [--versions N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.ingest import parse_payload  # noqa: E402
from service.store import GitStore  # noqa: E402
from service.store.text import canonical_text, split_text  # noqa: E402

SEED = ROOT / "seeds" / "ap-troops-eastern-europe" / "001_af56ba67cce1b9fd.txt"
ARTICLE = "long-story"
PAGES = {
    "timeline": f"/articles/{ARTICLE}",
    "annotate": f"/api/articles/{ARTICLE}/annotate",
    "feed": f"/articles/{ARTICLE}/feed.atom",
}


def bodies(count: int) -> list[bytes]:
    """Return count versions: the seed grows a paragraph at a time, and one word moves each time."""
    seed = split_text(SEED.read_text(encoding="utf-8"))
    out = []
    for n in range(count):
        size = min(3 + n // 4, len(seed))
        body = list(seed[:size])
        k = n % size
        # One edit per version, so every consecutive pair differs by a changed paragraph.
        body[k] = f"{body[k]} (update {n})"
        out.append(canonical_text(body).encode("utf-8"))
    return out


def build(path: Path, count: int) -> GitStore:
    """Save count versions of one article into a fresh store."""
    store = GitStore(path, durable=False)
    for body in bodies(count):
        store.save(ARTICLE, parse_payload(body, "text/plain"))
    store.sync()
    return store


def git(path: Path, *args: str) -> bytes:
    """Run plain git on the store and return its output."""
    return subprocess.run(["git", "--git-dir", str(path), *args], capture_output=True,
                          check=True).stdout


def baselines(path: Path) -> dict[str, Callable[[], None]]:
    """Return the plain-git ways of reading the whole history."""
    ref = f"refs/articles/{ARTICLE}"

    def log_p() -> None:
        git(path, "log", "-p", "--format=%H %ct %s", ref)

    def show_each() -> None:
        commits = git(path, "rev-list", "--reverse", ref).split()
        for sha in commits:
            git(path, "show", f"{sha.decode()}:article.txt")

    return {"git log -p": log_p, "git show each": show_each}


def timed(call: Callable[[], object]) -> float:
    """Return the seconds one call takes."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(path: Path, repeat: int) -> dict[str, list[float]]:
    """Return {name: [seconds per repetition]} for every page cold and warm, and the baselines."""
    results: dict[str, list[float]] = {}
    for _ in range(repeat):
        for name, call in baselines(path).items():
            results.setdefault(name, []).append(timed(call))
        for page, url in PAGES.items():
            # Cold: a new app: a new GitStore and a new Differ, nothing remembered.
            client = create_app({"STORE_PATH": path, "TESTING": True}).test_client()

            def get(url=url, client=client):
                resp = client.get(url)
                assert resp.status_code == 200, (url, resp.status_code, resp.data[:300])

            results.setdefault(f"{page} cold", []).append(timed(get))
            results.setdefault(f"{page} warm", []).append(min(timed(get) for _ in range(3)))
    return results


def main() -> None:
    """Build the history, time every page cold and warm, print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=400, help="versions of the article")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (medians printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="writethru-history-") as tmp:
        path = Path(tmp) / "store.git"
        started = time.perf_counter()
        build(path, args.versions)
        built = time.perf_counter() - started
        before = os.getloadavg()[0]
        results = measure(path, args.repeat)
        after = os.getloadavg()[0]
    medians = {name: statistics.median(times) for name, times in results.items()}
    base = medians["git log -p"]
    print(f"{args.versions} versions of one article (built in {built:.1f} s); "
          f"median of {args.repeat}; load {before:.2f} -> {after:.2f} on {os.cpu_count()} cores")
    print(f"{'what':<18}{'ms':>10}{'vs git log -p':>15}{'vs git show each':>18}")
    for name, value in medians.items():
        print(f"{name:<18}{value * 1000:>10.1f}{value / base:>14.2f}x"
              f"{value / medians['git show each']:>17.2f}x")


if __name__ == "__main__":
    main()
