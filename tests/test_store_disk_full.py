"""A full disk, for real: the store on a small tmpfs, versions sent until it is full, space freed,
the same texts sent again. Also broken objects under their final names, and writers' leftovers.

No mocks: the disk really fills (ENOSPC from the kernel), objects are really truncated on disk,
and a writer is really killed. Mounting needs root: without it these tests are skipped, and fail
when CI is set, as a CI runner is expected to allow it.

mount, umount and `git fsck` are commands of a few milliseconds, like the git runs of
test_store.py, so these tests stay in the fast lane; only the one that starts a writer process
to kill it is `slow`.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from mounts import tmpfs

from service import create_app
from service.cli import cli
from service.ingest import parse_payload
from service.store import GitStore, StoreUnavailable
from service.store.commits import blob_id
from service.store.errors import StoreFull
from service.store.objects import STALE_TEMP_SECONDS, remove_stale_temp_files
from service.web.openapi import document
from service.web.problems import PROBLEM_JSON, PROBLEM_TYPES

ROOT = Path(__file__).resolve().parent.parent
HTML = "text/html; charset=utf-8"


# -- a disk that fills ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """Yield a folder on a fresh 4 MiB tmpfs, unmounted afterwards."""
    with tmpfs(tmp_path / "disk", 4) as mount:
        yield mount


def fill(path: Path, leave: int = 0) -> int:
    """Write path until the disk refuses (then shrink it to leave bytes free); return its size."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 65536 if os.statvfs(path).f_bavail > 16 else b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    size = os.path.getsize(path)
    os.truncate(path, max(0, size - leave))
    return size - leave


def story(rng: random.Random, take: int, size: int) -> list[str]:
    """Return paragraphs of about size characters of made-up words (zlib cannot shrink them much)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    paragraphs, total = [f"Take {take}."], 0
    while total < size:
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(60)]
        paragraphs.append(" ".join(words).capitalize() + ".")
        total += len(paragraphs[-1]) + 2
    return paragraphs


def html(paragraphs: list[str]) -> bytes:
    """Return an HTML body of paragraphs: the store keeps these bytes under source/."""
    return "".join(f"<p>{p}</p>\n" for p in paragraphs).encode()


def plain(paragraphs: list[str]) -> bytes:
    """Return a plain-text body of paragraphs (canonical: no source file)."""
    return ("\n\n".join(paragraphs) + "\n").encode()


def leftovers(repo: Path) -> list[Path]:
    """Return temp object files and ref lock files left under the repository."""
    return [*repo.rglob("tmp_obj_*"), *(repo / "refs").rglob("*.lock")]


def fsck(repo: Path) -> subprocess.CompletedProcess:
    """Run `git fsck --strict --full` on the store (dangling objects are no error)."""
    return subprocess.run(["git", "--git-dir", str(repo), "fsck", "--strict", "--full"],
                          capture_output=True, text=True)


def assert_clean(repo: Path) -> None:
    """Assert that git finds nothing missing or broken, and no writer left a file behind."""
    checked = fsck(repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for word in ("missing", "corrupt", "error", "broken"):
        assert word not in checked.stdout + checked.stderr, checked.stdout + checked.stderr
    assert leftovers(repo) == []


# -- the disk fills while versions arrive, then space is freed ----------------------------------


def post(client, store, article: str, body: bytes, kind: str):
    """Send a version over HTTP (http-* articles) or through GitStore.save.

    Returns (the status code, or created / identical / StoreFull; the HTTP response or None).
    """
    if article.startswith("http"):
        resp = client.post(f"/api/articles/{article}/versions", data=body, content_type=kind)
        return resp.status_code, resp
    try:
        saved = store.save(article, parse_payload(body, kind))
    except StoreFull as exc:
        assert "No space left on device" in str(exc)
        return "StoreFull", None
    return ("created" if saved.created else "identical"), None


def check_versions(store: GitStore, versions: dict[str, list[tuple[bytes, str]]]) -> None:
    """Assert that each article has exactly these versions, each byte-identical to what was sent."""
    for article, texts in versions.items():
        assert len(store.versions(article)) == len(texts)
        for number, (body, kind) in enumerate(texts, start=1):
            assert store.read(article, number).text == parse_payload(body, kind).text
            sources = {"source/body.html": body} if kind == HTML else {}
            assert store.sources(article, number) == sources


def test_a_full_disk_refuses_versions_cleanly_and_they_are_whole_once_space_is_freed(
        small_disk):
    repo = small_disk / "store.git"
    store = GitStore(repo)  # durable, as in production
    store.init()
    store.list_articles()  # a served store has its listing index, which every save updates
    client = create_app({"TESTING": True, "STORE_PATH": repo, "DURABLE": True}).test_client()
    problem_schema = Draft202012Validator(document()["components"]["schemas"]["Problem"])
    filler = small_disk / "filler"
    room = fill(filler, leave=1_200_000)  # room for about twenty versions, then it is full

    rng = random.Random(20240229)
    sent: dict[str, list[tuple[bytes, str, bool]]] = {}  # article -> (body, type, acknowledged)
    outcomes: Counter = Counter()
    full_answers = []
    for take in range(200):
        paragraphs = story(rng, take, rng.randint(40_000, 80_000))
        if take % 2:  # over HTTP, as HTML: the store keeps the bytes as source/body.html too
            article, body, kind = f"http-{take % 4 // 2}", html(paragraphs), HTML
        else:  # GitStore.save, as plain text
            article, body, kind = f"direct-{take % 4 // 2}", plain(paragraphs), "text/plain"
        outcome, resp = post(client, store, article, body, kind)
        outcomes[outcome] += 1
        sent.setdefault(article, []).append((body, kind, outcome in (201, "created")))
        if outcome == 507:
            full_answers.append(resp)
        if outcomes[507] and outcomes["StoreFull"]:
            if outcomes[507] >= 4 and outcomes["StoreFull"] >= 4:
                break
            # Full: now free a little at a time, less than a version needs, so that texts are
            # written part-way before the disk refuses (short writes, as on a busy disk); now
            # and then enough has been freed for one more version.
            room -= rng.randint(2, 6) * 4096
            os.truncate(filler, room)
    # Versions were saved until the disk was full, then refused as full: no 500, no 503.
    assert set(outcomes) == {201, 507, "created", "StoreFull"}, outcomes
    assert outcomes[507] >= 4 and outcomes["StoreFull"] >= 4, outcomes

    # The full disk's answer: 507, Retry-After, a problem document that names no server path.
    for resp in full_answers:
        assert resp.status_code == 507 and resp.mimetype == PROBLEM_JSON
        assert int(resp.headers["Retry-After"]) > 0
        body = resp.get_json(force=True)
        assert list(problem_schema.iter_errors(body)) == []
        assert body["type"] == PROBLEM_TYPES["store-full"].uri and body["status"] == 507
        assert str(small_disk) not in body["detail"] and "Errno" not in body["detail"]

    # While the disk is still full: what was acknowledged is whole, nothing was left behind.
    stored = {a: [(b, k) for b, k, ok in texts if ok] for a, texts in sent.items()}
    check_versions(store, stored)
    assert_clean(repo)

    # Space freed: the last acknowledged text is identical (200), the refused ones are new.
    filler.unlink()
    again: Counter = Counter()
    for article, texts in sent.items():
        if stored[article]:
            outcome, _ = post(client, store, article, *stored[article][-1])
            assert outcome in (200, "identical"), outcome
            again[outcome] += 1
        for body, kind, ok in texts:
            if not ok:
                outcome, _ = post(client, store, article, body, kind)
                assert outcome in (201, "created"), outcome
                again[outcome] += 1
                stored[article].append((body, kind))
    check_versions(store, stored)  # now every text sent, each byte-identical
    listed = {a.id: a.versions for a in store.list_articles()[0]}
    assert listed == {a: len(texts) for a, texts in stored.items()}
    assert_clean(repo)
    acknowledged = outcomes[201] + outcomes["created"]
    print(f"\ndisk full: while filling {dict(outcomes)}: {acknowledged} acknowledged, all intact; "
          f"after freeing {dict(again)}")


def test_every_step_of_a_save_that_meets_a_full_disk_leaves_the_store_whole(small_disk):
    # The disk is filled to the last page, then freed a page or a few at a time: saves of small
    # versions meet ENOSPC at every step there is (objects, fan-out folders, the ref's lock,
    # the writer lock's pid, the listing index), and each must either succeed or raise StoreFull.
    repo = small_disk / "store.git"
    store = GitStore(repo)
    store.init()
    store.save("first", parse_payload(b"The first story.", "text/plain"))
    store.list_articles()
    filler = small_disk / "filler"
    size = fill(filler)
    rng = random.Random(7)
    saved: dict[str, list[str]] = {"first": ["The first story.\n"]}
    where: Counter = Counter()
    for step in range(80):
        size -= 4096 * (1 + step % 9)
        os.truncate(filler, max(size, 0))
        article = rng.choice(["first", "second", f"new-{step}"])
        words = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"])
                         for _ in range(rng.randint(5, 600)))
        submission = parse_payload(f"{words} {step}.".encode(), "text/plain")
        try:
            store.save(article, submission)
        except StoreFull as exc:
            message = str(exc)
            where["object" if "write object" in message else
                  "index" if "listing index" in message else "ref or lock"] += 1
        else:
            saved.setdefault(article, []).append(submission.text)
            where["saved"] += 1
        assert leftovers(repo) == []
    # Saves passed, and failed while writing objects and later (the ref, its lock, the index).
    assert where["saved"] and where["object"] and len(where) > 2, where
    print(f"\nfull disk, step by step: {dict(where)}")
    filler.unlink()
    for article, texts in saved.items():
        assert [v.text for v in store.history(article)] == texts
    listed = {a.id: a.versions for a in store.list_articles(limit=200)[0]}
    assert listed == {article: len(texts) for article, texts in saved.items()}
    assert_clean(repo)


def test_the_command_line_says_in_one_line_that_the_disk_is_full(small_disk):
    repo = small_disk / "store.git"
    GitStore(repo).init()
    fill(small_disk / "filler")
    story_file = small_disk.parent / "story.txt"
    story_file.write_text("\n\n".join(story(random.Random(3), 1, 20_000)) + "\n")
    result = CliRunner().invoke(cli, ["--store", str(repo), "ingest", "story", str(story_file)],
                                prog_name="writethru")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "disk is full" in lines[0], result.output
    assert leftovers(repo) == []


def test_a_write_that_fails_for_another_reason_is_a_503_with_retry_after(store_path):
    # A file where the blob's fan-out folder must go: its mkdir fails (not a full disk).
    client = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": True}).test_client()
    assert client.post("/api/articles/story/versions", data=b"First.",
                       content_type="text/plain").status_code == 201
    text = b"Second, which cannot be written yet.\n"
    blocker = store_path / "objects" / blob_id(text)[:2]
    assert not blocker.exists()
    blocker.write_bytes(b"not a folder")
    resp = client.post("/api/articles/story/versions", data=text, content_type="text/plain")
    assert resp.status_code == 503 and resp.mimetype == PROBLEM_JSON
    assert int(resp.headers["Retry-After"]) > 0
    body = resp.get_json()
    assert body["type"] == PROBLEM_TYPES["store-unavailable"].uri
    assert str(store_path) not in body["detail"]
    blocker.unlink()
    resp = client.post("/api/articles/story/versions", data=text, content_type="text/plain")
    assert resp.status_code == 201 and resp.get_json()["version"] == 2
    assert GitStore(store_path).read("story").text == text.decode()
    assert_clean(store_path)


# -- a broken object under its final name ----------------------------------------------------


def loose_path(repo: Path, sha: str) -> Path:
    """Return where a loose object lives."""
    return repo / "objects" / sha[:2] / sha[2:]


def damage(path: Path, how: str) -> None:
    """Break a loose object file the ways a crash or a full disk (or the old writer) left them."""
    raw = path.read_bytes()
    path.chmod(0o644)
    broken = {"truncated": raw[: len(raw) * 2 // 3], "empty": b"",
              "garbage": raw + b"\0junk", "other": zlib.compress(b"blob 5\0hello")}[how]
    path.write_bytes(broken)


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage", "other"])
def test_a_broken_object_under_its_name_is_replaced_by_a_later_save_of_the_same_text(store, how):
    text_a = "\n\n".join(story(random.Random(11), 1, 30_000)) + "\n"
    store.save("story", parse_payload(text_a.encode(), "text/plain"))
    store.save("story", parse_payload(b"A second version.", "text/plain"))
    path = loose_path(store.path, blob_id(text_a.encode()))
    damage(path, how)
    if how != "other":  # another object's whole stream reads as that object: only fsck tells
        # Read through a fresh store (nothing remembered): a clear store error, no zlib traceback.
        with pytest.raises(StoreUnavailable) as broken:
            GitStore(store.path).read("story", 1)
        assert blob_id(text_a.encode()) in str(broken.value) and "git fsck" in str(broken.value)

    # The same text again (a third version, as a client retrying would send): written whole.
    again = store.save("story", parse_payload(text_a.encode(), "text/plain"))
    assert (again.version, again.created) == (3, True)
    fresh = GitStore(store.path)
    assert fresh.read("story", 3).text == text_a
    assert fresh.read("story", 1).text == text_a  # the first version is whole again too
    assert_clean(store.path)


def test_a_whole_object_already_present_is_reused_not_rewritten(store):
    store.save("one", parse_payload(b"Shared text.", "text/plain"))
    path = loose_path(store.path, blob_id(b"Shared text.\n"))
    before = path.stat()
    store.save("two", parse_payload(b"Shared text.", "text/plain"))
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# -- writers' temp files -------------------------------------------------------------------------


def test_stale_temp_files_are_removed_and_a_live_writers_are_kept(store):
    store.save("story", parse_payload(b"Some text.", "text/plain"))
    objects = store.path / "objects"
    fanout = next(p for p in objects.iterdir() if len(p.name) == 2)
    old = [fanout / "tmp_obj_1_dead", objects / "tmp_obj_git_leftover"]
    live = fanout / "tmp_obj_2_live"
    for path in [*old, live]:
        path.write_bytes(b"x\x9c partial")
    hours_ago = time.time() - STALE_TEMP_SECONDS - 60
    for path in old:
        os.utime(path, (hours_ago, hours_ago))
    before = {p for p in objects.rglob("*") if p.is_file()}

    assert sorted(remove_stale_temp_files(objects)) == sorted(old)
    assert {p for p in objects.rglob("*") if p.is_file()} == before - set(old)
    assert live.exists()
    assert remove_stale_temp_files(objects) == []
    assert remove_stale_temp_files(store.path / "no-such-folder") == []
    assert store.read("story").text == "Some text.\n"


WRITER = """
import sys, time
from service.store.objects import ObjectWriter
fd, path = ObjectWriter(sys.argv[1], durable=True)._create_temp(sys.argv[1] + "/ab")
print(path, flush=True)
time.sleep(60)
"""


@pytest.mark.slow  # starts a writer process, to kill it with its temp file open
def test_a_killed_writers_temp_file_is_kept_while_young_and_removed_once_stale(store):
    store.save("story", parse_payload(b"Some text.", "text/plain"))
    objects = store.path / "objects"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(objects)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        temp = Path(writer.stdout.readline().strip())
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()
    assert temp.name.startswith("tmp_obj_") and temp.exists()
    assert remove_stale_temp_files(objects) == []  # it could be a live writer's: kept
    hours_ago = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(temp, (hours_ago, hours_ago))
    assert remove_stale_temp_files(objects) == [temp]
    assert not temp.exists()
    assert store.read("story").text == "Some text.\n"
