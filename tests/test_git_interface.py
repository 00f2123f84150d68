"""git as an interface: a plain clone finds a README branch, commits carry byline and publisher time.

Real bare stores in tmp_path, read with the git binary (and GitPython where named).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import git as gitpython
import pytest

from service.ingest import parse_payload
from service.store import GitStore
from service.store.authors import MAX_NAME
from service.store.guide import BRANCH
from service.store.submission import Submission

ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
LOG = "--format=%an|%ae|%ad|%cn|%ce|%cd|%ct"


def git(*args: str | Path, cwd: Path | None = None) -> str:
    """Run plain git (no user or system config) and return its output."""
    return subprocess.run(["git", *map(str, args)], capture_output=True, text=True, check=True,
                          env=ENV, cwd=cwd).stdout


def log(repo: Path, ref: str) -> list[list[str]]:
    """Return each version's author and committer fields, oldest first."""
    out = git("--git-dir", repo, "log", "--reverse", LOG, "--date=iso-strict", ref)
    return [line.split("|") for line in out.splitlines()]


def story(body: str, **fields: str) -> Submission:
    """Return a JSON submission as a publisher sends it."""
    return parse_payload(json.dumps({"body": body, **fields}).encode(), "application/json")


@pytest.fixture
def store(tmp_path) -> GitStore:
    return GitStore(tmp_path / "store.git", durable=False)


def test_a_plain_clone_shows_the_readme_and_a_fetch_gets_every_story(store, tmp_path):
    store.save("ap-troops", story("One.", byline="By Jane Doe"))
    store.save("ap-troops", story("One.\n\nTwo.", byline="By Jane Doe"))
    store.save("reuters-vote", story("Polls open."))
    work = tmp_path / "work"
    cloned = subprocess.run(["git", "clone", str(store.path), str(work)], capture_output=True,
                            text=True, env=ENV)
    assert cloned.returncode == 0 and "empty repository" not in cloned.stderr
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=work).strip() == "main"
    readme = (work / "README.md").read_text()
    for needed in ("refs/articles/<id>", "article.txt", "meta.json", "source/",
                   "git fetch origin 'refs/articles/*:refs/articles/*'", "git clone --mirror",
                   "git log refs/articles/<id>", "--word-diff"):
        assert needed in readme
    assert git("for-each-ref", "refs/articles", cwd=work) == ""  # not fetched by a clone
    git("fetch", "origin", "refs/articles/*:refs/articles/*", cwd=work)
    fetched = git("for-each-ref", "--format=%(refname)", "refs/articles", cwd=work).split()
    assert fetched == ["refs/articles/ap-troops", "refs/articles/reuters-vote"]
    assert git("rev-list", "--count", "refs/articles/ap-troops", cwd=work) == "2\n"
    assert git("show", "refs/articles/ap-troops:article.txt", cwd=work) == "One.\n\nTwo.\n"
    mirror = tmp_path / "mirror.git"
    git("clone", "--mirror", store.path, mirror)
    assert "refs/articles/reuters-vote" in git("--git-dir", mirror, "for-each-ref")


def test_author_is_the_byline_at_the_publishers_time_committer_is_writethru(store):
    byline = "By Jane Doe and John Roe, Associated Press"
    store.save("a1", story("One.", byline=byline, published_at="2022-02-02T14:05:00+05:30"))
    store.save("a1", story("One. Two.", byline=byline, published_at="2022-02-02T14:05:00+05:30",
                           updated_at="2022-02-03T09:00:00.250-08:00"))
    rows = log(store.path, "refs/articles/a1")
    assert [r[:3] for r in rows] == [
        ["Jane Doe and John Roe, Associated Press", "", "2022-02-02T14:05:00+05:30"],
        ["Jane Doe and John Roe, Associated Press", "", "2022-02-03T09:00:00-08:00"]]
    assert {(r[3], r[4]) for r in rows} == {("writethru", "writethru@localhost")}
    # Every reader keeps the committer's (ingest) time.
    infos = store.versions("a1")
    assert [int(r[6]) for r in rows] == [int(i.created_at.timestamp()) for i in infos]
    assert [r[5].endswith("+00:00") for r in rows] == [True, True]
    assert store.read("a1", 1).created_at == infos[0].created_at
    # GitPython reads the same: authored_* is the publisher's, committed_* the ingest.
    commit = gitpython.Repo(store.path).commit("refs/articles/a1")
    assert commit.author.name == rows[1][0] and commit.author.email == ""
    assert commit.author_tz_offset == 8 * 3600 and commit.committed_date == int(rows[1][6])
    listed, _ = store.list_articles()
    assert [a.updated_at for a in listed] == [infos[1].created_at]


def test_no_byline_and_no_time_give_writethru_at_ingest_time(store):
    store.save("plain", story("Just text."))
    store.save("plain", Submission(["Other."], {"headline": "H", "publisher": "Acme News"}))
    first, second = log(store.path, "refs/articles/plain")
    assert first[:2] == ["writethru", "writethru@localhost"] and first[2] == first[5]
    assert second[:2] == ["Acme News", ""] and second[2] == second[5]


@pytest.mark.parametrize("byline", [
    "Jane Doe\ncommitter Evil <evil@example.com> 0 +0000",
    "Jane <jane@example.com> Doe",
    "x" * 2048,
    ("Zoë Ørsted and 李小龍 " * 120).strip(),
    "Jane\u2028Doe\x00\x7f\r\tRoe",
    "By ",
    "<>",
], ids=["header-injection", "angle-brackets", "2kb", "unicode-long", "separators", "by-only",
        "brackets-only"])
def test_nasty_bylines_are_stored_safely(store, byline):
    store.save("nasty", Submission(["Text."], {"byline": byline}))
    raw = git("--git-dir", store.path, "cat-file", "commit", "refs/articles/nasty")
    header = raw.split("\n\n", 1)[0].splitlines()
    assert [line.split(" ", 1)[0] for line in header] == ["tree", "author", "committer"]
    assert git("--git-dir", store.path, "fsck", "--strict", "--no-dangling") == ""
    (row,) = log(store.path, "refs/articles/nasty")
    name = row[0]
    assert name and len(name) <= MAX_NAME and not set(name) & set("<>\n\r\x00")
    assert row[3] == "writethru"
    if not byline.strip("By <>"):
        assert row[:2] == ["writethru", "writethru@localhost"]
    else:
        assert row[1] == ""
    assert gitpython.Repo(store.path).commit("refs/articles/nasty").author.name == name
    assert store.read("nasty").meta["byline"] == byline  # meta.json keeps it as sent


@pytest.mark.parametrize("when", ["not a time", "2022-02-02T14:05:00", "1900-01-01T00:00:00Z",
                                  "2022-02-30T10:00:00Z", ""])
def test_unusable_publisher_times_fall_back_to_ingest_time(store, when):
    store.save("t", Submission(["Text."], {"byline": "Jane Doe", "updated_at": when}))
    (row,) = log(store.path, "refs/articles/t")
    assert row[0] == "Jane Doe" and row[2] == row[5]


def test_lower_case_rfc3339_and_published_at_alone(store):
    store.save("t", Submission(["Text."], {"byline": "J", "published_at": "2021-06-01t08:30:00z"}))
    assert log(store.path, "refs/articles/t")[0][2] == "2021-06-01T08:30:00+00:00"


def test_bulk_import_writes_the_same_authors_and_the_guide_in_its_pack(tmp_path):
    versions = {
        "a1": [story("One.", byline="By Jane Doe", published_at="2022-02-02T14:05:00+05:30"),
               story("One. Two.", byline="By Jane Doe", updated_at="2022-02-03T09:00:00Z")],
        "b2": [Submission(["Plain."], {}), Submission(["Nasty."], {"byline": "A\n<b>" * 600})],
    }
    saved = GitStore(tmp_path / "saved.git", durable=False)
    for article_id, subs in versions.items():
        for sub in subs:
            saved.save(article_id, sub)
    packed = GitStore(tmp_path / "packed.git", durable=False)
    bulk = packed.bulk_import()
    for article_id, subs in versions.items():
        bulk.add(article_id, subs)
    heads = bulk.finish()
    assert bulk.publish(heads) == []
    bulk.close()
    for article_id in versions:
        ref = f"refs/articles/{article_id}"
        assert ([r[:5] for r in log(packed.path, ref)] == [r[:5] for r in log(saved.path, ref)])
    assert log(packed.path, "refs/articles/b2")[0][:2] == ["writethru", "writethru@localhost"]
    # The guide came in the pack: nothing loose, and a clone is not empty.
    assert git("--git-dir", packed.path, "count-objects", "-v").splitlines()[0] == "count: 0"
    assert git("--git-dir", packed.path, "symbolic-ref", "HEAD").strip() == BRANCH
    assert "refs/articles/*" in git("--git-dir", packed.path, "show", "main:README.md")
    assert git("--git-dir", packed.path, "fsck", "--strict", "--no-dangling") == ""


def forget_guide(path: Path, head: str = "refs/heads/master") -> None:
    """Make a store look like one from before the guide: no main branch, HEAD unborn."""
    git("--git-dir", path, "update-ref", "-d", BRANCH)
    git("--git-dir", path, "symbolic-ref", "HEAD", head)


def test_an_older_store_gains_the_guide_and_lists_only_articles(tmp_path):
    path = tmp_path / "old.git"
    GitStore(path, durable=False).save("a1", story("One."))
    forget_guide(path)
    reader = GitStore(path)
    assert [a.id for a in reader.list_articles()[0]] == ["a1"]
    assert git("--git-dir", path, "for-each-ref", "refs/heads") == ""  # reads write nothing
    GitStore(path).save("b2", story("Two."))
    assert git("--git-dir", path, "symbolic-ref", "HEAD").strip() == BRANCH
    first = git("--git-dir", path, "rev-parse", BRANCH)
    GitStore(path).save("c3", story("Three."))
    assert git("--git-dir", path, "rev-parse", BRANCH) == first  # made once, never rewritten
    store = GitStore(path)
    assert sorted(a.id for a in store.list_articles()[0]) == ["a1", "b2", "c3"]
    store.rebuild_index()
    assert sorted(a.id for a in store.list_articles()[0]) == ["a1", "b2", "c3"]
    assert store.fsck().whole
    # `writethru maintain` gives it too, and packs it with the rest.
    forget_guide(path)
    assert not store.maintain().skipped
    assert git("--git-dir", path, "ls-tree", "--name-only", "main") == "README.md\n"
    assert "refs/heads/main" in (path / "packed-refs").read_text()
    assert sorted(a.id for a in GitStore(path).list_articles()[0]) == ["a1", "b2", "c3"]


def test_a_head_naming_someones_branch_or_a_commit_is_left_alone(tmp_path):
    path = tmp_path / "own.git"
    GitStore(path, durable=False).save("a1", story("One."))
    forget_guide(path, "refs/heads/notes")
    commit = git("--git-dir", path, "rev-parse", "refs/articles/a1").strip()
    git("--git-dir", path, "update-ref", "refs/heads/notes", commit)
    GitStore(path).save("a1", story("One. Two."))
    assert git("--git-dir", path, "symbolic-ref", "HEAD").strip() == "refs/heads/notes"
    assert git("--git-dir", path, "for-each-ref", "--format=%(refname)", "refs/heads") == (
        "refs/heads/notes\n")
    # Detached HEAD: someone's choice too.
    git("--git-dir", path, "update-ref", "--no-deref", "HEAD", commit)
    git("--git-dir", path, "update-ref", "-d", "refs/heads/notes")
    GitStore(path).save("b2", story("Two."))
    assert git("--git-dir", path, "for-each-ref", "refs/heads") == ""
