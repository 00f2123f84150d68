"""Reading packed stores: one long-lived reader per process, beside git gc, threads and forks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from git.objects.fun import tree_entries_from_data

from service.ingest import parse_payload
from service.store import GitStore, packed
from service.store.objects import ObjectReader, tree_entries


def git(repo: Path, *args: str) -> str:
    """Run plain git on a repository and return its output."""
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout


def text(body: str):
    """Return a plain-text submission."""
    return parse_payload(body.encode(), "text/plain")


def body(n: int) -> str:
    """Return version n of a story that grows by a paragraph, so git stores deltas after gc."""
    paragraphs = [f"Paragraph {k} of the story, with the same words every time it is told."
                  for k in range(n)]
    return "\n\n".join([f"Lede of version {n}.", *paragraphs]) + "\n"


def save_versions(store: GitStore, article: str, numbers: range) -> None:
    """Save the versions numbered numbers of article."""
    for n in numbers:
        store.save(article, text(body(n)))


def loose_count(repo: Path) -> int:
    """Return how many loose objects the repository holds."""
    return int(git(repo, "count-objects").split()[0])


def test_a_gc_store_reads_in_process_with_no_git_on_path(tmp_path, monkeypatch):
    store = GitStore(tmp_path / "s.git", durable=False)
    save_versions(store, "a", range(1, 31))
    store.save("b", text("Another story.\n"))
    expected = [v.text for v in store.history("a")]
    git(store.path, "gc", "-q")
    assert loose_count(store.path) == 0 and not (store.path / "refs/articles/a").exists()
    assert "refs/articles/a" in (store.path / "packed-refs").read_text()
    spawned: list[object] = []
    original = subprocess.Popen.__init__

    def spy(self, args, *rest, **kwargs):
        spawned.append(args)
        original(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))  # a git process would fail
    fresh = GitStore(store.path)
    assert fresh.head("a") == store.head("a")
    assert [v.text for v in fresh.history("a")] == expected
    assert fresh.read("a").version == 30 and fresh.read("a", 7).text == expected[6]
    assert [i.version for i in fresh.versions("a")] == list(range(1, 31))
    assert [v.text for v in fresh.read_many("a", [3, 9])] == [expected[2], expected[8]]
    assert fresh.read("b").text == "Another story.\n" and fresh.sources("b") == {}
    assert spawned == []


def test_packed_deltas_read_like_git(tmp_path):
    store = GitStore(tmp_path / "s.git", durable=False)
    save_versions(store, "a", range(1, 61))
    html = "<p>Lede.</p><p>Ünïcode paragraph.</p>".encode()
    store.save("a", parse_payload(html, "text/html"))  # keeps its source: a tree in the tree
    git(store.path, "repack", "-a", "-d", "-q", "--depth=50", "--window=250")
    fresh = GitStore(store.path)
    texts = [v.text for v in fresh.history("a")]
    assert texts[:-1] == [body(n) for n in range(1, 61)]
    assert fresh.sources("a") == store.sources("a") != {}
    # Every commit, tree and blob as git itself reads them: deltas resolved through the cache.
    reader = ObjectReader(store.path / "objects")
    for sha in git(store.path, "rev-list", "--objects", "refs/articles/a").split("\n"):
        if sha:
            sha = sha.split()[0]
            kind = git(store.path, "cat-file", "-t", sha).strip()
            raw = subprocess.run(["git", "--git-dir", str(store.path), "cat-file", kind, sha],
                                 capture_output=True, check=True).stdout
            assert reader.raw(sha) == raw, sha
            if kind == "tree":  # parsed as GitPython parses it
                assert tree_entries(raw) == tree_entries_from_data(raw)


def test_the_shared_reader_survives_gc_beside_it(tmp_path):
    store = GitStore(tmp_path / "s.git", durable=False)
    save_versions(store, "a", range(1, 11))
    git(store.path, "gc", "-q")
    reader = store._reader()
    assert [v.version for v in store.history("a")] == list(range(1, 11))  # lists the first pack
    save_versions(store, "a", range(11, 21))  # loose
    new_head = store.head("a")
    loose = store.path / "objects" / new_head[:2] / new_head[2:]
    assert store.read("a").text == body(20) and loose.is_file()
    old_packs = set(os.listdir(store.path / "objects/pack"))
    git(store.path, "gc", "-q")  # a new pack, the old one and the loose copies removed
    assert not loose.exists() and not old_packs & set(os.listdir(store.path / "objects/pack"))
    # The same reader, holding the old list of packs, finds the moved objects.
    fresh_history = GitStore(store.path).history("a")
    store._histories = type(store._histories)(table_path=None)  # walk git again, not memory
    assert store._reader() is reader
    assert [v.text for v in store.history("a")] == [v.text for v in fresh_history]
    # Also when objects/pack looks unchanged (a coarse mtime): a miss lists the packs again.
    save_versions(store, "a", range(21, 23))
    head = store.head("a")
    listed = reader._packed._db
    assert listed is not None and reader.raw(head)  # loose: read without the packs
    git(store.path, "gc", "-q")
    reader._packed._stamp = os.stat(store.path / "objects/pack").st_mtime_ns  # "unchanged"
    assert reader.commit(head).parents == (store.versions("a")[-2].commit,)
    assert reader._packed._db is not listed


def test_threads_share_one_reader(tmp_path):
    store = GitStore(tmp_path / "s.git", durable=False)
    for first in (1, 11, 21, 31):  # four packs: gitdb reorders them as they are hit
        save_versions(store, "a", range(first, first + 10))
        git(store.path, "repack", "-d", "-q")
    assert len(list((store.path / "objects/pack").glob("*.pack"))) == 4
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can
    expected = [body(n) for n in range(1, 41)]
    shared = GitStore(store.path)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def read(k: int) -> None:
        try:
            start.wait()
            for _ in range(3):
                # Cold readers of the same packs at once, in both directions through the chain.
                shared._histories = type(shared._histories)()  # walked again, not remembered
                for n in (range(40) if k % 2 else range(39, -1, -1)):
                    assert shared.read("a", n + 1).text == expected[n]
        except BaseException as exc:  # reported below: a thread's assert fails nothing by itself
            failures.append(exc)

    threads = [threading.Thread(target=read, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    assert failures == []
    # Nothing moved the packs: a miss that made the reader list them again was a race in gitdb.
    assert shared._reader()._packed.relists == 0


@pytest.mark.slow
def test_a_forked_child_reads_with_its_own_reader(tmp_path):
    store = GitStore(tmp_path / "s.git", durable=False)
    save_versions(store, "a", range(1, 21))
    git(store.path, "gc", "-q")
    parent_reader = store._reader()
    assert store.read("a", 3).text == body(3)  # the parent has read through its packs
    packed._lock.acquire()  # as if another thread of the parent were inside gitdb at the fork
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report and leave without running pytest's teardown
            ok = False
            try:
                signal.alarm(20)  # a child stuck on the parent's lock fails, not hangs
                texts = [v.text for v in store.history("a")]
                ok = (store._reader() is not parent_reader
                      and store._reader().pid == os.getpid()
                      and texts == [body(n) for n in range(1, 21)])
            finally:
                os.write(write_end, b"ok" if ok else b"no")
                os._exit(0)
        os.close(write_end)
        answer = os.read(read_end, 2)
        os.waitpid(pid, 0)
    finally:
        packed._lock.release()
    assert answer == b"ok"
    assert store._reader() is parent_reader and store.read("a", 20).text == body(20)
