"""The listing index at scale: a rebuild the new way (one `git cat-file --batch` pass) beside the
old way (four ObjectReader reads per article, `refrows.row_at`) on the same store, and the first
and a deep listing page with the keyset query beside the old `OR` query on the same file.

Writes only the store's own derived file (`writethru/index.sqlite`): run it on a copy
(`cp -a big.git /tmp/me/`). For bench/scale.py: call `index_scale(path)`.

Usage: python bench/index_scale.py STORE [--depth N] [--rounds R]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.store import REF_PREFIX, GitStore  # noqa: E402
from service.store.indexdb import select_page  # noqa: E402
from service.store.objects import ObjectReader  # noqa: E402
from service.store.refrows import RefSource, Row, encode_cursor, row_at  # noqa: E402

# The query before issue 11: its OR made SQLite walk the index from the start to the cursor.
OLD_PAGE = ("SELECT id FROM articles WHERE (updated_at < ? OR (updated_at = ? AND id > ?)) "
            "ORDER BY updated_at DESC, id LIMIT ?")


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _cpu(fn) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds of this process and its children) of fn()."""
    before = os.times()
    wall = _timed(fn)
    after = os.times()
    return wall, sum(after[i] - before[i] for i in range(4))


def _median_ms(fn, rounds: int) -> float:
    return statistics.median(_timed(fn) for _ in range(rounds)) * 1000


def index_scale(path: Path | str, depth: int = 90_000, rounds: int = 20) -> dict[str, float]:
    """Print and return rebuild seconds (new, old) and page milliseconds (first, deep; new, old)."""
    path = Path(path)
    store = GitStore(path)
    source = RefSource(path, REF_PREFIX, path / "writethru" / "locks")
    refs = source.refs()
    figures: dict[str, float] = {}

    def old_rebuild() -> None:
        reader = ObjectReader(path / "objects")
        for article, sha in refs.items():
            row_at(reader, article, sha)

    # CPU beside wall time: on a shared machine the wall time follows the neighbours.
    figures["rebuild_new_s"], figures["rebuild_new_cpu_s"] = _cpu(store.rebuild_index)
    # Reads only: what the old rebuild read (it wrote the same file after).
    figures["rebuild_old_s"], figures["rebuild_old_cpu_s"] = _cpu(old_rebuild)
    print(f"rebuild of {len(refs):,} articles: new {figures['rebuild_new_s']:.2f} s "
          f"({figures['rebuild_new_cpu_s']:.2f} s CPU with git's), old (row_at per article, "
          f"reads only) {figures['rebuild_old_s']:.2f} s ({figures['rebuild_old_cpu_s']:.2f} s "
          f"CPU), ratio {figures['rebuild_old_s'] / figures['rebuild_new_s']:.1f}x")

    store.list_articles(limit=1)  # connection open, stamp current
    with contextlib.closing(sqlite3.connect(path / "writethru" / "index.sqlite")) as conn:
        at = conn.execute("SELECT id, headline, versions, updated_at, commit_id FROM articles "
                          "ORDER BY updated_at DESC, id LIMIT 1 OFFSET ?",
                          (min(depth, len(refs) - 1),)).fetchone()
        deep = encode_cursor(Row(*at))

        def old(after: tuple[int, str] | None) -> None:
            if after is None:
                conn.execute("SELECT id FROM articles ORDER BY updated_at DESC, id LIMIT 51"
                             ).fetchall()
            else:
                conn.execute(OLD_PAGE, (after[0], after[0], after[1], 51)).fetchall()

        old(None)
        figures["first_new_ms"] = _median_ms(lambda: store.list_articles(limit=50), rounds)
        figures["deep_new_ms"] = _median_ms(
            lambda: store.list_articles(limit=50, cursor=deep), rounds)
        figures["first_sql_ms"] = _median_ms(lambda: select_page(conn, 51, None, None), rounds)
        figures["deep_sql_ms"] = _median_ms(
            lambda: select_page(conn, 51, (at[3], at[0]), None), rounds)
        figures["first_old_ms"] = _median_ms(lambda: old(None), rounds)
        figures["deep_old_ms"] = _median_ms(lambda: old((at[3], at[0])), rounds)
    print(f"listing page of 50 (store.list_articles, median of {rounds}): first "
          f"{figures['first_new_ms']:.2f} ms, at row {depth:,} {figures['deep_new_ms']:.2f} ms")
    print(f"  SQL alone, same file: keyset query first {figures['first_sql_ms']:.2f} ms, at row "
          f"{depth:,} {figures['deep_sql_ms']:.2f} ms; old OR query first "
          f"{figures['first_old_ms']:.2f} ms, at row {depth:,} {figures['deep_old_ms']:.2f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--depth", type=int, default=90_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    index_scale(args.store, args.depth, args.rounds)


if __name__ == "__main__":
    main()
