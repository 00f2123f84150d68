"""GitStore against real bare repositories in tmp_path, checked with plain git."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.ingest import parse_payload
from service.store import (
    ArticleNotFound,
    GitStore,
    InvalidArticleId,
    InvalidCursor,
    VersionNotFound,
    validate_article_id,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "ap-troops-eastern-europe"
V1 = (SEEDS / "000_d086febab5968e85.txt").read_bytes()
V2 = (SEEDS / "001_af56ba67cce1b9fd.txt").read_bytes()


def git(repo: Path, *args: str) -> str:
    """Run plain git on a repository and return its output."""
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout


def text(body: str | bytes):
    """Return a plain-text submission."""
    return parse_payload(body.encode() if isinstance(body, str) else body, "text/plain")


def as_json(**fields):
    """Return a JSON submission."""
    return parse_payload(json.dumps(fields).encode(), "application/json")


@pytest.fixture
def seeded(store):
    """Return the store with the two seed versions of ap-troops saved."""
    store.save("ap-troops", text(V1))
    store.save("ap-troops", as_json(body=V2.decode(), headline="Biden orders troops",
                                    label="1st Ld-Writethru"))
    return store


def test_creating_a_store_touches_nothing(tmp_path):
    GitStore(tmp_path / "s.git")
    assert not (tmp_path / "s.git").exists()


def test_seed_two_versions(seeded):
    infos = seeded.versions("ap-troops")
    assert [v.version for v in infos] == [1, 2]
    assert [(v.paragraphs, v.words) for v in infos] == [(8, 485), (33, 1241)]
    assert infos[1].meta["headline"] == "Biden orders troops"
    assert infos[0].created_at.tzinfo is not None and infos[0].created_at.utcoffset().seconds == 0
    latest = seeded.read("ap-troops", "latest")
    assert latest.version == 2 and len(latest.paragraphs) == 33
    assert latest.commit == seeded.head("ap-troops") == infos[1].commit
    first = seeded.read("ap-troops", 1)
    assert first.text.encode() == text(V1).text.encode()
    assert seeded.read("ap-troops", "2").commit == latest.commit


def test_commit_chain_with_plain_git(seeded):
    repo = seeded.path
    log = git(repo, "rev-list", "--parents", "refs/articles/ap-troops").split("\n")
    head, first = (line.split() for line in log if line)
    assert head[1] == first[0] and len(first) == 1
    subject = git(repo, "log", "-1", "--format=%s%n%an <%ae>", "refs/articles/ap-troops")
    assert subject == "ap-troops v2: Biden orders troops\nwritethru <writethru@localhost>\n"


def test_identical_resend_creates_nothing(seeded):
    before = git(seeded.path, "rev-list", "--count", "refs/articles/ap-troops")
    again = seeded.save("ap-troops", as_json(body=V2.decode(), headline="Biden orders troops",
                                             label="1st Ld-Writethru"))
    assert (again.created, again.version, again.commit) == (False, 2, seeded.head("ap-troops"))
    assert git(seeded.path, "rev-list", "--count", "refs/articles/ap-troops") == before == "2\n"
    # same text, different metadata: a new version
    changed = seeded.save("ap-troops", as_json(body=V2.decode(), headline="Biden orders troops",
                                               label="2nd Ld-Writethru"))
    assert (changed.created, changed.version) == (True, 3)


def test_same_story_in_another_format_is_no_new_version(store):
    body = "First paragraph.\n\nSecond paragraph.\n"
    first = store.save("fmt", text(body))
    same = [
        parse_payload(json.dumps({"body": body}).encode(), "application/json"),
        parse_payload(b"<p>First paragraph.</p><p>Second paragraph.</p>", "text/html"),
        text(body.replace("\n", "\r\n")),
    ]
    for submission in same:
        again = store.save("fmt", submission)
        assert (again.created, again.version, again.commit) == (False, 1, first.commit)
    assert git(store.path, "rev-list", "--count", "refs/articles/fmt") == "1\n"
    # How it was first sent is still stored and read back, in meta.json as before.
    assert store.read("fmt", 1).meta == {"source_format": "text"}
    stored = json.loads(git(store.path, "show", "refs/articles/fmt:meta.json"))
    assert stored == {"source_format": "text"}
    # A fresh process (nothing remembered) compares the same way, from what is on disk.
    fresh = GitStore(store.path)
    assert not fresh.save("fmt", same[0]).created
    # The publisher's metadata is part of the identity (ninjs always brings its uri).
    assert fresh.save("fmt", parse_payload(
        json.dumps({"body": body, "headline": "H"}).encode(), "application/json")).version == 2
    ninjs = json.dumps({"uri": "urn:x", "bodies": [{"value": body}]}).encode()
    assert fresh.save("fmt", parse_payload(ninjs, "application/ninjs+json")).version == 3


def test_mirror_clone_reads_with_plain_git(seeded, tmp_path):
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "--quiet", "--mirror", str(seeded.path), str(mirror)],
                   check=True)
    assert "refs/articles/ap-troops" in git(mirror, "for-each-ref", "--format=%(refname)")
    shown = git(mirror, "show", "refs/articles/ap-troops~1:article.txt")
    assert shown == seeded.read("ap-troops", 1).text


def test_tree_content_and_sorted_meta(seeded):
    repo = seeded.path
    names = git(repo, "ls-tree", "-r", "--name-only", "refs/articles/ap-troops").split()
    assert names == ["article.txt", "meta.json", "source/body.json"]
    meta_text = git(repo, "show", "refs/articles/ap-troops:meta.json")
    meta = json.loads(meta_text)
    assert list(meta) == sorted(meta)
    assert meta_text == json.dumps(meta, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert meta["source_format"] == "json" and meta["label"] == "1st Ld-Writethru"
    article = git(repo, "show", "refs/articles/ap-troops:article.txt")
    assert article.endswith("contributed.\n") and "\n\n\n" not in article


def test_sources_saved_only_when_needed(store):
    store.save("canon", text("One.\n\nTwo.\n"))
    assert git(store.path, "ls-tree", "-r", "--name-only", "refs/articles/canon").split() == [
        "article.txt", "meta.json"]
    assert store.sources("canon") == {}
    crlf = b"One.\r\n\r\nTwo.\r\n"
    store.save("crlf", text(crlf))
    assert store.sources("crlf") == {"source/original.txt": crlf}
    ninjs = json.dumps({"uri": "urn:x:1", "bodies": [{"value": "A."}]}).encode()
    store.save("nin", parse_payload(ninjs, "application/ninjs+json"))
    assert store.sources("nin") == {"source/ninjs.json": ninjs}


def test_unknown_article_and_version(seeded):
    with pytest.raises(ArticleNotFound):
        seeded.read("nope")
    with pytest.raises(ArticleNotFound):
        seeded.versions("nope")
    assert seeded.head("nope") is None
    for bad in (0, 3, "3", "first", "-1"):
        with pytest.raises(VersionNotFound):
            seeded.read("ap-troops", bad)


BAD_IDS = ["", "a/b", "../x", "a..b", "has space", "tab\there", "nl\n", "nul\x00", "bell\x07",
           "x" * 129, "name.lock", "-leading", ".hidden", "_under", "ü-umlaut", "refs/heads/x",
           "a\\b", "a:b", "a~1", "a^", "@{0}", "a.", "story.v2.", "a...", "a@{1}", "a*", "a?",
           "a[1]", "a.lock.", "ok\n"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_invalid_ids_refused_and_repo_unchanged(seeded, bad):
    repo = seeded.path
    refs = git(repo, "for-each-ref")
    objects = git(repo, "count-objects", "-v")
    with pytest.raises(InvalidArticleId):
        seeded.save(bad, text("Some text."))
    for call in (seeded.head, seeded.versions, seeded.read):
        with pytest.raises(InvalidArticleId):
            call(bad)
    assert git(repo, "for-each-ref") == refs
    assert git(repo, "count-objects", "-v") == objects


@pytest.mark.parametrize("good", ["a", "A9", "0", "ap-troops_2022.v1", "x" * 128, "a.b-c_d"])
def test_valid_ids(good):
    assert validate_article_id(good) == good


def git_accepts_ref(article_id: str) -> bool:
    """Ask git itself whether refs/articles/<id> is a valid ref name."""
    return subprocess.run(["git", "check-ref-format", f"refs/articles/{article_id}"],
                          capture_output=True).returncode == 0


def our_verdict(article_id: str) -> bool:
    """Return whether validate_article_id accepts the id."""
    try:
        validate_article_id(article_id)
    except InvalidArticleId:
        return False
    return True


# Inside our alphabet (A-Z a-z 0-9 . _ -, a letter or digit first, at most 128) the rules of
# `git check-ref-format` that can bite, each on both sides of its edge.
IN_ALPHABET = [
    # a component must not end with "."
    ("a.", False), ("story.v2.", False), ("1.", False), ("a.b", True), ("a.-", True),
    # no ".." anywhere
    ("a..b", False), ("a...b", False), ("x..", False), ("a._.b", True),
    # a component must not end with ".lock" (case-sensitive in git)
    ("a.lock", False), ("x.y.lock", False), ("a.lock.b", True), ("a.locks", True),
    ("a.LOCK", True), ("lock", True), ("a-lock", True), ("a_lock", True),
    # what is left: plain ids, the longest one
    ("a", True), ("0", True), ("a-", True), ("a_", True), ("ap-troops_2022.v1", True),
    ("x" * 128, True),
]


@pytest.mark.parametrize(("article_id", "valid"), IN_ALPHABET)
def test_ids_in_the_alphabet_agree_with_git_check_ref_format(article_id, valid):
    assert git_accepts_ref(article_id) is valid
    assert our_verdict(article_id) is valid


@pytest.mark.parametrize("bad", ["a@{0}", "a~1", "a^", "a:b", "a b", "a*", "a?", "a[1]",
                                 "a\\b", "a//b", "a\x07"])
def test_rules_our_alphabet_rules_out(bad):
    # git refuses these for reasons our alphabet already excludes; we are never looser.
    assert not git_accepts_ref(bad)
    assert not our_verdict(bad)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.from_regex(r"\A[a0][a0.lock_-]{0,12}\Z"))
def test_generated_ids_agree_with_git(article_id):
    assert our_verdict(article_id) == git_accepts_ref(article_id)


def test_a_ref_made_by_hand_that_git_refuses_is_not_listed(store):
    store.save("fine", text("Text."))
    head = store.head("fine")
    bad = store.path / "refs" / "articles" / "broken."
    bad.write_text(head + "\n")
    store.rebuild_index()
    assert [a.id for a in store.list_articles()[0]] == ["fine"]


def test_list_articles_order_pagination_query_and_rebuild(store):
    for article in ("alpha", "beta", "gamma", "delta", "epsilon"):
        store.save(article, as_json(body=f"{article} text.",
                                    headline=f"Headline {article.upper()}"))
    store.save("beta", as_json(body="beta text, updated.", headline="Headline BETA"))
    first, cursor = store.list_articles(limit=2)
    # saves within one second tie on time; ties are broken by id, so check the set, then beta
    everything = first
    while cursor:
        page, cursor = store.list_articles(limit=2, cursor=cursor)
        everything += page
    ids = [a.id for a in everything]
    assert sorted(ids) == ["alpha", "beta", "delta", "epsilon", "gamma"] and len(ids) == 5
    times = [a.updated_at for a in everything]
    assert times == sorted(times, reverse=True)
    beta = next(a for a in everything if a.id == "beta")
    assert (beta.versions, beta.headline, beta.commit) == (2, "Headline BETA", store.head("beta"))
    found, _ = store.list_articles(query="headline ep")
    assert [a.id for a in found] == ["epsilon"]
    assert [a.id for a in store.list_articles(query="GAM")[0]] == ["gamma"]
    assert store.list_articles(query="zzz") == ([], None)

    index = store.path / "writethru" / "index.sqlite"
    assert index.exists()
    index.unlink()
    rebuilt, _ = store.list_articles(limit=10)
    assert sorted((a.id, a.versions, a.commit) for a in rebuilt) == sorted(
        (a.id, a.versions, a.commit) for a in everything)
    assert index.exists()


def test_index_follows_saves_and_survives_garbage(store):
    store.save("one", text("First."))
    assert [a.id for a in store.list_articles()[0]] == ["one"]
    store.save("two", text("Second."))
    assert {a.id for a in store.list_articles()[0]} == {"one", "two"}
    (store.path / "writethru" / "index.sqlite").write_bytes(b"not a database")
    assert {a.id for a in store.list_articles()[0]} == {"one", "two"}


def test_pending_row_of_a_dead_writer_is_repaired(store):
    store.save("one", text("First."))
    store.list_articles()
    import sqlite3

    # what a writer killed between its index row and its ref leaves behind
    conn = sqlite3.connect(store.path / "writethru" / "index.sqlite")
    conn.execute("UPDATE articles SET versions = 9, commit_id = 'f' || substr(commit_id, 2), "
                 "pending = 1 WHERE id = 'one'")
    conn.execute("INSERT INTO articles (id, headline, versions, updated_at, commit_id, search, "
                 "pending) VALUES ('ghost', 'G', 1, 0, 'abc', 'ghost', 1)")
    conn.commit()
    conn.close()
    listed, _ = store.list_articles()
    assert [(a.id, a.versions, a.commit) for a in listed] == [("one", 1, store.head("one"))]


def cursor_of(value) -> str:
    """Encode any JSON value the way cursors are encoded (to forge one)."""
    import base64

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


FORGED = [[2**63, "a"], [2**200, "a"], [-1, "a"], [True, "a"], [False, "a"], [1.5, "a"],
          ["1", "a"], [1, 2], [1, None], [1], [1, "a", 3], {"a": 1, "b": 2}, None, "x"]


@pytest.mark.parametrize("cursor", ["", "garbage!", "WzEsMl0", "eyJhIjoxfQ", "é",
                                    *(cursor_of(v) for v in FORGED)])
def test_bad_cursor(store, cursor):
    store.save("one", text("First."))
    if cursor == "":
        assert store.list_articles(cursor=cursor)[0]  # empty means "from the start"
        return
    with pytest.raises(InvalidCursor):
        store.list_articles(cursor=cursor)
    with pytest.raises(InvalidCursor):  # a missing store refuses it as well
        GitStore(store.path.parent / "missing.git").list_articles(cursor=cursor)


@pytest.mark.parametrize("edge", [0, 2**63 - 1])
def test_cursor_at_the_edges_of_sqlite_integers(store, edge):
    store.save("one", text("First."))
    listed, _ = store.list_articles(cursor=cursor_of([edge, "a"]))
    assert [a.id for a in listed] == ([] if edge == 0 else ["one"])


def test_reads_after_git_gc_and_pack_refs(seeded):
    git(seeded.path, "gc", "--quiet", "--prune=now")
    assert not (seeded.path / "refs" / "articles" / "ap-troops").exists()  # packed now
    assert seeded.read("ap-troops", 1).paragraphs == text(V1).paragraphs
    result = seeded.save("ap-troops", text("A third version."))
    assert result.version == 3
    assert [v.version for v in seeded.versions("ap-troops")] == [1, 2, 3]
    seeded.rebuild_index()
    assert seeded.list_articles()[0][0].versions == 3
    assert "error" not in subprocess.run(
        ["git", "--git-dir", str(seeded.path), "fsck", "--strict"], capture_output=True,
        text=True, check=True).stderr


def test_init_is_idempotent_and_check(store):
    store.init()
    store.init()
    GitStore(store.path).init()
    store.check()
    assert git(store.path, "rev-parse", "--is-bare-repository") == "true\n"


def test_reads_and_check_of_a_missing_store_create_nothing(tmp_path):
    from service.store import StoreUnavailable

    path = tmp_path / "volume" / "store.git"
    store = GitStore(path)
    assert store.list_articles() == ([], None)
    assert store.head("a") is None
    for call in (store.versions, store.read, store.sources, store.history):
        with pytest.raises(ArticleNotFound):
            call("a")
    with pytest.raises(StoreUnavailable) as missing:
        store.check()
    with pytest.raises(StoreUnavailable):
        store.rebuild_index()
    assert not path.exists() and not path.parent.exists()
    # what a client may see names no server path; the log keeps the detail
    assert str(path) in str(missing.value) and str(tmp_path) not in missing.value.public
    # a brand-new deployment: the first write creates the store
    assert store.save("a", text("First.")).version == 1
    store.check()
    assert [a.id for a in store.list_articles()[0]] == ["a"]


@pytest.mark.parametrize("what", ["empty folder", "working tree", "file"])
def test_check_refuses_what_is_not_a_bare_repository(tmp_path, what):
    from service.store import StoreUnavailable

    path = tmp_path / "store.git"
    if what == "file":
        path.write_text("not a folder")
    else:
        path.mkdir()
        if what == "working tree":
            subprocess.run(["git", "init", "-q", str(path)], check=True)
    before = sorted(p.name for p in path.iterdir()) if path.is_dir() else None
    with pytest.raises(StoreUnavailable) as caught:
        GitStore(path).check()
    assert str(tmp_path) not in caught.value.public
    assert (sorted(p.name for p in path.iterdir()) if path.is_dir() else None) == before


def test_unwritable_store_error_keeps_paths_out_of_the_public_message(tmp_path):
    from service.store import StoreUnavailable

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreUnavailable) as caught:
        GitStore(tmp_path).save("a", text("x"))
    assert str(tmp_path) in str(caught.value)
    assert str(tmp_path) not in caught.value.public and caught.value.public


def test_refuses_a_folder_that_is_not_a_repository(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    from service.store import StoreUnavailable

    with pytest.raises(StoreUnavailable):
        GitStore(tmp_path).save("a", text("x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_relaxed_store_and_sync(tmp_path):
    relaxed = GitStore(tmp_path / "r.git", durable=False)
    for n in range(3):
        relaxed.save("bulk", text(f"Version {n}."))
    relaxed.sync()
    assert [v.version for v in relaxed.versions("bulk")] == [1, 2, 3]


def test_fsck_strict_clean(seeded):
    seeded.save("other", as_json(body_html="<p>A</p><p>B</p>", headline="H"))
    result = subprocess.run(["git", "--git-dir", str(seeded.path), "fsck", "--strict", "--full"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr and "warning" not in result.stderr


def loose_path(repo: Path, sha: str) -> Path:
    """Return where git keeps a loose object."""
    return repo / "objects" / sha[:2] / sha[2:]


@pytest.mark.parametrize("durable", [True, False])
def test_writer_objects_read_by_plain_git(tmp_path, durable):
    from service.store.objects import ObjectWriter

    store = GitStore(tmp_path / "w.git", durable=durable)
    store.init()
    writer = ObjectWriter(store.path / "objects", durable)
    content = "Zürich – ein Absatz.\n".encode() * 300  # non-ASCII, bigger than one zlib block
    tree = writer.tree({"article.txt": content, "meta.json": b"{}\n", "source/a.txt": b"raw\n"})
    commit = writer.commit(tree, None, ("w", "w@localhost"), 1_700_000_000, "subject\n").hex()
    blob = git(store.path, "rev-parse", f"{commit}:article.txt").strip()
    assert blob == subprocess.run(["git", "hash-object", "--stdin"], input=content,
                                  capture_output=True, check=True).stdout.decode().strip()
    shown = subprocess.run(["git", "--git-dir", str(store.path), "cat-file", "blob", blob],
                           capture_output=True, check=True).stdout
    assert shown == content
    assert git(store.path, "cat-file", "-t", commit) == "commit\n"
    assert git(store.path, "ls-tree", "-r", "--name-only", commit).split() == [
        "article.txt", "meta.json", "source/a.txt"]
    git(store.path, "update-ref", "refs/heads/check", commit)
    result = subprocess.run(["git", "--git-dir", str(store.path), "fsck", "--strict", "--full"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr and "warning" not in result.stderr
    assert "dangling" not in result.stdout
    assert not list((store.path / "objects").glob("*/tmp_obj_*"))


def test_existing_object_is_not_rewritten(store):
    first = store.save("same-meta", text("First text."))
    meta_id = git(store.path, "rev-parse", f"{first.commit}:meta.json").strip()
    before = loose_path(store.path, meta_id).stat()
    second = store.save("same-meta", text("Second text."))
    assert second.created and git(store.path, "rev-parse", f"{second.commit}:meta.json").strip() \
        == meta_id
    after = loose_path(store.path, meta_id).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_empty_object_left_by_a_crash_is_rewritten(store):
    first = store.save("a", text("First text."))
    meta_id = git(store.path, "rev-parse", f"{first.commit}:meta.json").strip()
    # what an OS crash can leave of an object whose rename reached the disk before its content
    fresh = GitStore(store.path)  # another process: nothing remembered about the store
    loose_path(store.path, meta_id).chmod(0o644)
    loose_path(store.path, meta_id).write_bytes(b"")
    assert fresh.save("b", text("Other text.")).created
    assert loose_path(store.path, meta_id).stat().st_size > 0
    assert git(store.path, "cat-file", "-t", meta_id) == "blob\n"


def test_fanout_folder_removed_under_a_writer(store):
    from service.store.objects import ObjectWriter

    store.save("a", text("First text."))
    git(store.path, "gc", "--quiet", "--prune=now")  # packs everything, removes the folders
    # a writer that believes every fan-out folder exists (as after many saves before the gc)
    known = {f"{store.path / 'objects'}/{n:02x}" for n in range(256)}
    writer = ObjectWriter(store.path / "objects", True, known)
    blob = writer.write(b"blob", b"after gc\n").hex()
    assert git(store.path, "cat-file", "blob", blob) == "after gc\n"
    assert store.save("a", text("Second text.")).version == 2
    assert subprocess.run(["git", "--git-dir", str(store.path), "fsck", "--strict"],
                          capture_output=True).returncode == 0


def test_ref_moved_by_plain_git_is_read_not_remembered(store):
    v1 = store.save("a", text("First text."))
    store.save("a", text("Second text."))
    git(store.path, "update-ref", "refs/articles/a", v1.commit)  # moved back by hand
    again = store.save("a", text("First text."))
    assert (again.created, again.version, again.commit) == (False, 1, v1.commit)
    assert store.save("a", text("Third text.")).version == 2


# -- long histories: one walk of the chain, remembered ------------------------------------

def spy_commit_reads(monkeypatch) -> list[str]:
    """Record every commit object the store parses (a spy on the real reader, not a mock)."""
    from service.store.objects import ObjectReader

    calls: list[str] = []
    original = ObjectReader.commit

    def commit(self, sha):
        calls.append(sha)
        return original(self, sha)

    monkeypatch.setattr(ObjectReader, "commit", commit)
    return calls


@pytest.fixture
def long_story(tmp_path):
    """Return (store path, texts) of an article with 40 versions."""
    store = GitStore(tmp_path / "long.git", durable=False)
    texts = [f"Version {n} of the lede.\n\nThe same second paragraph.\n" for n in range(40)]
    for body in texts:
        store.save("long", text(body))
    return store.path, texts


def test_reading_every_version_one_by_one_is_linear(long_story, monkeypatch):
    path, texts = long_story
    n = len(texts)
    calls = spy_commit_reads(monkeypatch)
    store = GitStore(path)  # a fresh process: nothing remembered
    read = [store.read("long", k) for k in range(1, n + 1)]
    assert [v.text for v in read] == texts and [v.version for v in read] == list(range(1, n + 1))
    # Walking the chain per version, as before, parsed n(n+1)/2 = 820 commits here.
    assert len(calls) <= 3 * n
    calls.clear()
    assert [v.text for v in store.history("long")] == texts
    assert len(calls) == n  # the walk is remembered: one commit per version, for its tree


def test_read_many_walks_once_and_checks_numbers_first(long_story, monkeypatch):
    path, texts = long_story
    calls = spy_commit_reads(monkeypatch)
    store = GitStore(path)
    picked = list(store.read_many("long", [7, 3, 7]))
    assert [(v.version, v.text) for v in picked] == [(3, texts[2]), (7, texts[6])]
    assert len(calls) == len(texts) + 2
    for bad in ([0], [41], [1, 99], ["2"], [True]):
        with pytest.raises(VersionNotFound):
            store.read_many("long", bad)  # refused before any text is read
    with pytest.raises(ArticleNotFound):
        store.read_many("nothing")


def test_latest_needs_no_walk_and_a_save_extends_what_is_remembered(long_story, monkeypatch):
    path, texts = long_story
    calls = spy_commit_reads(monkeypatch)
    store = GitStore(path)
    assert store.read("long").version == len(texts) and len(calls) == 1
    infos = store.versions("long")
    old_head = infos[-1].commit
    calls.clear()
    store.save("long", text("A new lede.\n\nThe same second paragraph.\n"))
    assert [i.version for i in store.versions("long")] == list(range(1, len(texts) + 2))
    assert len(calls) <= 2  # the new commit only; the rest was remembered under the old head
    # The history that led to an older commit stays readable while the article moves on.
    assert [i.commit for i in store.versions("long", upto=old_head)] == [i.commit for i in infos]
    assert [v.version for v in store.read_many("long", [40], upto=old_head)] == [40]
    with pytest.raises(VersionNotFound) as caught:
        store.read("long", 99)
    assert (caught.value.latest, caught.value.article) == (41, "long")
    assert "41 versions" in str(caught.value)


def test_history_of_commits_made_by_plain_git(store):
    store.init()
    repo, parent = store.path, None
    for n in (1, 2, 3):
        blob = subprocess.run(["git", "--git-dir", str(repo), "hash-object", "-w", "--stdin"],
                              input=f"Paragraph {n}.\n\nMore words here.\n", capture_output=True,
                              text=True, check=True).stdout.strip()
        tree = subprocess.run(["git", "--git-dir", str(repo), "mktree"],
                              input=f"100644 blob {blob}\tarticle.txt\n", capture_output=True,
                              text=True, check=True).stdout.strip()
        args = ["commit-tree", tree, "-m", f"by hand {n}"] + (["-p", parent] if parent else [])
        parent = subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True,
                                text=True, check=True,
                                env={"GIT_AUTHOR_NAME": "h", "GIT_AUTHOR_EMAIL": "h@x",
                                     "GIT_COMMITTER_NAME": "h", "GIT_COMMITTER_EMAIL": "h@x",
                                     "PATH": "/usr/bin:/bin"}).stdout.strip()
    git(repo, "update-ref", "refs/articles/hand", parent)
    assert store.read("hand").version == 3  # no trailer: counted along the chain
    assert [(i.version, i.paragraphs, i.words) for i in store.versions("hand")] == [
        (1, 2, 5), (2, 2, 5), (3, 2, 5)]
    assert [v.paragraphs[0] for v in store.history("hand")] == [
        "Paragraph 1.", "Paragraph 2.", "Paragraph 3."]
    assert store.save("hand", text("Paragraph 4.")).version == 4


def test_listing_keeps_a_fallback_title_so_a_list_reads_no_texts(store, monkeypatch):
    words = " ".join(f"w{k}" for k in range(20))
    store.save("titled", as_json(body="Body text.", headline="A headline"))
    store.list_articles()  # the index now exists, so the next save writes its row
    store.save("plain", text(f"{words}\n\nSecond paragraph."))
    from service.store.objects import ObjectReader

    reads: list[str] = []
    original = ObjectReader.raw
    monkeypatch.setattr(ObjectReader, "raw", lambda self, sha: reads.append(sha) or original(
        self, sha))
    listed = {a.id: a for a in store.list_articles()[0]}
    assert reads == []  # served from the index alone
    expected = " ".join(f"w{k}" for k in range(12)) + " …"
    assert (listed["plain"].headline, listed["plain"].fallback_title) == ("", expected)
    assert listed["titled"].fallback_title == "Body text."
    # the filter finds what the list shows
    assert [a.id for a in store.list_articles(query="w11 …")[0]] == ["plain"]
    store.rebuild_index()  # rebuilt from the refs: the same titles
    rebuilt = {a.id: a.fallback_title for a in store.list_articles()[0]}
    assert rebuilt == {"plain": expected, "titled": "Body text."}


def test_the_store_does_not_import_ingest():
    # Imports point one way (HOUSE-STYLE): ingest's parsers and the web layer use the store.
    import sys

    code = ("import sys, service.store; "
            "print(sorted(m for m in sys.modules if m.startswith('service.ingest')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    assert out == "[]\n"
    from service.ingest import Submission as FromIngest
    from service.store.submission import Submission

    assert FromIngest is Submission


# -- the history table (history.sqlite) and the bound of remembered histories ---------------

def test_a_cold_walk_reads_the_history_table_not_the_chain(long_story, monkeypatch):
    path, texts = long_story
    expected = GitStore(path).versions("long")  # the first walk reads git and fills the table
    assert (path / "writethru" / "history.sqlite").is_file()
    calls = spy_commit_reads(monkeypatch)
    again = GitStore(path).versions("long")  # a fresh process
    assert again == expected and calls == [expected[-1].commit]  # the head alone, to check it
    store = GitStore(path)
    store.save("long", text("A new lede.\n\nThe same second paragraph.\n"))
    calls.clear()
    assert GitStore(path).versions("long")[:-1] == expected and len(calls) == 2  # head, then known


def test_a_ref_moved_by_hand_gives_the_new_chain_s_history(long_story):
    path, texts = long_story
    store = GitStore(path)
    old = store.versions("long")
    store.save("other", text("Another story.\n"))
    store.save("other", text("Another story, updated.\n"))
    other = store.versions("other")
    git(path, "update-ref", "refs/articles/long", other[-1].commit)  # another chain
    assert GitStore(path).versions("long") == other
    git(path, "update-ref", "refs/articles/long", old[6].commit)  # back in time
    assert GitStore(path).versions("long") == old[:7]
    assert GitStore(path).read("long").text == texts[6]


def test_a_damaged_or_wrong_history_table_is_not_trusted(long_story):
    import sqlite3

    path, texts = long_story
    expected = GitStore(path).versions("long")
    table = path / "writethru" / "history.sqlite"
    table.write_bytes(b"not a database at all" * 100)
    assert GitStore(path).versions("long") == expected
    with sqlite3.connect(table) as conn:  # replaced by a good one, the walk's rows in it
        assert conn.execute("SELECT count(*) FROM commits").fetchone() == (len(texts),)
        conn.execute("UPDATE commits SET version = version + 1")  # numbers that do not add up
    assert GitStore(path).versions("long") == expected
    with sqlite3.connect(table) as conn:
        conn.execute("UPDATE commits SET version = version - 1, time = time + 1")  # a wrong head
    assert GitStore(path).versions("long") == expected
    with sqlite3.connect(table) as conn:
        conn.execute("DELETE FROM metas")
    assert GitStore(path).versions("long") == expected


def test_no_history_table_without_the_store_s_folder(long_story):
    import shutil

    path, texts = long_story
    shutil.rmtree(path / "writethru")  # say, a read-only mirror made by git clone --mirror
    assert [v.text for v in GitStore(path).history("long")] == texts
    assert not (path / "writethru").exists()


def test_remembered_histories_stay_within_their_byte_bound():
    import tracemalloc
    from datetime import UTC, datetime

    from service.store.history import HistoryCache, VersionInfo, history_bytes

    def history(k: int) -> tuple[VersionInfo, ...]:
        return tuple(VersionInfo(n + 1, f"{k:08d}{n:032x}", datetime.fromtimestamp(n, UTC),
                                 {"headline": f"Headline {k} {n}", "byline": "By A. Writer",
                                  "source_format": "json"}, 40, 1200) for n in range(5000))

    tracemalloc.start()
    one = history(0)
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    weight = history_bytes(one)
    assert 0.8 * used <= weight <= 2 * used  # follows the bytes (shared keys count per meta)
    cache = HistoryCache(max_bytes=3 * weight + 1000)
    for k in range(8):
        cache.put(f"head{k}", history(k))
        assert cache.held_bytes <= cache.max_bytes
    assert cache.get("head7") is not None and cache.get("head0") is None
    small = HistoryCache(max_bytes=weight // 2)
    small.put("head", one)  # heavier than the whole bound: not kept
    assert small.get("head") is None and small.held_bytes == 0
    assert GitStore("/nonexistent", history_cache_bytes=12345)._histories.max_bytes == 12345


def test_processes_making_the_history_table_at_once_keep_it(tmp_path):
    """Made by several processes at the same moment, the file is made once and never replaced."""
    import multiprocessing
    import sqlite3

    from service.store.history_table import HistoryTable, Known

    path = tmp_path / "history.sqlite"
    start = multiprocessing.get_context("fork").Event()

    def writer(k: int) -> None:
        start.wait()
        table = HistoryTable(path)
        rows = [Known(f"{k:02d}{n:038d}", None, 1, 0, 1, 1, "m") for n in range(50)]
        table.add(rows, {"m": {}})
        os._exit(0 if len(table.chain(rows[-1].id)) == 1 else 1)

    for _ in range(5):
        path.unlink(missing_ok=True)
        procs = [multiprocessing.get_context("fork").Process(target=writer, args=(k,))
                 for k in range(6)]
        for p in procs:
            p.start()
        start.set()
        for p in procs:
            p.join(30)
        start.clear()
        assert [p.exitcode for p in procs] == [0] * 6
        with sqlite3.connect(path) as conn:  # every writer's rows are in the one file
            assert conn.execute("SELECT count(*) FROM commits").fetchone()[0] == 300
