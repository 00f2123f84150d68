"""Versions per second: GitStore.save (durable and relaxed) against the NewsDiffs way.

The NewsDiffs way (newsdiffs' parser_utils / monitor): a working tree, and per version write
the file, `git add`, `git commit` as subprocesses. All three run in the same process on the
same texts: growing versions of the seed story, spread over a few articles.

Usage: python bench/ingest.py [--versions N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.ingest import parse_payload  # noqa: E402
from service.paragraphs import canonical_text, split_text  # noqa: E402
from service.store import GitStore  # noqa: E402

SEED = ROOT / "seeds" / "ap-troops-eastern-europe" / "001_af56ba67cce1b9fd.txt"
ARTICLES = 5
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def texts(count: int) -> list[tuple[str, bytes]]:
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


def bench_store(root: Path, items: list[tuple[str, bytes]], durable: bool) -> float:
    """Return seconds to save every item through GitStore (parsing included)."""
    store = GitStore(root / ("durable.git" if durable else "relaxed.git"), durable=durable)
    store.init()
    start = time.perf_counter()
    for article, body in items:
        store.save(article, parse_payload(body, "text/plain"))
    if not durable:
        store.sync()  # a relaxed bulk load ends durable; its cost belongs to the figure
    return time.perf_counter() - start


def bench_newsdiffs(root: Path, items: list[tuple[str, bytes]]) -> float:
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


def main() -> None:
    """Run the three ways and print versions/second and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=300, help="versions per way")
    args = parser.parse_args()
    items = texts(args.versions)
    with tempfile.TemporaryDirectory(prefix="writethru-bench-") as tmp:
        root = Path(tmp)
        results = {
            "newsdiffs (add+commit)": bench_newsdiffs(root, items),
            "GitStore durable": bench_store(root, items, durable=True),
            "GitStore relaxed": bench_store(root, items, durable=False),
        }
    base = len(items) / results["newsdiffs (add+commit)"]
    print(f"{len(items)} versions over {ARTICLES} articles, texts growing from the seed story")
    print(f"{'way':<26}{'versions/s':>12}{'ms/version':>12}{'vs newsdiffs':>14}")
    for name, seconds in results.items():
        rate = len(items) / seconds
        print(f"{name:<26}{rate:>12.0f}{1000 / rate:>12.2f}{rate / base:>13.1f}x")


if __name__ == "__main__":
    main()
