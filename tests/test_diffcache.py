"""The diff cache: keyed by commits, so a second ask computes nothing; options are part of the key."""

from __future__ import annotations

import pytest

from service import diffcache
from service.ingest import parse_payload
from service.store import ArticleNotFound, VersionNotFound


def save(store, article_id: str, *texts: str) -> None:
    """Save each text as the next version."""
    for text in texts:
        store.save(article_id, parse_payload(text.encode(), "text/plain"))


@pytest.fixture(autouse=True)
def cold_cache():
    """Start every test from an empty cache."""
    diffcache.clear()
    yield
    diffcache.clear()


def test_second_diff_of_the_same_commits_is_a_hit(store):
    save(store, "story", "One.\n\nTwo.", "One.\n\nTwo, edited.\n\nThree.")
    first, old, new = diffcache.cached_diff(store, "story", 1, 2)
    assert (old.version, new.version) == (1, 2)
    assert first.stats["added"] == 1 and first.stats["changed"] == 1
    again, _, _ = diffcache.cached_diff(store, "story", 1, "latest")
    assert again is first
    assert diffcache.stats() == {"hits": 1, "misses": 1}
    typo, _, _ = diffcache.cached_diff(store, "story", 1, 2, ignore_typography=True)
    assert typo is not first
    assert diffcache.stats() == {"hits": 1, "misses": 2}


def test_empty_story_on_the_left(store):
    save(store, "story", "One.\n\nTwo.")
    diff, old, new = diffcache.cached_diff(store, "story", 0, 1)
    assert old is None and new.version == 1
    assert diff.stats["added"] == 2


def test_change_stats_reuses_cached_diffs(store):
    save(store, "story", "One.", "One.\n\nTwo.", "One.\n\nTwo.\n\nThree.")
    infos = store.versions("story")
    stats = diffcache.change_stats(store, "story", infos)
    assert stats[0] is None and [s["added"] for s in stats[1:]] == [1, 1]
    misses = diffcache.stats()["misses"]
    diffcache.change_stats(store, "story", infos)
    assert diffcache.stats()["misses"] == misses


def test_annotate_is_cached_by_the_commit_of_the_version(store):
    save(store, "story", "One.", "One.\n\nTwo.")
    first, version = diffcache.cached_annotate(store, "story", 2)
    assert version.version == 2
    assert [(p["first_version"], p["last_changed_version"]) for p in first] == [(1, 1), (2, 2)]
    again, _ = diffcache.cached_annotate(store, "story", "latest")
    assert again is first


def test_store_errors_pass_through(store):
    save(store, "story", "One.")
    with pytest.raises(ArticleNotFound):
        diffcache.cached_diff(store, "nothing", 1, 2)
    with pytest.raises(VersionNotFound):
        diffcache.cached_diff(store, "story", 1, 2)


def test_lru_drops_the_least_recently_used():
    lru = diffcache.LRU(maxsize=2)
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
