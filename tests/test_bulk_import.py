"""`writethru import` of new articles straight into a pack (store/packs.py), on real repositories.

What comes out must be what GitStore.save writes (same commits for the same input and times),
read back whole by the store and by git, and safe beside a POST, a kill and a full disk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner
from mounts import run_mount, tmpfs

import service.store as store_module
from service.cli import cli
from service.cli.files import load, parse_file
from service.ingest import parse_payload
from service.store import GitStore
from service.store.packs import STAGING_PREFIX

ROOT = Path(__file__).resolve().parent.parent
SEED = sorted((ROOT / "seeds" / "ap-troops-eastern-europe").glob("*.txt"))
T0 = 1_700_000_000_000_000_000
HTML = "<html><body><h1>Talks</h1><p>The minister spoke.</p><p>Talks go on.</p></body></html>"
PAYLOAD = json.dumps({"headline": "Talks go on", "body": "The minister spoke.\n\nTalks go on.",
                      "byline": "A. Writer"})


def git(repo: Path, *args: str) -> str:
    """Run git on repo; return its stdout (fails the test on a non-zero exit)."""
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout


def make_tree(root: Path, articles: dict[str, list[tuple[str, str]]]) -> Path:
    """Write one folder per article, one (suffix, content) file per version."""
    for article_id, versions in articles.items():
        folder = root / article_id
        folder.mkdir(parents=True)
        for k, (suffix, content) in enumerate(versions):
            (folder / f"{k:03d}{suffix}").write_text(content, encoding="utf-8")
    return root


def mixed_tree(root: Path) -> Path:
    """Articles in every format, with sources, identical consecutive versions and growth."""
    seed = SEED[0].read_text(encoding="utf-8")
    return make_tree(root, {
        "alpha": [(".txt", "A one."), (".txt", "A one.\n\nA two."), (".txt", "A one.\n\nA two.")],
        "beta": [(".html", HTML), (".json", PAYLOAD), (".txt", "  Talks go on.  \n\n\n")],
        "seed-story": [(".txt", seed), (".txt", seed + "\n\nA last line.")],
        "gamma": [(".json", json.dumps({"body": "G one.", "headline": "G", "label": "Update"}))],
    })


def runner(store_path: Path):
    """Return a function invoking the CLI in-process on store_path."""
    def invoke(*args):
        return CliRunner().invoke(cli, ["--store", str(store_path), *map(str, args)],
                                  catch_exceptions=False)
    return invoke


def expected_versions(tree: Path, article_id: str):
    """Return the Submissions of a folder's files, identical consecutive ones dropped."""
    with click.Context(cli, obj={"MAX_PARAGRAPHS": 50_000}):
        subs = [parse_file(p) for p in sorted((tree / article_id).iterdir())]
    out = []
    for sub in subs:
        if not out or (out[-1].text, out[-1].meta) != (sub.text, sub.meta):
            out.append(sub)
    return out


def test_bulk_import_reads_back_whole_through_the_store_and_git(store_path, tmp_path):
    tree = mixed_tree(tmp_path / "tree")
    result = runner(store_path)("import", tree, "--no-progress")
    assert result.exit_code == 0, result.output
    assert "4 articles" in result.stdout and "8 new versions, 1 identical" in result.stdout
    store = GitStore(store_path)
    for article_id in ("alpha", "beta", "seed-story", "gamma"):
        wanted = expected_versions(tree, article_id)
        infos = store.versions(article_id)
        assert [i.version for i in infos] == list(range(1, len(wanted) + 1))
        for n, sub in enumerate(wanted, start=1):
            version = store.read(article_id, n)
            assert version.text == sub.text
            assert version.paragraphs == sub.paragraphs
            assert store.sources(article_id, n) == sub.sources
            # git reads the same bytes
            blob = git(store_path, "cat-file", "-p", f"{version.commit}:article.txt")
            assert blob == sub.text
            message = git(store_path, "cat-file", "commit", version.commit)
            assert f"Writethru-Version: {n}\n" in message
    assert store.sources("beta", 1)["source/body.html"] == HTML.encode()
    assert git(store_path, "fsck", "--strict", "--no-dangling") == ""
    # Packed: no loose objects, every ref in packed-refs, no staging folder left behind.
    assert git(store_path, "count-objects", "-v").splitlines()[0] == "count: 0"
    assert "refs/articles/alpha" in (store_path / "packed-refs").read_text()
    assert not list((store_path / "writethru").glob(f"{STAGING_PREFIX}*"))
    log = git(store_path, "log", "--format=%s", "refs/articles/alpha")
    assert log.splitlines() == ["alpha v2: A one. A two.", "alpha v1: A one."]


def test_bulk_commits_are_those_save_writes_for_the_same_input_and_times(tmp_path, monkeypatch):
    tree = mixed_tree(tmp_path / "tree")
    ticks = [T0 + k * 1_000_000_007 for k in range(100)]
    packed = GitStore(tmp_path / "packed.git", durable=False)
    bulk = packed.bulk_import()
    bulk.clock = iter(ticks).__next__
    with click.Context(cli, obj={"MAX_PARAGRAPHS": 50_000}):
        for folder in sorted(tree.iterdir()):
            bulk.add(folder.name, [parse_file(p) for p in sorted(folder.iterdir())])
    heads = bulk.finish()
    assert bulk.publish(heads) == []
    bulk.close()

    saved = GitStore(tmp_path / "saved.git", durable=False)
    monkeypatch.setattr(store_module, "time", SimpleNamespace(time_ns=iter(ticks).__next__))
    with click.Context(cli, obj={"MAX_PARAGRAPHS": 50_000}):
        for folder in sorted(tree.iterdir()):
            for path in sorted(folder.iterdir()):
                saved.save(folder.name, parse_file(path))
    for article_id in heads:
        assert heads[article_id] == saved.head(article_id)
        assert ([i.commit for i in packed.versions(article_id)]
                == [i.commit for i in saved.versions(article_id)])


def test_history_listing_and_diff_work_after_a_bulk_import(store_path, tmp_path):
    run = runner(store_path)
    assert run("import", mixed_tree(tmp_path / "tree")).exit_code == 0
    listed, _ = GitStore(store_path).list_articles(limit=10)
    assert sorted(a.id for a in listed) == ["alpha", "beta", "gamma", "seed-story"]
    assert {a.id: a.versions for a in listed}["beta"] == 3
    log = run("log", "alpha")
    assert [line.split()[0] for line in log.stdout.splitlines()] == ["v2", "v1"]
    diff = run("diff", "alpha", "1", "2")
    assert diff.exit_code == 0 and "A two." in diff.stdout
    # A later save builds on the imported head as on any other.
    saved = GitStore(store_path).save("alpha", parse_payload(b"A one.\n\nA three.", "text/plain"))
    assert (saved.version, saved.created) == (3, True)


def test_a_bad_file_stops_the_import_before_anything_is_written(store_path, tmp_path):
    tree = mixed_tree(tmp_path / "tree")
    make_tree(tree, {"zz-last": [(".txt", "Fine."), (".json", "{not json")]})
    run = runner(store_path)
    result = run("import", tree, "--no-progress")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"Error: {tree}/zz-last/001.json: ")
    assert git(store_path, "for-each-ref") == ""
    assert not list((store_path / "objects" / "pack").glob("*.pack"))
    assert not list((store_path / "writethru").glob(f"{STAGING_PREFIX}*"))


class PostDuringImport(GitStore):
    """A store whose bulk import lets a POST of "alpha" in once its pack is in the store."""

    def bulk_import(self):
        """Return the import, its publish step preceded by a save from another store object."""
        bulk = super().bulk_import()
        publish = bulk.publish

        def post_then_publish(heads, *args):
            GitStore(self.path).save("alpha", parse_payload(b"Posted meanwhile.", "text/plain"))
            return publish(heads, *args)

        bulk.publish = post_then_publish
        return bulk


def test_a_post_during_the_import_of_the_same_article_loses_neither(store_path, tmp_path):
    tree = mixed_tree(tmp_path / "tree")
    store = PostDuringImport(store_path, durable=False)
    with click.Context(cli, obj={"MAX_PARAGRAPHS": 50_000}):
        counts = load(store, tree, progress=False)
    assert counts == {"articles": 4, "created": 8, "identical": 1, "present": 0}
    texts = [v.text for v in store.history("alpha")]
    assert texts == ["Posted meanwhile.\n", "A one.\n", "A one.\n\nA two.\n"]
    assert [v.text for v in store.history("gamma")] == ["G one.\n"]
    assert git(store_path, "fsck", "--strict", "--no-dangling") == ""
    assert sorted(a.id for a in store.list_articles()[0]) == ["alpha", "beta", "gamma",
                                                              "seed-story"]


def big_tree(root: Path, articles: int, versions: int = 10) -> Path:
    """Write many growing articles from the seed paragraphs (enough to take a while to pack)."""
    paragraphs = SEED[1].read_text(encoding="utf-8").split("\n\n")
    for n in range(articles):
        folder = root / f"story-{n:05d}"
        folder.mkdir(parents=True)
        for k in range(versions):
            body = [f"Story {n}, take {k}: {paragraphs[0]}", *paragraphs[1 + n % 5:6 + k + n % 5]]
            (folder / f"{k:02d}.txt").write_text("\n\n".join(body), encoding="utf-8")
    return root


def import_process(store_path: Path, tree: Path) -> subprocess.Popen:
    """Start `writethru import` as its own process group (the fast-import child dies with it)."""
    return subprocess.Popen([sys.executable, "-m", "service.cli", "--store", str(store_path),
                             "import", str(tree), "--no-progress"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


@pytest.mark.slow
def test_an_import_killed_while_writing_its_pack_leaves_nothing_half_written(store_path,
                                                                            tmp_path):
    tree = big_tree(tmp_path / "tree", 600)
    proc = import_process(store_path, tree)
    # Wait until fast-import is writing the pack in the staging folder, then kill everything.
    packs = store_path / "writethru"
    while proc.poll() is None and not any(
            p.stat().st_size > 100_000 for p in packs.glob(f"{STAGING_PREFIX}*/objects/pack/tmp_pack_*")):
        time.sleep(0.01)
    assert proc.poll() is None, "the import ended before it could be killed; make the tree bigger"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()

    assert git(store_path, "for-each-ref") == ""
    assert not list((store_path / "objects" / "pack").glob("*.idx"))
    assert git(store_path, "fsck", "--strict") == ""
    assert GitStore(store_path).list_articles() == ([], None)

    result = runner(store_path)("import", tree, "--no-progress")
    assert result.exit_code == 0, result.output
    assert "600 articles" in result.stdout and "6000 new versions" in result.stdout
    assert not list(packs.glob(f"{STAGING_PREFIX}*"))  # the dead import's leftovers are gone
    assert len(GitStore(store_path).versions("story-00599")) == 10
    assert git(store_path, "fsck", "--strict", "--no-dangling") == ""


@pytest.fixture
def small_disk(tmp_path):
    """Yield a folder on a fresh 2 MiB tmpfs, unmounted afterwards."""
    with tmpfs(tmp_path / "disk", 2) as mount:
        yield mount


def full_disk_tree(root: Path, fresh_words: bool) -> Path:
    """400 articles x 10 versions of random words: fresh words per version pack badly (the
    pack fills the disk); shared ones delta well (the pack fits, its 400 refs do not)."""
    shared = [os.urandom(6).hex() for _ in range(2000)]

    def text(n: int, k: int) -> str:
        if fresh_words:
            return " ".join(os.urandom(6).hex() for _ in range(150))
        return " ".join(shared[(n + k) % 1500:(n + k) % 1500 + 300])

    return make_tree(root, {f"story-{n:03d}": [(".txt", text(n, k)) for k in range(10)]
                            for n in range(400)})


@pytest.mark.parametrize("fills", ["pack", "refs"])
def test_a_disk_that_fills_fails_the_import_clearly_and_acknowledges_nothing_missing(
        small_disk, tmp_path, fills):
    store_path = small_disk / "store.git"
    run = runner(store_path)
    tree = full_disk_tree(tmp_path / "tree", fresh_words=fills == "pack")
    result = run("import", tree, "--no-progress")
    assert result.exit_code == 1
    assert "disk is full" in result.stderr
    refs = git(store_path, "for-each-ref", "--format=%(refname:short)").split()
    if fills == "pack":
        assert refs == []  # the pack never reached the store, so no ref moved
    else:
        assert 0 < len(refs) < 400
    # Every ref there names versions that read back whole; nothing half-written is visible.
    store = GitStore(store_path)
    for ref in refs:
        article_id = ref.rpartition("/")[2]
        assert [v.text for v in store.history(article_id)] == [
            v.text for v in expected_versions(tree, article_id)]
    # --no-dangling: commits of articles whose ref found no room are garbage for git gc.
    assert git(store_path, "fsck", "--strict", "--no-dangling") == ""
    assert not list((store_path / "writethru").glob(f"{STAGING_PREFIX}*"))
    # Once there is room, the same import completes what the first one could not.
    run_mount(["mount", "-o", "remount,size=64m", str(small_disk)], "a bigger tmpfs")
    again = run("import", tree, "--no-progress")
    assert again.exit_code == 0, again.output
    assert f"{4000 - 10 * len(refs)} new versions" in again.stdout
    assert len(git(store_path, "for-each-ref", "refs/articles").splitlines()) == 400
    assert git(store_path, "fsck", "--strict", "--no-dangling") == ""


def test_articles_the_store_has_take_the_save_path_beside_packed_new_ones(store_path, tmp_path):
    store = GitStore(store_path)
    store.save("alpha", parse_payload(b"A one.", "text/plain"))
    result = runner(store_path)("import", mixed_tree(tmp_path / "tree"), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "7 new versions, 1 identical, 1 already present" in result.stdout
    assert [v.text for v in store.history("alpha")] == ["A one.\n", "A one.\n\nA two.\n"]
    assert len(store.versions("beta")) == 3
    assert git(store_path, "fsck", "--strict", "--no-dangling") == ""


def test_a_live_import_keeps_its_staging_folder_while_another_starts(store_path):
    store = GitStore(store_path, durable=False)
    first = store.bulk_import()
    second = store.bulk_import()
    try:
        assert first.staging.is_dir() and second.staging.is_dir()
    finally:
        first.abort()
        second.abort()
    assert not list((store_path / "writethru").glob(f"{STAGING_PREFIX}*"))


def test_maintenance_waits_its_turn_while_an_import_runs(store_path):
    """git gc beside an import could prune an object fast-import left out: it skips instead."""
    store = GitStore(store_path, durable=False)
    store.init()
    bulk = store.bulk_import()
    try:
        assert store.maintain().skipped  # the import holds the maintenance lock, shared
    finally:
        bulk.abort()
    assert not store.maintain().skipped  # released with the import


def test_a_long_story_comes_out_of_the_import_with_its_diff_facts(store_path, tmp_path,
                                                                   monkeypatch):
    """A story of LONG_HISTORY versions or more is diffed once at import, not by its first reader."""
    from service.cli.files import LONG_HISTORY
    from service.config import DEFAULT_PROMO_PATTERN
    from service.diff import Differ
    from service.diff import differ as differ_module

    count = LONG_HISTORY + 6
    grown = [" ".join(f"Paragraph {k} of the live blog." for k in range(n + 1))
             for n in range(count)]
    tree = make_tree(tmp_path / "tree", {
        "live": [(".txt", "\n\n".join(g.split(" of the live blog.")[:n + 1]))
                 for n, g in enumerate(grown)],
        "short": [(".txt", "One."), (".txt", "One.\n\nTwo.")],
    })
    result = runner(store_path)("import", "--no-progress", tree)
    assert result.exit_code == 0, result.output
    diffs = []
    original = differ_module.diff_paragraphs
    monkeypatch.setattr(differ_module, "diff_paragraphs",
                        lambda *a, **k: diffs.append(1) or original(*a, **k))
    store = GitStore(store_path)
    # A new process's Differ, as the app makes it (the facts are keyed by the promo pattern).
    differ = Differ(store, DEFAULT_PROMO_PATTERN, facts=Differ.facts_beside(store_path))
    annotation, latest = differ.annotate("live")
    assert latest.version == count and len(annotation) == count
    assert differ.change_stats("live", store.versions("live"))[-1]["added"] == 1
    assert diffs == []  # every fact came from the file the import wrote
    differ.annotate("short")
    assert diffs == [1]  # a short story is left to its first reader: one diff
