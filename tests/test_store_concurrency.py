"""Several processes writing at once, and writers killed mid-save: nothing acknowledged is lost."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from service.ingest import parse_payload
from service.store import GitStore, StoreUnavailable

pytestmark = pytest.mark.slow

WRITERS = 4
VERSIONS_EACH = 50
CTX = multiprocessing.get_context("spawn")


def submission(writer: int, n: int):
    """Return a distinct version for writer / n."""
    body = f"Lede from writer {writer}.\n\nVersion {n} of writer {writer}.\n"
    return parse_payload(body.encode(), "text/plain")


def write_versions(path: str, article: str | None, writer: int, count: int, queue) -> None:
    """Save count versions (to article, or to an article of this writer) and report each."""
    store = GitStore(path)
    target = article or f"article-{writer}"
    acked = [(target, store.save(target, submission(writer, n)).commit) for n in range(count)]
    queue.put(acked)


def save_forever(path: str, log_path: str) -> None:
    """Save new versions until killed; append 'commit text-id' after each save returns."""
    store = GitStore(path)
    with open(log_path, "a", buffering=1) as log:
        n = 0
        while True:
            result = store.save("crashy", submission(os.getpid(), n))
            log.write(f"{result.commit} {os.getpid()}-{n}\n")
            n += 1


def fsck(repo: Path) -> subprocess.CompletedProcess:
    """Run git fsck --strict on the store."""
    return subprocess.run(["git", "--git-dir", str(repo), "fsck", "--strict", "--full"],
                          capture_output=True, text=True)


def chain(repo: Path, article: str) -> list[list[str]]:
    """Return rev-list --parents of an article: one [commit, parents...] per version."""
    out = subprocess.run(["git", "--git-dir", str(repo), "rev-list", "--parents",
                          f"refs/articles/{article}"], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()]


def run_writers(store: GitStore, article: str | None) -> list[tuple[str, str]]:
    """Run WRITERS processes at once and return every (article, commit) they acknowledged."""
    store.init()
    queue = CTX.Queue()
    procs = [CTX.Process(target=write_versions,
                         args=(str(store.path), article, w, VERSIONS_EACH, queue))
             for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    acked = [item for _ in procs for item in queue.get(timeout=300)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return acked


def test_many_processes_one_article_one_straight_line(store):
    acked = run_writers(store, "shared")
    assert len(acked) == WRITERS * VERSIONS_EACH
    history = chain(store.path, "shared")
    commits = [line[0] for line in history]
    assert sorted(commits) == sorted(commit for _, commit in acked)  # each exactly once
    assert all(len(line) == 2 for line in history[:-1]) and len(history[-1]) == 1
    assert all(history[i][1] == history[i + 1][0] for i in range(len(history) - 1))
    versions = store.versions("shared")
    assert [v.version for v in versions] == list(range(1, WRITERS * VERSIONS_EACH + 1))
    texts = {store.read("shared", v.version).text for v in versions}
    assert len(texts) == WRITERS * VERSIONS_EACH
    assert fsck(store.path).returncode == 0
    listed, _ = store.list_articles()
    assert [(a.id, a.versions) for a in listed] == [("shared", WRITERS * VERSIONS_EACH)]


def test_many_processes_separate_articles(store):
    acked = run_writers(store, None)
    for writer in range(WRITERS):
        article = f"article-{writer}"
        history = chain(store.path, article)
        assert [line[0] for line in reversed(history)] == [c for a, c in acked if a == article]
        assert len(history) == VERSIONS_EACH
    assert fsck(store.path).returncode == 0
    listed, _ = store.list_articles()
    assert sorted((a.id, a.versions) for a in listed) == [
        (f"article-{w}", VERSIONS_EACH) for w in range(WRITERS)]


def test_writer_killed_mid_burst_loses_nothing_acknowledged(store, tmp_path):
    store.init()
    log = tmp_path / "acked.log"
    log.touch()
    for round_ in range(3):
        proc = CTX.Process(target=save_forever, args=(str(store.path), str(log)))
        proc.start()
        wanted = 20 * (round_ + 1)
        deadline = time.monotonic() + 120  # a guard against a hang, not a timing assertion
        while len(log.read_text().splitlines()) < wanted and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        assert proc.exitcode == -signal.SIGKILL
    reported = [line.split()[0] for line in log.read_text().splitlines() if line.strip()]
    assert len(reported) >= 60
    commits = [line[0] for line in chain(store.path, "crashy")]
    assert set(reported) <= set(commits)
    result = fsck(store.path)
    assert result.returncode == 0, result.stderr
    after = store.save("crashy", submission(0, 10_000))
    assert after.created and after.version == len(commits) + 1
    assert fsck(store.path).returncode == 0


def test_ref_lock_left_by_a_killed_writer_is_cleared(store):
    store.save("a", submission(1, 1))
    # the state a writer killed between creating refs/articles/a.lock and renaming it leaves
    (store.path / "writethru" / "locks" / "a").write_text("12345\n")
    (store.path / "refs" / "articles" / "a.lock").write_text("0" * 40 + "\n")
    assert store.save("a", submission(1, 2)).version == 2
    assert not (store.path / "refs" / "articles" / "a.lock").exists()
    assert fsck(store.path).returncode == 0


def test_old_foreign_ref_lock_is_cleared_a_fresh_one_is_respected(store):
    store.save("a", submission(1, 1))
    lock = store.path / "refs" / "articles" / "a.lock"
    lock.write_text("")
    # a lock this fresh may belong to a git command running right now: wait, then give up
    with pytest.raises(StoreUnavailable):
        store.save("a", submission(1, 2))
    assert [v.version for v in store.versions("a")] == [1]
    old = time.time() - 3600
    os.utime(lock, (old, old))
    assert store.save("a", submission(1, 2)).version == 2
    assert not lock.exists()
