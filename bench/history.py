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

Then, on copies of the same store (or of --store PATH), the cold walk of the history that a
timeline starts with (a fresh process: `GitStore(path).versions(article)`) with the objects
loose, after `git gc` and after `git repack -a -d`, each without and with the history table
(writethru/history.sqlite), beside `git log` printing the same fields per version (commit,
parent, time, and the version, paragraph and word trailers) in the same run; and a save (the
work of a POST) loose and packed.

Usage: python bench/history.py [--versions N] [--repeat R] [--store PATH --article ID]
       [--walks-only]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


LOG_FIELDS = ("--format=%H %P %ct %(trailers:key=Writethru-Version,valueonly,separator=)"
              " %(trailers:key=Writethru-Paragraphs,valueonly,separator=)"
              " %(trailers:key=Writethru-Words,valueonly,separator=)")
COLD_WALK = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from service.store import GitStore
start = time.perf_counter()
count = len(GitStore(sys.argv[2]).versions(sys.argv[3]))
print(json.dumps([time.perf_counter() - start, count]))
"""


def layouts(source: Path, folder: Path) -> dict[str, Path]:
    """Return copies of source: every object loose, after git gc, after git repack -a -d."""
    out = {name: folder / f"{name}.git" for name in ("loose", "gc", "repack")}
    for path in out.values():
        shutil.copytree(source, path, symlinks=True)
    packs = out["loose"] / "objects" / "pack"
    for pack in sorted(packs.glob("*.pack")):  # unpacked: a pack's objects become loose files
        data = pack.read_bytes()
        for leftover in packs.glob(f"{pack.stem}.*"):
            leftover.unlink()
        subprocess.run(["git", "--git-dir", str(out["loose"]), "unpack-objects", "-q"],
                       input=data, check=True)
    git(out["gc"], "gc", "-q")
    git(out["repack"], "repack", "-a", "-d", "-q")
    return out


def cold_walk(path: Path, article: str) -> float:
    """Return the seconds a fresh process takes to list the article's versions (imports excluded)."""
    out = subprocess.run([sys.executable, "-c", COLD_WALK, str(ROOT), str(path), article],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]


def save_times(path: Path, article: str, count: int) -> list[float]:
    """Return the seconds of count durable saves of new versions (a POST's store work)."""
    store = GitStore(path)
    times = []
    for n in range(count):
        body = f"A new lede, {n}.\n\nThe rest of the story as it stands.\n".encode()
        times.append(timed(lambda body=body: store.save(article, parse_payload(body, "text/plain"))))
    return times


def measure_walks(source: Path, article: str, repeat: int) -> dict[str, list[float]]:
    """Return {name: [seconds]}: cold walks without and with the table, git log, saves."""
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="writethru-walks-") as tmp:
        stores = layouts(source, Path(tmp))
        for _ in range(repeat):
            for name, path in stores.items():
                ref = f"refs/articles/{article}"
                results.setdefault(f"{name}: git log", []).append(
                    timed(lambda path=path, ref=ref: git(path, "log", LOG_FIELDS, ref)))
                (path / "writethru" / "history.sqlite").unlink(missing_ok=True)
                results.setdefault(f"{name}: walk, no table", []).append(cold_walk(path, article))
                results.setdefault(f"{name}: walk, table", []).append(cold_walk(path, article))
        for name, path in stores.items():
            results[f"{name}: save"] = save_times(path, article, 5 * repeat)
    return results


def print_walks(results: dict[str, list[float]], label: str) -> None:
    """Print medians of the walks beside the git log of the same layout."""
    print(f"\ncold history walk, {label}; medians (a fresh process each, imports excluded)")
    print(f"{'what':<26}{'ms':>10}{'vs git log':>12}{'vs loose':>10}")
    for name, times in results.items():
        value = statistics.median(times)
        layout, what = name.split(": ")
        log = statistics.median(results[f"{layout}: git log"])
        same = statistics.median(results[f"loose: {what}"])
        versus = "-" if what == "save" else f"{value / log:.2f}x"  # git log is no baseline there
        print(f"{name:<26}{value * 1000:>10.1f}{versus:>12}{value / same:>9.2f}x")


def main() -> None:
    """Build the history, time every page cold and warm, print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=400, help="versions of the article")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (medians printed)")
    parser.add_argument("--store", type=Path, help="walk a copy of this store instead")
    parser.add_argument("--article", default=ARTICLE, help="the article of --store to walk")
    parser.add_argument("--walks-only", action="store_true", help="skip the pages")
    args = parser.parse_args()
    if args.store:
        results = measure_walks(args.store, args.article, args.repeat)
        print_walks(results, f"{args.article} in a copy of {args.store}")
        return
    with tempfile.TemporaryDirectory(prefix="writethru-history-") as tmp:
        path = Path(tmp) / "store.git"
        started = time.perf_counter()
        build(path, args.versions)
        built = time.perf_counter() - started
        before = os.getloadavg()[0]
        results = {} if args.walks_only else measure(path, args.repeat)
        walks = measure_walks(path, ARTICLE, args.repeat)
        after = os.getloadavg()[0]
    print(f"{args.versions} versions of one article (built in {built:.1f} s); "
          f"median of {args.repeat}; load {before:.2f} -> {after:.2f} on {os.cpu_count()} cores")
    if results:
        print_pages(results)
    print_walks(walks, f"the same {args.versions} versions")


def print_pages(results: dict[str, list[float]]) -> None:
    """Print medians of the pages beside git log -p and git show of every version."""
    medians = {name: statistics.median(times) for name, times in results.items()}
    base = medians["git log -p"]
    print(f"{'what':<18}{'ms':>10}{'vs git log -p':>15}{'vs git show each':>18}")
    for name, value in medians.items():
        print(f"{name:<18}{value * 1000:>10.1f}{value / base:>14.2f}x"
              f"{value / medians['git show each']:>17.2f}x")


if __name__ == "__main__":
    main()
