"""The Differ's caches: keyed by commits, so a second ask computes nothing; options are part of the key."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from mounts import read_only_mount

from service.diff import Differ, parse_ignore
from service.diff import differ as differ_module
from service.diff import facts as facts_module
from service.ingest import parse_payload
from service.lru import LRU
from service.store import ArticleNotFound, GitStore, VersionNotFound


def save(store, article_id: str, *texts: str) -> None:
    """Save each text as the next version."""
    for text in texts:
        store.save(article_id, parse_payload(text.encode(), "text/plain"))


@pytest.fixture
def differ(store):
    """Return a Differ on the test's store: its caches start empty and die with the test."""
    return Differ(store)


def test_second_diff_of_the_same_commits_is_a_hit(store, differ):
    save(store, "story", "One.\n\nTwo.", "One.\n\nTwo, edited.\n\nThree.")
    first, old, new = differ.compare("story", 1, 2)
    assert (old.version, new.version) == (1, 2)
    assert first.stats["added"] == 1 and first.stats["changed"] == 1
    again, _, _ = differ.compare("story", 1, "latest")
    assert again is first
    assert differ.cache_counts() == {"hits": 1, "misses": 1}
    typo, _, _ = differ.compare("story", 1, 2, ignore=parse_ignore("typography"))
    assert typo is not first
    assert differ.cache_counts() == {"hits": 1, "misses": 2}


def test_empty_story_on_the_left(store, differ):
    save(store, "story", "One.\n\nTwo.")
    diff, old, new = differ.compare("story", 0, 1)
    assert old is None and new.version == 1
    assert diff.stats["added"] == 2


def test_change_stats_reuses_cached_diffs(store, differ):
    save(store, "story", "One.", "One.\n\nTwo.", "One.\n\nTwo.\n\nThree.")
    infos = store.versions("story")
    stats = differ.change_stats("story", infos)
    assert stats[0] is None and [s["added"] for s in stats[1:]] == [1, 1]
    misses = differ.cache_counts()["misses"]
    differ.change_stats("story", infos)
    assert differ.cache_counts()["misses"] == misses


def test_annotate_is_cached_by_the_commit_of_the_version(store, differ):
    save(store, "story", "One.", "One.\n\nTwo.")
    first, version = differ.annotate("story", 2)
    assert version.version == 2
    assert [(p["first_version"], p["last_changed_version"]) for p in first] == [(1, 1), (2, 2)]
    again, _ = differ.annotate("story", "latest")
    assert again is first


def test_store_errors_pass_through(store, differ):
    save(store, "story", "One.")
    with pytest.raises(ArticleNotFound):
        differ.compare("nothing", 1, 2)
    with pytest.raises(VersionNotFound):
        differ.compare("story", 1, 2)


def test_lru_drops_the_least_recently_used():
    lru = LRU(2)
    computed = []

    def value(key):
        return lambda: computed.append(key) or key.upper()

    assert lru.get("a", value("a")) == "A"
    lru.get("b", value("b"))
    lru.get("a", value("a"))  # a is now the most recent
    lru.get("c", value("c"))  # evicts b
    lru.get("a", value("a"))
    lru.get("b", value("b"))
    assert computed == ["a", "b", "c", "b"]


# -- long histories ------------------------------------------------------------------------

@pytest.fixture
def long_story(store):
    """An article of 30 versions, each editing one paragraph, and its texts."""
    texts = [f"Lede, take {n}.\n\nSecond paragraph.\n\nThird, edit {n // 3}." for n in range(30)]
    save(store, "long", *texts)
    return texts


@pytest.fixture
def spied(store, monkeypatch):
    """Count the store's reads and the diffs computed (spies on the real calls, not mocks)."""
    counts = {"read": 0, "read_many": 0, "diffs": 0}
    for name in ("read", "read_many"):
        original = getattr(store, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(store, name, spy)
    original_diff = differ_module.diff_paragraphs

    def diff(*args, **kwargs):
        counts["diffs"] += 1
        return original_diff(*args, **kwargs)

    monkeypatch.setattr(differ_module, "diff_paragraphs", diff)
    return counts


def test_change_stats_of_a_history_longer_than_the_diff_lru_stay_cached(
        store, long_story, spied, monkeypatch, differ):
    # A diff LRU smaller than the history, as the default is for a long live blog.
    monkeypatch.setattr(differ._diffs, "max_weight", 8_000)
    infos = store.versions("long")
    first = differ.change_stats("long", infos)
    assert first[0] is None and [s["changed"] for s in first[1:4]] == [1, 1, 2]
    # one walk of the chain for every pair, never a read per version
    assert (spied["read"], spied["read_many"], spied["diffs"]) == (0, 1, 29)
    assert differ.sizes()["diffs"] == 0  # a pass over a history leaves the diff LRU alone
    again = differ.change_stats("long", infos)
    assert again == first
    assert (spied["read"], spied["read_many"], spied["diffs"]) == (0, 1, 29)


def test_change_stats_reuse_full_diffs_and_read_only_the_missing_pairs(store, long_story, spied, differ):
    differ.compare("long", 29, 30)
    infos = store.versions("long")
    before = dict(spied)
    stats = differ.change_stats("long", infos[-3:])
    assert stats[0] is None and len(stats) == 3
    # pair 28->29 computed; 29->30 came from the full-diff cache
    assert spied["diffs"] - before["diffs"] == 1 and spied["read_many"] - before["read_many"] == 1


def test_annotate_is_built_from_consecutive_diffs_reusing_cached_ones(store, long_story, spied, differ):
    for k in range(1, 30):
        differ.compare("long", k, k + 1)
    computed = spied["diffs"]
    annotation, target = differ.annotate("long", "latest")
    assert spied["diffs"] == computed  # every diff it needed was cached
    history = [list(v.paragraphs) for v in store.history("long")]
    assert annotation == diffing_annotate(history)
    assert target.version == 30
    assert [(p["first_version"], p["last_changed_version"]) for p in annotation] == [
        (1, 30), (1, 1), (1, 28)]


def test_annotate_cold_reads_the_history_once_and_keeps_the_diff_lru_clean(store, long_story, spied, differ):
    annotation, _ = differ.annotate("long", 12)
    assert (spied["read"], spied["read_many"], spied["diffs"]) == (1, 1, 11)
    # the target's provenance is remembered (and every CHECKPOINT-th version's: none here)
    assert differ.sizes() == {"diffs": 0, "stats": 11, "annotations": 1, "provenances": 1}
    history = [list(v.paragraphs) for v in store.history("long")][:12]
    assert annotation == diffing_annotate(history)
    # the stats it computed serve a timeline too
    before = spied["diffs"]
    differ.change_stats("long", store.versions("long")[:12])
    assert spied["diffs"] == before


def test_caches_are_bounded_by_bytes_by_default(differ):
    bounds = {name: bound for name, (_, bound) in differ.weights().items()}
    assert bounds["diffs"] == differ_module.DIFFS_BYTES
    assert bounds["stats"] == differ_module.STATS_BYTES
    assert bounds["annotations"] + bounds["provenances"] == differ_module.ANNOTATIONS_BYTES
    assert sum(bounds.values()) <= 64 * 1024 * 1024


def test_annotate_missing_version(store, long_story, differ):
    with pytest.raises(VersionNotFound) as caught:
        differ.annotate("long", 31)
    assert caught.value.latest == 30


def diffing_annotate(history):
    """The reference: annotate computed from scratch over every version."""
    from service.diff import annotate

    return annotate(history)


def test_lru_bounded_by_weight_keeps_what_fits_and_never_a_giant():
    lru = LRU(100, weigh=len)
    lru.put("a", "x" * 40)
    lru.put("b", "y" * 40)
    lru.put("c", "z" * 40)  # 120 > 100: a, the least recently used, goes
    assert lru.peek("a") is None and lru.peek("b") and lru.peek("c")
    assert lru.weight == 80
    lru.put("giant", "g" * 101)  # heavier than the whole bound: returned by get, never kept
    assert lru.peek("giant") is None and lru.weight == 80
    assert lru.get("giant2", lambda: "h" * 200) == "h" * 200 and len(lru) == 2
    lru.put("b", "short")  # replacing an entry gives back its weight
    assert lru.weight == 45


def test_size_of_follows_the_bytes_held():
    from service.lru import size_of

    small, big = size_of({"rows": ["a" * 10]}), size_of({"rows": ["a" * 10_000]})
    assert 9_000 < big - small < 11_000
    assert size_of([{"x": 1}] * 3) > size_of([{"x": 1}])


# -- facts kept on disk: a long history is diffed once, in any process -------------------------

def fresh(store_path, **kwargs) -> Differ:
    """Return a Differ on a new GitStore of the same files: what a new process starts with."""
    return Differ(GitStore(store_path), facts=Differ.facts_beside(store_path), **kwargs)


def provenances(annotation) -> list[tuple[int, int]]:
    """Return (first version, last changed version) per paragraph."""
    return [(p["first_version"], p["last_changed_version"]) for p in annotation]


def reference(store, article_id: str, n: int) -> list[dict]:
    """Return version n's annotation computed from scratch by the engine alone."""
    return diffing_annotate([list(v.paragraphs) for v in store.history(article_id)][:n])


def test_facts_survive_a_new_differ_which_then_diffs_nothing(store, store_path, long_story, spied):
    first = fresh(store_path)
    annotation, _ = first.annotate("long", "latest")
    stats = first.change_stats("long", store.versions("long"))
    assert spied["diffs"] == 29  # the walk kept every pair's stats: the timeline diffed nothing
    assert Differ.facts_beside(store_path).is_file()
    second = fresh(store_path)
    assert second.change_stats("long", store.versions("long")) == stats
    for n in (30, 12, 2, 1):
        got, version = second.annotate("long", n)
        assert got == reference(store, "long", n) and version.version == n
    assert annotation == reference(store, "long", 30)
    assert spied["diffs"] == 29


def test_a_new_version_costs_one_diff_however_long_the_history(store, store_path, long_story,
                                                                 spied):
    fresh(store_path).annotate("long", "latest")
    save(store, "long", "Lede, take 29.\n\nSecond paragraph, now edited.\n\nThird, edit 9.")
    before = spied["diffs"]
    differ = fresh(store_path)  # another process: it knows only what the file holds
    got, version = differ.annotate("long", "latest")
    assert version.version == 31 and spied["diffs"] - before == 1
    assert got == reference(store, "long", 31)
    assert provenances(got) == [(1, 30), (1, 31), (1, 28)]
    differ.change_stats("long", fresh(store_path).store.versions("long"))
    assert spied["diffs"] - before == 1  # the step kept the stats of 30 -> 31 too


def test_record_after_each_save_leaves_nothing_to_diff(store, store_path, spied, caplog):
    differ = fresh(store_path)
    texts = ["One.", "One.\n\nTwo.", "One, edited.\n\nTwo.", "Two.\n\nOne, edited.", "Two. One."]
    for n, text in enumerate(texts, start=1):
        save(store, "story", text)
        differ.record("story", n, store.head("story"))
    assert spied["diffs"] == 4  # one a version after the first
    later = fresh(store_path)
    stats = later.change_stats("story", store.versions("story"))
    assert [s["added"] if s else None for s in stats] == [None, 1, 0, 0, 0]
    for n in range(1, 6):
        assert later.annotate("story", n)[0] == reference(store, "story", n)
    assert spied["diffs"] == 4
    # The diff it made is what a reader asks for next: the latest against the one before.
    assert differ.compare("story")[0].stats == stats[-1] and spied["diffs"] == 4
    with caplog.at_level("ERROR"):
        differ.record("no-such-story", 3)  # logged, never raised
    assert any("could not record" in r.getMessage() for r in caplog.records)


def test_record_without_the_provenance_before_keeps_the_stats(store, store_path, long_story, spied):
    save(store, "long", "A new lede.\n\nSecond paragraph.\n\nThird, edit 9.")
    fresh(store_path).record("long", 31)
    before = spied["diffs"]
    fresh(store_path).change_stats("long", store.versions("long")[-2:])
    assert spied["diffs"] == before  # its stats were kept
    got, _ = fresh(store_path).annotate("long", 31)  # its provenance is built on demand
    assert got == reference(store, "long", 31) and spied["diffs"] - before == 30


def test_facts_are_kept_per_recipe_and_an_engine_change_discards_them(
        store, store_path, long_story, spied, monkeypatch):
    fresh(store_path).annotate("long", 10)
    assert spied["diffs"] == 9
    fresh(store_path, promo_pattern=r"^MORE:").annotate("long", 10)
    assert spied["diffs"] == 18  # the promo pattern is part of the key
    fresh(store_path).annotate("long", 10, parse_ignore("typography"))
    assert spied["diffs"] == 27  # so is the ignore set
    fresh(store_path).annotate("long", 10)
    assert spied["diffs"] == 27
    monkeypatch.setattr(facts_module, "engine_version", lambda: "a later engine")
    fresh(store_path).annotate("long", 10)
    assert spied["diffs"] == 36
    with sqlite3.connect(Differ.facts_beside(store_path)) as db:
        engines = {e for (e,) in db.execute("SELECT engine FROM recipe")}
        assert engines == {"a later engine"}  # the old engine's rows were pruned
        assert db.execute("SELECT count(*) FROM fact").fetchone()[0] == 10


@pytest.mark.parametrize("damage", ["garbage bytes", "garbage rows"])
def test_damaged_facts_change_no_answer(store, store_path, long_story, spied, damage, caplog):
    path = Differ.facts_beside(store_path)
    if damage == "garbage bytes":
        path.write_bytes(bytes(random.Random(3).randrange(256) for _ in range(20_000)))
    else:
        fresh(store_path).annotate("long", "latest")
        with sqlite3.connect(path) as db:
            db.execute("UPDATE fact SET stats = x'00ff', provenance = x'789c0300'")
    expected = Differ(store).change_stats("long", store.versions("long"))
    before = spied["diffs"]
    with caplog.at_level("WARNING"):
        differ = fresh(store_path)
        assert differ.change_stats("long", store.versions("long")) == expected
        for n in (30, 7):
            assert differ.annotate("long", n)[0] == reference(store, "long", n)
    assert any("facts" in r.getMessage() for r in caplog.records)
    if damage == "garbage bytes":  # set aside and started again: the next process diffs nothing
        assert path.with_name("facts.sqlite.damaged").is_file()
        spent = spied["diffs"]
        again = fresh(store_path)
        again.change_stats("long", store.versions("long"))
        again.annotate("long", 30)
        assert spied["diffs"] == spent > before


@pytest.mark.parametrize("state", ["facts kept", "no facts file"])
def test_read_only_facts_change_no_answer(store, store_path, tmp_path, long_story, state, caplog):
    if state == "facts kept":
        fresh(store_path).annotate("long", 20)
    expected = Differ(store).change_stats("long", store.versions("long"))
    with read_only_mount(store_path, tmp_path / "ro") as view, caplog.at_level("WARNING"):
        differ = fresh(view)
        assert differ.change_stats("long", differ.store.versions("long")) == expected
        for n in (30, 20, 3):
            assert differ.annotate("long", n)[0] == reference(store, "long", n)
        differ.record("long", 30)
        del differ
    warned = [r.getMessage() for r in caplog.records if "facts file" in r.getMessage()]
    assert len(warned) == 1, warned  # once, however many writes it could not make
    assert (Differ.facts_beside(store_path).is_file()) == (state == "facts kept")


_WRITER = """
import sys, time
from pathlib import Path
from service.diff import Differ
from service.store import GitStore
path, order = Path(sys.argv[1]), sys.argv[2].split(",")
while not (path.parent / "go").exists():
    time.sleep(0.001)
differ = Differ(GitStore(path), facts=Differ.facts_beside(path))
for article in order:
    differ.change_stats(article, differ.store.versions(article))
    differ.annotate(article, "latest")
    differ.annotate(article, 7)
"""


@pytest.mark.slow
def test_two_processes_write_facts_at_once(store, store_path, tmp_path, spied):
    for article in ("a", "b", "c"):
        save(store, article, *[f"{article} lede {n}.\n\nBody.\n\nMore {n // 2}." for n in range(40)])
    root = Path(__file__).resolve().parent.parent
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(store_path), order], cwd=root,
                                stderr=subprocess.PIPE, text=True)
               for order in ("a,b,c", "c,b,a")]
    (tmp_path / "go").touch()
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0] and errors == ["", ""]  # no warning either
    differ = fresh(store_path)
    for article in ("a", "b", "c"):
        stats = differ.change_stats(article, store.versions(article))
        assert stats == Differ(store).change_stats(article, store.versions(article))
        assert differ.annotate(article, 40)[0] == reference(store, article, 40)
    assert spied["diffs"] == 3 * 39  # all from the file (the counts are the reference's)


def test_caches_stay_within_their_byte_bounds(store, long_story):
    bounds = {"diffs_bytes": 30_000, "stats_bytes": 9_000, "annotations_bytes": 24_000}
    differ = Differ(store, **bounds)
    save(store, "big", "Short.", "\n\n".join(f"Paragraph {k} " + "word " * 200 for k in range(40)))
    for k in range(1, 30):
        differ.compare("long", k, k + 1)
        differ.annotate("long", k)
        differ.change_stats("long", store.versions("long")[: k + 1])
        differ.compare("big", 1, 2)  # ~50 KB of rows: heavier than the bound, never kept
        differ.annotate("big", 2)
        for name, (held, bound) in differ.weights().items():
            assert held <= bound, name
    sizes = differ.sizes()
    assert 1 < sizes["diffs"] < 29 and 1 < sizes["stats"] < 29 and sizes["annotations"] > 1
    assert sizes["provenances"] > 1


@pytest.mark.slow
def test_a_forked_worker_opens_its_own_connection(store, store_path, long_story, spied):
    differ = fresh(store_path)
    differ.annotate("long", 10)  # the parent's connection is open, as a preloading master's
    save(store, "other", "One.", "One.\n\nTwo.")
    child = os.fork()
    if child == 0:  # the child: use the inherited Differ, then leave without pytest's exit
        try:
            differ.annotate("other", 2)
            differ.annotate("long", "latest")
            if differ.facts._local.conn[0] != os.getpid():  # not the parent's connection
                os._exit(5)
            os._exit(0 if fresh(store_path).facts.newest_provenance(
                differ._how(parse_ignore(None)), [store.head("long")]) else 3)
        except BaseException:
            os._exit(4)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    before = spied["diffs"]
    later = fresh(store_path)
    assert later.annotate("long", "latest")[0] == reference(store, "long", 30)
    assert later.annotate("other", 2)[0] == reference(store, "other", 2)
    differ.annotate("long", 11)  # the parent's connection still works after the child's writes
    assert spied["diffs"] == before


def test_the_cache_shares_add_up_to_the_budget_and_reach_every_cache(tmp_path):
    """WRITETHRU_CACHE_MB is shared out whole, and the app hands each cache its share."""
    from service import config, create_app

    assert abs(sum(config.CACHE_SHARES.values()) - 1) < 1e-9
    settings = {**config.defaults(), "STORE_PATH": tmp_path / "s.git", "CACHE_MB": 10}
    app = create_app(settings)
    mib = 1024 * 1024
    store, differ = app.extensions["store"], app.extensions["differ"]
    assert app.extensions["pages"].max_weight == int(10 * mib * config.CACHE_SHARES["pages"])
    assert differ._diffs.max_weight == int(10 * mib * config.CACHE_SHARES["diffs"])
    assert store._objects.delta_cache_bytes == int(10 * mib * config.CACHE_SHARES["objects"])
