"""Search on a 100,000-article store: building the index, a search, and the cost of a request.

Uses (builds once, reused under --work) the store bench/export.py builds: N articles of seven
paragraphs, every tenth with three versions. In one run on the same store:

- the baseline of the build: `git log -p` over every `refs/articles/*`, read through a pipe;
- `writethru search` from no index (the index is built: every version read, every update's
  digest computed), then again with the index current;
- per request, in-process: a listing page (`store.list_articles`, the home page's query) as the
  baseline, beside a word search, a change search, and the up-to-date check each search makes.

The machine is shared: compare the ratios, not the seconds.

Usage: python bench/search.py [--articles N] [--work DIR]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from diff import median_ms  # noqa: E402
from export import ENV, store_from_args, timed  # noqa: E402  (the export bench's store)


def per_call(fn, rounds: int = 30) -> float:
    """Return the median milliseconds of fn over rounds calls, after one warm-up call."""
    fn()
    return median_ms(fn, rounds)


def main() -> None:
    """Run the bench and print its figures beside their baselines."""
    store_path = store_from_args(__doc__.splitlines()[0])
    index = store_path / "writethru" / "search.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)

    base, size, _, _ = timed(["git", "--git-dir", str(store_path), "log", "-p",
                              "--glob=refs/articles/*"])
    print(f"git log -p (baseline)          {base:8.1f} s   {size / 2**20:7.1f} MiB out")
    cli = [sys.executable, "-m", "service.cli", "--store", str(store_path), "search", "--limit",
           "5", "Pentagon"]
    started = time.perf_counter()
    done = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, env=ENV)
    build_s = time.perf_counter() - started
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    print(f"search, index built first      {build_s:8.1f} s   {build_s / base:5.2f}x baseline   "
          f"index {index.stat().st_size / 2**20:.0f} MiB")
    started = time.perf_counter()
    subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, env=ENV, check=True)
    print(f"search, index current (process){time.perf_counter() - started:8.2f} s")

    from service.diff import Differ
    from service.search import SearchIndex, parse_search, run
    from service.store import GitStore

    store = GitStore(store_path)
    search = SearchIndex(store, Differ(store))
    listing = per_call(lambda: store.list_articles(50))
    print(f"\nper request (median ms)        listing page (baseline) {listing:7.2f}")
    for label, asked in (("word search", {"q": "pentagon"}),
                         ("phrase search", {"q": '"Eastern Europe"'}),
                         ("change search", {"changed": "headline"})):
        ms = per_call(lambda asked=asked: run(search.conn(), parse_search(asked)))
        print(f"  {label:28} {ms:7.2f}   {ms / listing:6.1f}x")
    ms = per_call(lambda: search.sync(budget=1.0), rounds=10)
    print(f"  {'up-to-date check (sync)':28} {ms:7.2f}   {ms / listing:6.1f}x")


if __name__ == "__main__":
    main()
