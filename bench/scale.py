"""Serving at scale: a 100,000-article store and a 5,000-version story, over real HTTP.

Builds, with the project's own `writethru import`, a large store (N articles, default 100,000)
and a small one (100 articles), each also holding one long story (default 5,000 versions, a
live blog of 40-60 paragraphs), then serves each under `writethru serve` (gunicorn, 2 workers)
and times, on both stores in the same run:

- the first listing after the import, and after a restart (with the index's boot id changed,
  as a reboot leaves it);
- the first listing page and a deep one (row 90,000 on the large store, row 90 on the small);
- a random article, one of its versions, and a POST of a new version;
- the timeline, compare and annotate of the long story, cold (a fresh server) and warm;
- all of it again after `writethru maintain` (git gc of the store).

Baselines in the same run: every request on the small store (aim: no request on the large
store more than twice its time on the small one), and plain git on the long story: `git blame`
of its latest text (aim: a cold annotate faster) and `git log` printing the fields the timeline
shows (aim: a cold timeline faster). Any 4xx or 5xx answer is reported as a failure.

Usage: python bench/scale.py [--articles N] [--versions V] [--work DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin" / "writethru"
SEED = ROOT / "seeds" / "ap-troops-eastern-europe" / "001_af56ba67cce1b9fd.txt"
LONG = "live-blog"
WARM_REPEAT = 5


# -- building the stores --------------------------------------------------------------------

def _words() -> list[str]:
    return SEED.read_text(encoding="utf-8").split()


def write_articles(folder: Path, count: int) -> None:
    """Write `count` article folders (every tenth with three versions) for `writethru import`."""
    if (folder / ".done").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    rnd, words = random.Random(count), _words()
    for i in range(count):
        article = folder / f"story-{i:06d}"
        article.mkdir(parents=True)
        paragraphs = [" ".join(rnd.sample(words, 25)) for _ in range(6)]
        for v in range(3 if i % 10 == 0 else 1):
            paragraphs.append(" ".join(rnd.sample(words, 25)))
            body = {"headline": f"Story {i} ({v + 1})", "body": "\n\n".join(paragraphs)}
            (article / f"{v + 1:03d}.json").write_text(json.dumps(body), encoding="utf-8")
    (folder / ".done").touch()


def write_long_story(folder: Path, versions: int) -> None:
    """Write a live blog of `versions` versions: a paragraph added each time, some edited."""
    story = folder / LONG
    if (folder / ".done").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    story.mkdir(parents=True)
    rnd, words = random.Random(versions), _words()
    paragraphs: list[str] = []
    for v in range(versions):
        paragraphs.append(" ".join(rnd.sample(words, 30)))
        if v % 7 == 3 and len(paragraphs) > 2:
            paragraphs[rnd.randrange(len(paragraphs))] += " Updated."
        if len(paragraphs) > 60:
            del paragraphs[rnd.randrange(40, len(paragraphs))]
        (story / f"{v + 1:05d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    (folder / ".done").touch()


def import_into(store: Path, *folders: Path) -> float:
    """Import folders into a fresh store with `writethru import`; return the seconds it took."""
    shutil.rmtree(store, ignore_errors=True)
    env = {**os.environ, "WRITETHRU_DURABLE": "false"}
    start = time.perf_counter()
    for folder in folders:
        subprocess.run([str(BIN), "--store", str(store), "import", "--no-progress", str(folder)],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


# -- a server ---------------------------------------------------------------------------------

class Server:
    """`writethru serve` on a store, on a free port, with a keep-alive client."""

    def __init__(self, store: Path):
        self.store = store
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [str(BIN), "--store", str(store), "serve", "--port", str(self.port), "--workers", "2"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"the server on {store} did not start")
        self.errors: list[str] = []

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, float]:
        """Send one request on a new connection; return (status, body, seconds)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        start = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        took = time.perf_counter() - start
        conn.close()
        if resp.status >= 400 and hasattr(self, "errors"):  # a quick 404 is no measurement
            self.errors.append(f"{method} {path}: {resp.status}")
        return resp.status, data, took

    def get(self, path: str) -> tuple[int, bytes]:
        status, data, _ = self.request("GET", path)
        return status, data

    def stop(self) -> None:
        """Stop the server and wait for it."""
        with_pgid = os.getpgid(self.proc.pid)
        os.killpg(with_pgid, signal.SIGTERM)
        self.proc.wait(timeout=60)


def deep_cursor(server: Server, row: int) -> str:
    """Follow the listing's cursors to the page that starts after `row` rows; return its URL."""
    step = 200 if row >= 2_000 else 10
    path = f"/api/articles?limit={step}"
    seen = 0
    while seen + step <= row:
        status, data = server.get(path)
        page = json.loads(data)
        if status != 200 or not page["next"]:
            break
        seen += len(page["articles"])
        path = page["next"]
    return path.replace(f"limit={step}", "limit=50")


def timed(server: Server, path: str, method: str = "GET", body: bytes | None = None,
          repeat: int = 1, headers: dict | None = None) -> float:
    """Return the median seconds of `repeat` requests."""
    return statistics.median(server.request(method, path, body, headers)[2] for _ in range(repeat))


# -- the measurements ---------------------------------------------------------------------------

def reboot(store: Path) -> None:
    """Make the listing index look as a reboot leaves it: written under another boot id."""
    index = store / "writethru" / "index.sqlite"
    if index.exists():
        with sqlite3.connect(index) as conn:
            conn.execute("UPDATE meta SET value = 'another-boot' WHERE key = 'boot_id'")


def measure(store: Path, articles: int, versions: int) -> dict[str, float]:
    """Time every request of the bench on one store; return {name: seconds}."""
    out: dict[str, float] = {}
    rnd = random.Random(7)
    server = Server(store)
    try:
        out["first listing after import"] = timed(server, "/api/articles")
        out["home page"] = timed(server, "/", repeat=WARM_REPEAT)
        out["listing, first page"] = timed(server, "/api/articles", repeat=WARM_REPEAT)
        deep = deep_cursor(server, min(90_000, articles * 9 // 10))
        out["listing, deep page"] = timed(server, deep, repeat=WARM_REPEAT)
        article = f"story-{rnd.randrange(articles):06d}"
        out["random article"] = timed(server, f"/api/articles/{article}", repeat=WARM_REPEAT)
        out["random version"] = timed(server, f"/api/articles/{article}/versions/1",
                                      repeat=WARM_REPEAT)
        body = json.dumps({"headline": "Updated", "body": f"New text {time.time()}"}).encode()
        out["POST a version"] = timed(server, f"/api/articles/{article}/versions", "POST", body,
                                      headers={"Content-Type": "application/json"})
        # Identical consecutive versions are not saved: ask the store how many the story has.
        versions = len(json.loads(server.get(f"/api/articles/{LONG}")[1])["versions"])
    finally:
        server.stop()
    errors = server.errors
    # Cold means the first request of a fresh server: nothing of the long story in memory.
    for name, path in long_story_paths(versions).items():
        server = Server(store)
        try:
            out[f"{name}, cold"] = timed(server, path)
            out[f"{name}, warm"] = timed(server, path, repeat=WARM_REPEAT)
        finally:
            server.stop()
        errors += server.errors
    reboot(store)
    server = Server(store)
    try:
        out["first listing after a restart"] = timed(server, "/api/articles")
    finally:
        server.stop()
    if errors or server.errors:
        print("error answers:", *errors, *server.errors, sep="\n  ")
    out["error answers"] = len(errors) + len(server.errors)
    return out


def long_story_paths(versions: int) -> dict[str, str]:
    """Return the long story's pages and API calls by name."""
    return {
        "timeline": f"/articles/{LONG}",
        "compare": f"/articles/{LONG}/compare/{versions - 1}...{versions}",
        "annotate": f"/api/articles/{LONG}/annotate?version={versions}",
    }


def git_baselines(store: Path) -> dict[str, float]:
    """Time plain git on the long story: blame of its latest text, log with the timeline's fields."""
    ref = f"refs/articles/{LONG}"
    fields = ("%H %ct %(trailers:key=Writethru-Version,valueonly,separator=)"
              " %(trailers:key=Writethru-Paragraphs,valueonly,separator=)"
              " %(trailers:key=Writethru-Words,valueonly,separator=)")

    def run(*args: str) -> float:
        start = time.perf_counter()
        subprocess.run(["git", "-C", str(store), *args], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    return {"git blame": run("blame", "--porcelain", ref, "--", "article.txt"),
            "git log": run("log", f"--format={fields}", "--shortstat", ref)}


def report(title: str, big: dict[str, float], small: dict[str, float], git: dict[str, float],
           articles: int) -> None:
    """Print each request's time on both stores and its ratio, with the git baselines."""
    print(f"\n## {title}\n")
    print(f"| request | {articles:,} articles | 100 articles | ratio (aim <= 2) |")
    print("|---|---:|---:|---:|")
    for name, seconds in big.items():
        if name == "error answers":
            continue
        ratio = seconds / small[name] if small.get(name) else float("nan")
        print(f"| {name} | {seconds * 1000:,.1f} ms | {small.get(name, 0) * 1000:,.1f} ms "
              f"| {ratio:.2f} |")
    print(f"\nerror answers (4xx, 5xx): {int(big['error answers'])} (large), "
          f"{int(small['error answers'])} (small)")
    blame, log = git["git blame"], git["git log"]
    print(f"cold annotate {big['annotate, cold'] * 1000:,.0f} ms beside git blame "
          f"{blame * 1000:,.0f} ms ({big['annotate, cold'] / blame:.2f}x, aim < 1)")
    print(f"cold timeline {big['timeline, cold'] * 1000:,.0f} ms beside git log with the same "
          f"fields {log * 1000:,.0f} ms ({big['timeline, cold'] / log:.2f}x, aim < 1)")


def main() -> None:
    """Build the stores, measure before and after `writethru maintain`, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=5_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/writethru-scale"))
    args = parser.parse_args()
    work = args.work
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    write_articles(work / f"articles-{args.articles}", args.articles)
    write_articles(work / "articles-100", 100)
    write_long_story(work / f"long-{args.versions}", args.versions)
    stores = {"big": work / "big.git", "small": work / "small.git"}
    for name, count in (("big", args.articles), ("small", 100)):
        seconds = import_into(stores[name], work / f"articles-{count}",
                              work / f"long-{args.versions}")
        print(f"import of {count:,} articles and the long story: {seconds:,.1f} s")
    for when in ("before `writethru maintain`", "after `writethru maintain`"):
        if when.startswith("after"):
            for store in stores.values():
                subprocess.run([str(BIN), "--store", str(store), "maintain", "--quiet"],
                               check=True)
        big = measure(stores["big"], args.articles, args.versions)
        small = measure(stores["small"], 100, args.versions)
        report(when, big, small, git_baselines(stores["big"]), args.articles)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
