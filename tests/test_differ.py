"""The Differ's caches: keyed by commits, so a second ask computes nothing; options are part of the key."""

from __future__ import annotations

import pytest

from service.diff import Differ, parse_ignore
from service.diff import differ as differ_module
from service.ingest import parse_payload
from service.lru import LRU
from service.store import ArticleNotFound, VersionNotFound


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
    # A diff LRU smaller than the history, as 256 is for a 400-version story.
    monkeypatch.setattr(differ._diffs, "max_weight", 8)
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
    assert differ.sizes() == {"diffs": 0, "stats": 11, "annotations": 1}
    history = [list(v.paragraphs) for v in store.history("long")][:12]
    assert annotation == diffing_annotate(history)
    # the stats it computed serve a timeline too
    before = spied["diffs"]
    differ.change_stats("long", store.versions("long")[:12])
    assert spied["diffs"] == before


def test_annotation_cache_is_bounded(differ):
    assert differ._annotations.max_weight == differ_module.MAX_ANNOTATIONS <= 64
    assert differ._stats.max_weight == differ_module.MAX_STATS >= 65_536 > differ_module.MAX_DIFFS


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
