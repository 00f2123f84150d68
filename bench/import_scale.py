"""`writethru import` at archive scale: 100,000 articles x 10 versions beside the NewsDiffs way.

Generates (once, cached under --data, reused when present) one folder per article holding one
file per version: a few hundred words from the seed story's paragraphs, shuffled per article,
one paragraph more per version and the lede re-worded, so that every version differs. Then, in
one run:

- `writethru import` of everything into a fresh store (the console script, as a user runs it);
- on a slice of --slice versions (the first articles): the NewsDiffs way (a working tree, per
  version write the file, `git add`, `git commit`), the old import path (GitStore.save per
  version, relaxed durability, one sync at the end), and `writethru import` of the slice alone.

Prints versions/s of each, the ratios to the NewsDiffs way, and the store's size. The machine
is shared and noisy: the ratios within this run are the figures to compare, not the seconds.

Usage: python bench/import_scale.py [--articles N] [--versions K] [--slice S] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.ingest import parse_payload  # noqa: E402
from service.store import GitStore  # noqa: E402
from service.store.text import canonical_text, split_text  # noqa: E402

SEEDS = sorted((ROOT / "seeds" / "ap-troops-eastern-europe").glob("*.txt"))
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}
FIRST_PARAGRAPHS = 6  # version 1 has this many paragraphs (about 250 words), each later one more


def article_id(n: int) -> str:
    """Return the id of generated article n."""
    return f"story-{n:06d}"


def versions_of(n: int, count: int, pool: list[str]) -> list[str]:
    """Return the texts of article n's versions: shuffled seed paragraphs, growing, lede re-worded."""
    rng = random.Random(n)
    order = pool[:]
    rng.shuffle(order)
    out = []
    for k in range(count):
        lede = f"{order[0]} (Update {k + 1} of story {n}.)"
        body = [lede, *order[1:FIRST_PARAGRAPHS + k]]
        out.append(canonical_text(body))
    return out


def generate(data: Path, articles: int, versions: int) -> None:
    """Write the article folders under data unless a finished set of this size is there."""
    stamp = data / ".done"
    wanted = f"{articles} {versions}\n"
    if stamp.is_file() and stamp.read_text() == wanted:
        print(f"reusing {data} ({articles} articles x {versions} versions)", flush=True)
        return
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    pool = [p for seed in SEEDS for p in split_text(seed.read_text(encoding="utf-8"))]
    started = time.monotonic()
    for n in range(articles):
        folder = data / article_id(n)
        folder.mkdir()
        for k, text in enumerate(versions_of(n, versions, pool)):
            (folder / f"{k + 1:02d}.txt").write_text(text, encoding="utf-8")
        if n % 10_000 == 0 and n:
            print(f"  generated {n} articles ({time.monotonic() - started:.0f} s)", flush=True)
    stamp.write_text(wanted)
    print(f"generated {data} in {time.monotonic() - started:.0f} s", flush=True)


def slice_tree(data: Path, work: Path, articles: int) -> Path:
    """Return a folder of symlinks to the first articles (the slice every way loads)."""
    tree = work / "slice"
    tree.mkdir()
    for n in range(articles):
        (tree / article_id(n)).symlink_to(data / article_id(n))
    return tree


def version_files(tree: Path) -> list[tuple[str, Path]]:
    """Return (article id, file) of every version under tree, in import order."""
    return [(folder.name, path) for folder in sorted(tree.iterdir())
            for path in sorted(folder.iterdir())]


def time_import(tree: Path, store: Path) -> float:
    """Return seconds for `writethru import` of tree into a fresh store (a process, as users run it)."""
    start = time.perf_counter()
    # `python -m service.cli`: the code of this checkout, as the console script runs it.
    done = subprocess.run([sys.executable, "-m", "service.cli", "--store", str(store), "import",
                           str(tree), "--no-progress"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"import failed:\n{done.stdout}{done.stderr}")
    print(f"  {done.stdout.strip()}", flush=True)
    return seconds


def time_newsdiffs(tree: Path, work: Path) -> float:
    """Return seconds to commit every version the NewsDiffs way (file, git add, git commit)."""
    repo = work / "newsdiffs"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=GIT_ENV)
    start = time.perf_counter()
    for article, path in version_files(tree):
        (repo / article).write_bytes(path.read_bytes())
        subprocess.run(["git", "add", article], cwd=repo, check=True, env=GIT_ENV)
        subprocess.run(["git", "commit", "-q", "-m", article], cwd=repo, check=True, env=GIT_ENV)
    return time.perf_counter() - start


def time_save_path(tree: Path, work: Path) -> float:
    """Return seconds to save every version through GitStore.save (the import's old path)."""
    store = GitStore(work / "save.git", durable=False)
    store.init()
    start = time.perf_counter()
    for article, path in version_files(tree):
        store.save(article, parse_payload(path.read_bytes(), "text/plain"))
    store.sync()
    return time.perf_counter() - start


def size(path: Path) -> int:
    """Return the bytes of every file under path."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    """Generate (or reuse) the archive, time every way, print rates and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--slice", type=int, default=10_000, help="versions in the slice")
    parser.add_argument("--data", type=Path, default=Path("/tmp/scale/import-1m"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/bulkimport/bench"))
    parser.add_argument("--skip-full", action="store_true", help="time the slice only")
    args = parser.parse_args()
    generate(args.data, args.articles, args.versions)
    if args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True)
    total = args.articles * args.versions
    slice_articles = max(1, min(args.articles, args.slice // args.versions))
    tree = slice_tree(args.data, args.work, slice_articles)
    sliced = slice_articles * args.versions
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores", flush=True)
    rates: dict[str, float] = {}
    if not args.skip_full:
        store = args.work / "full.git"
        seconds = time_import(args.data, store)
        rates[f"writethru import, all {total}"] = total / seconds
        print(f"full import: {total} versions in {seconds:.1f} s; store {size(store) / 2**20:.0f} MiB, "
              f"source files {size(args.data) / 2**20:.0f} MiB", flush=True)
    rates[f"newsdiffs (add+commit), {sliced}"] = sliced / time_newsdiffs(tree, args.work)
    rates[f"GitStore.save per version, {sliced}"] = sliced / time_save_path(tree, args.work)
    rates[f"writethru import, {sliced}"] = sliced / time_import(tree, args.work / "slice.git")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    base = rates[f"newsdiffs (add+commit), {sliced}"]
    print(f"{'way':<40}{'versions/s':>12}{'vs newsdiffs':>14}")
    for name, rate in rates.items():
        print(f"{name:<40}{rate:>12.0f}{rate / base:>13.1f}x")


if __name__ == "__main__":
    main()
