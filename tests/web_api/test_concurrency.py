"""Several client processes posting at once to gunicorn workers: no version is lost or duplicated."""

from __future__ import annotations

import multiprocessing
import subprocess
from pathlib import Path

import pytest
import requests

PROCESSES = 4
PER_PROCESS = 50

pytestmark = pytest.mark.slow


def _post_many(url: str, worker: int, article_for, out) -> None:
    acked = []
    with requests.Session() as session:
        for i in range(PER_PROCESS):
            article = article_for(worker)
            text = f"Update {i} from writer {worker}.\n\nA second paragraph, number {i}.\n"
            resp = session.post(f"{url}/api/articles/{article}/versions", data=text.encode(),
                                headers={"Content-Type": "text/plain"}, timeout=60)
            assert resp.status_code == 201, resp.text
            acked.append((article, resp.json()["version"], resp.json()["commit"], text))
    out.put(acked)


def _one_article(_worker: int) -> str:
    return "shared-story"


def _own_article(worker: int) -> str:
    return f"story-{worker}"


def _git(store: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(store), *args], check=True,
                          capture_output=True, text=True).stdout


def _run_writers(url: str, article_for) -> list:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_post_many, args=(url, w, article_for, out))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    acked = [item for _ in procs for item in out.get(timeout=300)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return acked


def _check_history(url: str, store: Path, article: str, acked: list) -> None:
    ours = [a for a in acked if a[0] == article]
    versions = requests.get(f"{url}/api/articles/{article}", timeout=10).json()["versions"]
    assert len(versions) == len(ours)
    assert [v["version"] for v in versions] == list(range(1, len(ours) + 1))
    by_commit = {v["commit"]: v["version"] for v in versions}
    for _, number, commit, text in ours:
        assert by_commit[commit] == number
        body = requests.get(f"{url}/api/articles/{article}/versions/{number}", timeout=10).json()
        assert body["text"] == text
    # One straight line: every commit has at most one parent, and the chain has no gaps.
    parents = _git(store, "rev-list", "--parents", f"refs/articles/{article}").splitlines()
    assert len(parents) == len(ours)
    assert all(len(line.split()) <= 2 for line in parents)


@pytest.mark.parametrize("article_for", [_one_article, _own_article], ids=["one-article",
                                                                           "own-articles"])
def test_concurrent_posts_lose_nothing(server_factory, tmp_path, article_for):
    store = tmp_path / "store.git"
    server = server_factory(store, workers=3)
    acked = _run_writers(server.url, article_for)
    assert len(acked) == PROCESSES * PER_PROCESS
    for article in {a[0] for a in acked}:
        _check_history(server.url, store, article, acked)
    subprocess.run(["git", "--git-dir", str(store), "fsck", "--strict"], check=True,
                   capture_output=True)
