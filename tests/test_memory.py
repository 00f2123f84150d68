"""Worker memory under a long story's updates: a real `writethru serve` (one gunicorn worker) on a
store holding a 5,000-version story, 40 times: POST a version, GET its timeline and its compare
page. Issue 11 measured 58 -> 337 MiB and rising before the caches were bounded by bytes.

The bound: the worker's RSS after warm-up, plus WRITETHRU_CACHE_MB (every cache of the process
shares it), plus MARGIN_MIB for what is not a cache (allocator slack, a request's transient
objects, the store's readers). And it must level off: the last ten rounds add less than
SETTLE_MIB.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.ingest import parse_payload
from service.store import GitStore

VERSIONS = 5_000
ROUNDS = 40
CACHE_MB = 16
MARGIN_MIB = 32
SETTLE_MIB = 8
ARTICLE = "live-blog"
WORDS = ("council budget transit riders vote mayor city plan fare state review route bus driver "
         "election count district turnout ballot result update polls close official").split()


def _paragraphs(rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(12)) + "." for _ in range(30)]


def build_story(path: Path) -> tuple[list[str], random.Random]:
    """Save VERSIONS versions of ~360 words, each editing one paragraph; return the last text."""
    store = GitStore(path, durable=False)
    rng = random.Random(11)
    paragraphs = _paragraphs(rng)
    for v in range(VERSIONS):
        paragraphs[v % len(paragraphs)] = f"Update {v}: " + " ".join(
            rng.choice(WORDS) for _ in range(12)) + "."
        store.save(ARTICLE, parse_payload("\n\n".join(paragraphs).encode(), "text/plain"))
    return paragraphs, rng


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=120) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def rss_mib(pid: int) -> float:
    """Return a process's resident set size in MiB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024


def worker_of(master: int, timeout: float = 30) -> int:
    """Return the pid of the gunicorn master's one worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


@pytest.mark.slow
def test_worker_memory_stays_bounded_under_a_long_story(tmp_path):
    store_path = tmp_path / "long.git"
    paragraphs, rng = build_story(store_path)
    port = free_port()
    env = {**os.environ, "WRITETHRU_STORE": str(store_path), "WRITETHRU_DURABLE": "false",
           "WRITETHRU_CACHE_MB": str(CACHE_MB)}
    writethru = Path(sys.executable).with_name("writethru")
    server = subprocess.Popen([str(writethru), "serve", "--port", str(port), "--workers", "1",
                               "--threads", "4"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{base}/healthz") == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, "writethru serve exited"
            assert time.monotonic() < deadline, "writethru serve did not answer"
            time.sleep(0.2)
        worker = worker_of(server.pid)
        count = VERSIONS

        def one_round() -> None:
            nonlocal count
            paragraphs[count % len(paragraphs)] = f"Update {count}: " + " ".join(
                rng.choice(WORDS) for _ in range(12)) + "."
            body = "\n\n".join(paragraphs).encode()
            assert get(f"{base}/api/articles/{ARTICLE}/versions", body) == 201
            count += 1
            assert get(f"{base}/articles/{ARTICLE}") == 200
            assert get(f"{base}/articles/{ARTICLE}/compare/{count - 1}...{count}") == 200

        for _ in range(3):  # warm-up: the history walked, templates used, the first diffs made
            one_round()
        warm = rss_mib(worker)
        seen = []
        for _ in range(ROUNDS):
            one_round()
            seen.append(rss_mib(worker))
    finally:
        server.terminate()
        server.wait(timeout=30)
    bound = warm + CACHE_MB + MARGIN_MIB
    report = json.dumps({"warm": round(warm, 1), "bound": round(bound, 1),
                         "rss": [round(r, 1) for r in seen]})
    print(report)  # shown with `pytest -s`: the figures of the run
    assert max(seen) < bound, report
    assert seen[-1] - seen[-11] < SETTLE_MIB, report
