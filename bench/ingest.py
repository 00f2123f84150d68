"""Versions per second: GitStore.save (durable and relaxed) against the NewsDiffs way.

The NewsDiffs way (newsdiffs' parser_utils / monitor): a working tree, and per version write
the file, `git add`, `git commit` as subprocesses. All three ways save the same texts
(growing versions of the seed story, spread over a few articles) into fresh repositories.

The machine is shared, so one long run per way would measure whoever else was busy at the
time. Instead the ways take turns in short rounds (A B C, then B C A, then C A B, ...), each
round on fresh repositories; the figures are per-way medians over the rounds and the median
of the ratios taken within a round, which cancels load that shifts between rounds. The load
average is printed beside them.

Usage: python bench/ingest.py [--rounds R] [--versions N]
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

from service.ingest import parse_payload  # noqa: E402
from service.store import GitStore  # noqa: E402
from service.store.text import canonical_text, split_text  # noqa: E402

SEED = ROOT / "seeds" / "ap-troops-eastern-europe" / "001_af56ba67cce1b9fd.txt"
ARTICLES = 5
BASELINE = "newsdiffs (add+commit)"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}

Items = list[tuple[str, bytes]]


def texts(count: int) -> Items:
    """Return (article id, body) pairs: each article grows a paragraph per version."""
    paragraphs = split_text(SEED.read_text(encoding="utf-8"))
    out = []
    for n in range(count):
        article = f"story-{n % ARTICLES}"
        size = 3 + (n // ARTICLES) % len(paragraphs)
        # A version counter in the lede keeps every version distinct past the seed's length.
        body = [f"{paragraphs[0]} (take {n})", *paragraphs[1:size]]
        out.append((article, canonical_text(body).encode("utf-8")))
    return out


def bench_store(root: Path, items: Items, durable: bool) -> float:
    """Return seconds to save every item through GitStore (parsing included)."""
    store = GitStore(root / ("durable.git" if durable else "relaxed.git"), durable=durable)
    store.init()
    store.list_articles()  # a served store has its listing index, which every save updates
    start = time.perf_counter()
    for article, body in items:
        store.save(article, parse_payload(body, "text/plain"))
    if not durable:
        store.sync()  # a relaxed bulk load ends durable; its cost belongs to the figure
    return time.perf_counter() - start


def bench_newsdiffs(root: Path, items: Items) -> float:
    """Return seconds to commit every item the NewsDiffs way (file, git add, git commit)."""
    tree = root / "newsdiffs"
    tree.mkdir()
    subprocess.run(["git", "init", "-q", str(tree)], check=True, env=GIT_ENV)
    start = time.perf_counter()
    for article, body in items:
        (tree / article).write_bytes(body)
        subprocess.run(["git", "add", article], cwd=tree, check=True, env=GIT_ENV)
        subprocess.run(["git", "commit", "-q", "-m", f"{article}"], cwd=tree, check=True,
                       env=GIT_ENV)
    return time.perf_counter() - start


WAYS: dict[str, Callable[[Path, Items], float]] = {
    BASELINE: bench_newsdiffs,
    "GitStore durable": lambda root, items: bench_store(root, items, durable=True),
    "GitStore relaxed": lambda root, items: bench_store(root, items, durable=False),
}


def run_rounds(items: Items, rounds: int) -> dict[str, list[float]]:
    """Return {way: [versions/s per round]}, the ways rotating their order every round."""
    names = list(WAYS)
    rates: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="writethru-bench-") as tmp:
        # One small uncounted round: imports, page cache and git's first start.
        for name in names:
            warm = Path(tmp) / f"warm-{names.index(name)}"
            warm.mkdir()
            WAYS[name](warm, items[:ARTICLES * 2])
        for r in range(rounds):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                folder = Path(tmp) / f"r{r}-{names.index(name)}"
                folder.mkdir()
                rates[name].append(len(items) / WAYS[name](folder, items))
    return rates


def load() -> str:
    """Return the 1, 5 and 15 minute load averages and the core count, for the report."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    """Run the ways in rounds and print median versions/s and within-round ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds (each way once a round)")
    parser.add_argument("--versions", type=int, default=120, help="versions per way per round")
    args = parser.parse_args()
    items = texts(args.versions)
    before = load()
    rates = run_rounds(items, args.rounds)
    after = load()
    base = rates[BASELINE]
    print(f"{args.rounds} rounds x {len(items)} versions over {ARTICLES} articles per way, "
          "texts growing from the seed story")
    print(f"load average before: {before}; after: {after}")
    print(f"{'way':<24}{'versions/s':>11}{'min-max':>14}{'ms/version':>12}"
          f"{'vs newsdiffs':>14}{'ratio min-max':>16}")
    for name, way in rates.items():
        ratios = [a / b for a, b in zip(way, base, strict=True)]
        rate = statistics.median(way)
        print(f"{name:<24}{rate:>11.0f}{f'{min(way):.0f}-{max(way):.0f}':>14}"
              f"{1000 / rate:>12.2f}{statistics.median(ratios):>13.1f}x"
              f"{f'{min(ratios):.1f}-{max(ratios):.1f}':>16}")


if __name__ == "__main__":
    main()
