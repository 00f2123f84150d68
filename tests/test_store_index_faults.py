"""The listing index under real faults: damaged, deleted, foreign, stale or on a read-only file
system, it never turns a saved version into a 5xx, and the listing equals the refs on the next
request. Refs changed from outside (`git update-ref`, `git pack-refs`) show up at once.

Real git, real files, a real bind mount; no mocks. Each fault test prints a FIGURES line
(versions acknowledged and found, 5xx answers); `pytest -s` shows them.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from mounts import read_only_mount

from service import create_app
from service.store import GitStore
from service.store.index import SCHEMA_VERSION
from service.store.refrows import refs_stamp

TEXT = "text/plain; charset=utf-8"


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    """Run plain git on a repository and return its output."""
    return subprocess.run(["git", "--git-dir", str(repo), *args], input=stdin, capture_output=True,
                          text=True, check=True).stdout


def refs_of(repo: Path) -> dict[str, str]:
    """Return {article id: commit} as git itself lists the article refs."""
    out = git(repo, "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/articles")
    return dict(line.split() for line in out.splitlines())


class Client:
    """A test client of an app that counts answers by class (2xx, 4xx, 5xx) and keeps acks."""

    def __init__(self, app, statuses: Counter | None = None):
        self.app, self.http = app, app.test_client()
        self.statuses = Counter() if statuses is None else statuses
        self.acked: dict[tuple[str, int], str] = {}

    def get(self, url: str, **kwargs):
        resp = self.http.get(url, **kwargs)
        self.statuses[f"{resp.status_code // 100}xx"] += 1
        return resp

    def post(self, article: str, body: str):
        resp = self.http.post(f"/api/articles/{article}/versions", data=body.encode(),
                              content_type=TEXT)
        self.statuses[f"{resp.status_code // 100}xx"] += 1
        if resp.status_code in (200, 201):
            got = resp.get_json()
            self.acked[(article, got["version"])] = got["commit"]
        return resp

    def listing(self, limit: int = 7) -> dict[str, str]:
        """Page through GET /api/articles and return {id: commit}."""
        url, seen = f"/api/articles?limit={limit}", {}
        while url:
            resp = self.get(url)
            assert resp.status_code == 200, resp.get_data(as_text=True)
            body = resp.get_json()
            for article in body["articles"]:
                assert article["id"] not in seen  # no row twice across pages
                seen[article["id"]] = article["commit"]
            url = body["next"]
        return seen

    def feed(self) -> str:
        resp = self.get("/feed.atom")
        assert resp.status_code == 200
        return resp.get_data(as_text=True)


def make_app(path: Path, **config):
    return create_app({"TESTING": True, "STORE_PATH": path, "DURABLE": False, **config})


def found_in_git(path: Path, acked: dict[tuple[str, int], str]) -> int:
    """Return how many acknowledged versions git has, as that version of that article."""
    store = GitStore(path)
    return sum(store.read(article, n).commit == commit for (article, n), commit in acked.items())


def newest(path: Path, count: int) -> list[str]:
    """Return the ids of the count most recently updated articles, from git (ingest trailers)."""
    out = git(path, "for-each-ref", "refs/articles", "--format=%(refname:lstrip=2) "
              "%(trailers:key=Writethru-Ingested-Ns,valueonly,separator=)")
    times = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()}
    return sorted(times, key=lambda a: (-times[a], a))[:count]


def figures(name: str, acked: int, found: int, statuses: Counter) -> None:
    print(f"\nFIGURES {name}: acknowledged={acked} found={found} 5xx={statuses['5xx']} "
          f"answers={dict(sorted(statuses.items()))}")


def index_file(path: Path) -> Path:
    return path / "writethru" / "index.sqlite"


def is_our_index(path: Path) -> bool:
    """Tell whether the index file is a whole index of this schema."""
    with contextlib.closing(sqlite3.connect(index_file(path))) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        return (conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                and meta["schema"] == SCHEMA_VERSION)


def damage(file: Path, where: str, seed: int) -> int:
    """Overwrite pages of an SQLite file with random bytes; return how many."""
    size = file.stat().st_size
    page = 4096
    pages = size // page
    chosen = {"header": [0], "middle": [pages // 2], "last": [pages - 1],
              "all-but-header": list(range(1, pages))}[where]
    rng = random.Random(seed)
    with open(file, "r+b") as f:
        for number in chosen:
            f.seek(number * page)
            f.write(rng.randbytes(page))
    return len(chosen)


@pytest.mark.parametrize("where", ["header", "middle", "last", "all-but-header"])
def test_damaged_index_pages_are_rebuilt_and_cost_no_save(tmp_path, where):
    path = tmp_path / "store.git"
    before = Client(make_app(path))
    for i in range(160):
        before.post(f"story-{i:03d}", f"Story {i}.\n\nA second paragraph of story {i}.")
    assert before.listing() == refs_of(path)  # the index is built and in use
    pages = damage(index_file(path), where, seed=len(where))
    # A fresh process (app) reads the damaged file: no page of it is cached.
    client = Client(make_app(path), before.statuses)
    for i in range(0, 160, 4):
        assert client.post(f"story-{i:03d}", f"Story {i}, updated.").status_code == 201
    for i in range(160, 180):
        assert client.post(f"story-{i:03d}", f"Story {i}.").status_code == 201
    assert client.listing() == refs_of(path)
    assert all(f"/articles/{a}" in client.feed() for a in newest(path, 10))
    assert is_our_index(path)  # rebuilt, not left damaged
    acked = {**before.acked, **client.acked}
    found = found_in_git(path, acked)
    figures(f"damaged index ({where}, {pages} pages)", len(acked), found, client.statuses)
    assert found == len(acked) and client.statuses["5xx"] == 0


def test_index_deleted_over_and_over_during_writes(tmp_path, caplog):
    path = tmp_path / "store.git"
    app = make_app(path)
    statuses: Counter = Counter()
    Client(app, statuses).post("first", "First.")
    stop = threading.Event()
    deletions = Counter()
    writers = [Client(app, statuses) for _ in range(4)]
    deadline = time.monotonic() + 20  # a bound on the run, not a timing assertion

    def write(k: int, client: Client) -> None:
        i = 0
        while i < 40 or (deletions["index"] < 30 and time.monotonic() < deadline):
            client.post(f"w{k}-{i % 6}", f"Writer {k}, version {i}.\n\nMore text {i}.")
            i += 1

    def delete() -> None:
        while not stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                index_file(path).unlink()
                deletions["index"] += 1
            time.sleep(0.001)

    def read(client: Client) -> None:
        while not stop.is_set():  # each listing has the index the deleter took away rebuilt
            assert client.get("/api/articles?limit=5").status_code == 200
            assert client.get("/feed.atom").status_code == 200

    readers = [Client(app, statuses) for _ in range(2)]
    threads = [threading.Thread(target=write, args=(k, c)) for k, c in enumerate(writers)]
    side = [threading.Thread(target=delete), *(threading.Thread(target=read, args=(c,))
                                               for c in readers)]
    with caplog.at_level("WARNING", logger="service.store.index"):
        run_beside(threads, side, stop)
    # Saves that had their row in a file deleted under them (SQLite: "readonly database").
    hit = sum("a save:" in r.getMessage() for r in caplog.records)
    acked = {k: v for c in writers for k, v in c.acked.items()}
    found = found_in_git(path, acked)
    check = Client(app, statuses)
    assert check.listing() == refs_of(path)
    assert all(f"/articles/{a}" in check.feed() for a in newest(path, 5))
    figures(f"index deleted {deletions['index']} times during writes, {hit} saves met it "
            "deleted mid-save", len(acked), found, statuses)
    assert len(acked) >= 4 * 40 and found == len(acked)
    assert statuses["5xx"] == 0 and deletions["index"] > 0


FOREIGN = {
    "another program's database": ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
                                   "INSERT INTO notes (body) VALUES ('hello')"],
    "an older schema": ["CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                        "INSERT INTO meta VALUES ('schema', '2')",
                        "CREATE TABLE articles (id TEXT PRIMARY KEY, updated_at INTEGER)"],
    # Our meta, this boot, the stamp of the refs: trusted at first sight, yet no articles table.
    "our meta but other tables": ["CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                                  "CREATE TABLE articles (id TEXT PRIMARY KEY)"],
}


@pytest.mark.parametrize("kind", [*FOREIGN, "a text file", "an empty file"])
def test_a_foreign_index_is_replaced(tmp_path, kind):
    path = tmp_path / "store.git"
    client = Client(make_app(path))
    for i in range(12):
        client.post(f"story-{i}", f"Story {i}.")
    index = index_file(path)
    index.unlink(missing_ok=True)
    if kind == "a text file":
        index.write_text("not a database, a shopping list\n")
    elif kind == "an empty file":
        index.write_bytes(b"")
    else:
        with contextlib.closing(sqlite3.connect(index)) as conn:
            for sql in FOREIGN[kind]:
                conn.execute(sql)
            if kind == "our meta but other tables":
                boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
                stamp = refs_stamp(path, "refs/articles")
                assert stamp is not None
                conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("schema", SCHEMA_VERSION), ("boot_id", boot), ("refs", stamp.text)])
            conn.commit()
    fresh = Client(make_app(path), client.statuses)
    assert fresh.post("story-0", "Story 0, updated.").status_code == 201
    assert fresh.post("story-new", "A new story.").status_code == 201
    assert fresh.listing() == refs_of(path)
    assert fresh.post("story-1", "Story 1, updated.").status_code == 201  # with our index now
    assert fresh.listing(limit=50) == refs_of(path)
    assert is_our_index(path)
    acked = {**client.acked, **fresh.acked}
    found = found_in_git(path, acked)
    figures(f"foreign index ({kind})", len(acked), found, fresh.statuses)
    assert found == len(acked) and fresh.statuses["5xx"] == 0


def test_refs_changed_by_git_show_up_on_the_next_request(tmp_path):
    path = tmp_path / "store.git"
    client = Client(make_app(path))
    for i in range(20):
        client.post(f"story-{i:02d}", f"Story {i}.")
        if i % 3 == 0:
            client.post(f"story-{i:02d}", f"Story {i}, updated.")
    assert client.listing() == refs_of(path)
    first = client.acked[("story-00", 1)]
    steps = [
        ("update-ref an article back to its first version",
         ["update-ref", "refs/articles/story-00", first]),
        ("update-ref a new article", ["update-ref", "refs/articles/copied", first]),
        ("update-ref -d", ["update-ref", "-d", "refs/articles/story-01"]),
        ("pack-refs --all", ["pack-refs", "--all"]),
        ("update-ref a packed ref", ["update-ref", "refs/articles/story-02", first]),
        ("update-ref -d a packed ref", ["update-ref", "-d", "refs/articles/story-04"]),
    ]
    for name, args in steps:
        git(path, *args)
        assert client.listing() == refs_of(path), name
    batch = "".join(f"create refs/articles/batch-{i} {first}\n" for i in range(10))
    git(path, "update-ref", "--stdin", stdin=batch)
    assert client.listing() == refs_of(path)
    assert "/articles/batch-3" in client.feed() or len(refs_of(path)) > 50
    # Our own saves in between keep it in step too.
    assert client.post("story-05", "Story 5, updated.").status_code == 201
    git(path, "update-ref", "refs/articles/story-06", first)
    assert client.listing() == refs_of(path)
    # A restart (a new app) on the same store agrees.
    assert Client(make_app(path)).listing() == refs_of(path)
    assert client.statuses["5xx"] == 0


def stored_stamp(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(index_file(path))) as conn:
        return conn.execute("SELECT value FROM meta WHERE key = 'refs'").fetchone()[0]


def test_own_saves_keep_the_stamp_in_step_so_listings_do_not_rescan(tmp_path):
    # The index remembers the stamp of the refs it follows; saves from many threads move it on
    # (compare-and-set over overlapping spans), so a listing after them finds it current.
    store = GitStore(tmp_path / "store.git", durable=False)
    store.save("first", parse("First."))
    store.list_articles()

    def write(k: int) -> None:
        for i in range(30):
            store.save(f"t{k}-{i % 4}", parse(f"Thread {k}, version {i}."))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    current = refs_stamp(store.path, "refs/articles")
    assert current is not None and stored_stamp(store.path) == current.text
    listed = {a.id: a.commit for a in store.list_articles(limit=100)[0]}
    assert listed == refs_of(store.path)
    # An outside change is on no save's span: the stamp stays behind and the listing syncs.
    git(store.path, "update-ref", "refs/articles/outside", listed["first"])
    assert stored_stamp(store.path) != refs_stamp(store.path, "refs/articles").text
    assert "outside" in {a.id for a in store.list_articles(limit=100)[0]}


def test_saves_during_a_sync_carry_its_stamp_on(tmp_path):
    # A sync after an outside change takes a while on a big store; saves go on meanwhile and
    # their spans continue from the sync's stamp, so no second sync is due after it.
    store = GitStore(tmp_path / "store.git", durable=False)
    first = store.save("first", parse("First.")).commit
    git(store.path, "update-ref", "--stdin",
        stdin="".join(f"create refs/articles/bulk-{i:05d} {first}\n" for i in range(3000)))
    store.list_articles()
    git(store.path, "update-ref", "refs/articles/outside", first)
    saving = threading.Thread(target=lambda: [
        store.save(f"during-{i % 5}", parse(f"Saved during the sync, {i}.")) for i in range(40)])
    saving.start()
    listed = store.list_articles(limit=5)[0]  # syncs, beside the saves
    saving.join()
    assert listed
    current = refs_stamp(store.path, "refs/articles")
    assert current is not None and stored_stamp(store.path) == current.text
    latest = {a.id: a.commit for a in store.list_articles(limit=5)[0]}  # the five saved
    assert latest == {a: c for a, c in refs_of(store.path).items() if a.startswith("during-")}
    assert "outside" in {a.id for a in store.list_articles(query="outside")[0]}


def parse(body: str):
    from service.ingest import parse_payload

    return parse_payload(body.encode(), "text/plain")


def test_threads_list_and_save_while_git_moves_refs(tmp_path):
    # gthread workers: one store shared by request threads, with git writing beside them.
    path = tmp_path / "store.git"
    app = make_app(path)
    statuses: Counter = Counter()
    seed = Client(app, statuses)
    seed.post("seed", "Seed.")
    commit = seed.acked[("seed", 1)]
    stop = threading.Event()
    writers = [Client(app, statuses) for _ in range(3)]

    def write(k: int, client: Client) -> None:
        for i in range(30):
            client.post(f"t{k}-{i % 5}", f"Thread {k}, version {i}.")

    def read(client: Client) -> None:
        while not stop.is_set():
            client.listing(limit=9)

    def outside() -> None:
        i = 0
        while not stop.is_set():
            git(path, "update-ref", f"refs/articles/outside-{i % 7}", commit)
            if i % 10 == 9:
                git(path, "pack-refs", "--all")
            i += 1

    threads = [threading.Thread(target=write, args=(k, c)) for k, c in enumerate(writers)]
    side = [threading.Thread(target=outside),
            *(threading.Thread(target=read, args=(Client(app, statuses),)) for _ in range(3))]
    run_beside(threads, side, stop)
    acked = {k: v for c in writers for k, v in c.acked.items()}
    assert Client(app, statuses).listing() == refs_of(path)
    found = found_in_git(path, acked)
    figures("threads listing and saving beside git update-ref and pack-refs", len(acked), found,
            statuses)
    assert found == len(acked) == 90 and statuses["5xx"] == 0


def run_beside(threads: list[threading.Thread], side: list[threading.Thread],
               stop: threading.Event) -> None:
    """Run the threads to their end with the side threads beside them, then stop those."""
    for t in threads + side:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in side:
        t.join()


@pytest.mark.parametrize("state", ["index in step", "index stale", "index damaged",
                                   "index from before a reboot",
                                   "no folder of ours (a fresh mirror)"])
def test_a_read_only_store_serves_reads_and_refuses_posts(tmp_path, state):
    source = tmp_path / "source.git"
    writer = Client(make_app(source))
    for i in range(25):
        writer.post(f"story-{i:02d}", f"Story {i}.\n\nSecond paragraph.")
    assert writer.listing() == refs_of(source)
    if state == "index stale":
        git(source, "update-ref", "refs/articles/added-by-git", writer.acked[("story-00", 1)])
        git(source, "update-ref", "-d", "refs/articles/story-01")
    elif state == "index damaged":
        damage(index_file(source), "all-but-header", seed=7)
    elif state == "index from before a reboot":  # and stale: it cannot be checked read-only
        with contextlib.closing(sqlite3.connect(index_file(source))) as conn:
            conn.execute("UPDATE meta SET value = 'another boot' WHERE key = 'boot_id'")
            conn.commit()
        git(source, "update-ref", "-d", "refs/articles/story-01")
    elif state.startswith("no folder"):
        mirror = tmp_path / "mirror.git"
        subprocess.run(["git", "clone", "--quiet", "--mirror", str(source), str(mirror)], check=True)
        source = mirror
        assert not (source / "writethru").exists()
    with read_only_mount(source, tmp_path / "ro") as view:
        with pytest.raises(OSError):
            (view / "probe").write_text("x")
        for config in ({}, {"READ_ONLY": True}):
            client = Client(make_app(view, **config))
            assert client.listing() == refs_of(source)
            assert all(f"/articles/{a}" in client.feed() for a in newest(source, 5))
            assert client.get("/").status_code == 200
            assert client.get("/api/articles/story-03").status_code == 200
            health = client.get("/healthz")
            assert health.status_code == 200
            assert health.get_json() == {"status": "ok", "read_only": True}
            refused = client.post("story-03", "An update.")
            assert refused.status_code == 403
            assert refused.get_json()["type"] == "urn:writethru:problem:read-only"
            # Refs moved through the writable path show up on the next request here.
            git(source, "update-ref", f"refs/articles/later-{len(config)}",
                writer.acked[("story-02", 1)])
            assert client.listing() == refs_of(source)
            assert client.statuses["5xx"] == 0
            figures(f"read-only store ({state}, READ_ONLY={bool(config)})", 0, 0,
                    client.statuses)
            del client
