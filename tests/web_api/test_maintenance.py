"""Maintenance beside live writers and readers: `writethru maintain` and plain `git gc` run again
and again while versions are posted and read over a real socket; nothing acknowledged is lost,
every history stays one straight line, git fsck is clean and no reader sees a 5xx."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow  # gunicorn, git gc and the console script

WRITERS = 3
PER_WRITER = 60
WRITETHRU = Path(sys.executable).with_name("writethru")


def _git(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "--git-dir", str(store), *args], capture_output=True, text=True)


def test_maintain_and_git_gc_beside_writers_and_readers_lose_nothing(server_factory, tmp_path):
    store = tmp_path / "store.git"
    server = server_factory(store, workers=2)
    url = server.url
    acked: list[tuple[str, int, str]] = []
    statuses: dict[int, int] = {}
    failures: list[str] = []
    lock = threading.Lock()
    writing = threading.Event()
    writing.set()

    def count(status: int) -> None:
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    def writer(k: int) -> None:
        with requests.Session() as s:
            for i in range(PER_WRITER):
                article = f"story-{k}" if i % 2 else "shared"
                text = f"Update {i} by writer {k}.\n\nParagraph {i} of a growing story.\n"
                resp = s.post(f"{url}/api/articles/{article}/versions", data=text.encode(),
                              headers={"Content-Type": "text/plain"}, timeout=60)
                count(resp.status_code)
                if resp.status_code == 201:
                    with lock:
                        acked.append((article, resp.json()["version"], text))
                else:
                    failures.append(f"POST {article}: {resp.status_code} {resp.text[:200]}")

    def reader() -> None:
        with requests.Session() as s:
            while writing.is_set():
                for path in ("/api/articles", "/api/articles/shared", "/api/articles/shared/diff",
                             "/api/articles/shared/versions/1", "/feed.atom", "/",
                             "/articles/shared"):
                    resp = s.get(url + path, timeout=60)
                    count(resp.status_code)
                    if resp.status_code >= 500:
                        failures.append(f"GET {path}: {resp.status_code} {resp.text[:200]}")

    def maintainer() -> None:
        rounds = 0
        while writing.is_set():
            done = subprocess.run([str(WRITETHRU), "--store", str(store), "maintain"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                failures.append(f"maintain: {done.stderr}")
            gc = _git(store, "gc", "--quiet")  # plain git gc, as an operator would run it
            if gc.returncode != 0:
                failures.append(f"git gc: {gc.stderr}")
            rounds += 1
        maintenance_rounds.append(rounds)

    maintenance_rounds: list[int] = []
    # One version first, so readers of "shared" find it from the start.
    first = requests.post(f"{url}/api/articles/shared/versions", data=b"First.\n",
                          headers={"Content-Type": "text/plain"}, timeout=60)
    assert first.status_code == 201
    acked.append(("shared", 1, "First.\n"))
    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    others = [threading.Thread(target=reader) for _ in range(3)] + [threading.Thread(target=maintainer)]
    for t in threads + others:
        t.start()
    for t in threads:
        t.join(timeout=600)
    writing.clear()
    for t in others:
        t.join(timeout=600)

    assert not failures, failures[:5]
    assert maintenance_rounds and maintenance_rounds[0] >= 2, maintenance_rounds
    assert len(acked) == 1 + WRITERS * PER_WRITER
    print(f"\nstatuses {statuses}; maintenance rounds {maintenance_rounds[0]}")
    # Every acknowledged version is there, byte for byte, at its number.
    for article, number, text in acked:
        body = requests.get(f"{url}/api/articles/{article}/versions/{number}", timeout=10).json()
        assert body["text"] == text, (article, number)
    for article in {a for a, _n, _t in acked}:
        ours = sorted(n for a, n, _t in acked if a == article)
        assert ours == list(range(1, len(ours) + 1))
        lines = _git(store, "rev-list", "--parents", f"refs/articles/{article}").stdout.splitlines()
        assert len(lines) == len(ours) and all(len(line.split()) <= 2 for line in lines)
    fsck = _git(store, "fsck", "--strict", "--no-dangling")
    assert fsck.returncode == 0 and not fsck.stdout.strip(), fsck.stdout + fsck.stderr
    ours = subprocess.run([str(WRITETHRU), "--store", str(store), "fsck"], capture_output=True,
                          text=True)
    assert ours.returncode == 0, ours.stdout
    # Packed for real: few loose objects are left after the last round.
    assert list((store / "objects" / "pack").glob("*.pack"))


def test_saves_start_maintenance_by_themselves_when_loose_objects_pile_up(tmp_path):
    from service.ingest import parse_payload
    from service.store import GitStore
    from service.store.maintenance import AUTO_LOOSE_OBJECTS, count_loose

    store = GitStore(tmp_path / "store.git", durable=False)
    # 4,000 saves write 12,000 loose objects: past git's gc.auto estimate (6,700) for sure.
    for k in range(4000):
        store.save(f"s{k}", parse_payload(f"Story {k}.\n".encode(), "text/plain"))
    deadline = time.monotonic() + 120
    while not list((store.path / "objects" / "pack").glob("*.pack")):
        assert time.monotonic() < deadline, "no maintenance process packed the store"
        time.sleep(0.2)
    lock = store.path / "writethru" / "maintain.lock"
    with open(lock) as held:  # wait for the run to finish
        import fcntl

        fcntl.flock(held, fcntl.LOCK_EX)
    assert count_loose(store.path / "objects") < AUTO_LOOSE_OBJECTS
    assert store.fsck().whole
    assert len(store.list_articles(limit=200)[0]) == 200
