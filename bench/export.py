"""`writethru export --what changes` of a 100,000-article store beside `git log -p` on it.

Builds (once, reused when present under --work) the store `bench/scale.py` builds: N articles
of seven paragraphs, every tenth with three versions (a paragraph added each time, a new
headline), loaded with `writethru import`. Then, in one run on the same store:

- the baseline: `git log -p` over every `refs/articles/*` (each commit's patch of article.txt
  and meta.json, what a researcher gets from plain git), its output read and counted;
- `writethru export --what changes` (one record per changed paragraph, the diff engine's rows);
- `writethru export --what versions` (counts from the facts file that the import filled).

Each is a process whose standard output is read through a pipe and counted (nothing is written
to disk, and git cannot tell it writes to /dev/null). Prints seconds, output size, records and
the ratio to the baseline. The machine is shared: compare the ratio, not the seconds.

Usage: python bench/export.py [--articles N] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import write_articles  # noqa: E402  (the same articles the serving bench uses)

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "GIT_CONFIG_NOSYSTEM": "1"}


def build(work: Path, articles: int) -> Path:
    """Return a store of `articles` articles, imported now unless a finished one is there."""
    store = work / "store.git"
    stamp = work / f"store-{articles}.done"
    if stamp.exists() and store.is_dir():
        print(f"reusing {store} ({articles:,} articles)", flush=True)
        return store
    data = work / f"articles-{articles}"
    started = time.perf_counter()
    write_articles(data, articles)
    shutil.rmtree(store, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "service.cli", "--store", str(store), "import",
                           str(data), "--no-progress"], capture_output=True, text=True,
                          cwd=ROOT, env=ENV)
    if done.returncode:
        sys.exit(f"import failed:\n{done.stdout}{done.stderr}")
    print(f"built {store} in {time.perf_counter() - started:.0f} s: {done.stdout.strip()}",
          flush=True)
    stamp.touch()
    return store


def timed(argv: list[str]) -> tuple[float, int, int, str]:
    """Run argv, reading its stdout; return (seconds, bytes, lines, stderr's last line)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env=ENV)
    assert proc.stdout is not None and proc.stderr is not None
    size = lines = 0
    while chunk := proc.stdout.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
    err = proc.stderr.read().decode("utf-8", "replace").strip()
    if proc.wait():
        sys.exit(f"{' '.join(argv[:4])} failed: {err}")
    return time.perf_counter() - start, size, lines, (err.splitlines() or [""])[-1]


def store_from_args(description: str) -> Path:
    """Parse --articles and --work (shared by the benches on this store); return the store."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/writethru-export"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    return build(args.work, args.articles)


def main() -> None:
    """Build or reuse the store, time git log -p and the exports, print the figures."""
    store = store_from_args(__doc__.splitlines()[0])
    # The command alone (`python -m service.cli.export`): the same code `writethru export` runs.
    cli = [sys.executable, "-m", "service.cli.export", "--store", str(store)]
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    runs = {
        "git log -p --glob=refs/articles": ["git", "--git-dir", str(store), "log", "-p",
                                            "--glob=refs/articles/*"],
        "writethru export --what changes": [*cli, "--what", "changes"],
        "writethru export --what versions": [*cli, "--what", "versions"],
    }
    figures = {name: timed(argv) for name, argv in runs.items()}
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    base = figures["git log -p --glob=refs/articles"][0]
    print(f"{'run':<36}{'seconds':>9}{'MiB out':>9}{'lines':>11}{'vs git':>8}")
    for name, (seconds, size, lines, _) in figures.items():
        print(f"{name:<36}{seconds:>9.1f}{size / 2**20:>9.1f}{lines:>11,}{seconds / base:>7.2f}x")
    for name, (*_, summary) in figures.items():
        if summary:
            print(f"  {name}: {summary}")


if __name__ == "__main__":
    main()
