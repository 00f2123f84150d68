"""Feeds that carry the change: content, stable ids, every recent version, publisher times."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import pytest

from service import config, create_app
from service.ingest import parse_payload
from service.web.feeds import last_headlines, publisher_time, strictly_decreasing

A = "{http://www.w3.org/2005/Atom}"
LEDE = "The minister arrived in the capital on Tuesday morning."
TALKS = "Talks with the delegation are expected to last two days."


def save(store, article_id, body, **meta):
    doc = {"body": body, **meta}
    return store.save(article_id, parse_payload(json.dumps(doc).encode(), "application/json"))


def feed_of(client, path="/feed.atom", **kwargs):
    resp = client.get(path, **kwargs)
    assert resp.status_code == 200
    parsed = feedparser.parse(resp.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    check_atom(resp.data)
    return parsed


def check_atom(data: bytes) -> None:
    """The rules a feed validator applies offline: required elements, unique ids, order."""
    root = ET.fromstring(data)
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    entries = root.findall(f"{A}entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == len(ids)
    updated = [datetime.fromisoformat(e.findtext(f"{A}updated")) for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert len(set(updated)) == len(updated)


@pytest.fixture
def based(store_path):
    app = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False,
                      "BASE_URL": "https://news.example/wt/"})
    return app.test_client()


def two_versions(store, article_id="talks", **meta):
    save(store, article_id, f"{LEDE}\n\n{TALKS}", **meta)
    save(store, article_id, f"{LEDE}\n\n{TALKS.replace('two', 'three')}\n\nMore follows.", **meta)


@pytest.mark.parametrize("path", ["/feed.atom", "/articles/talks/feed.atom"])
def test_base_url_gives_the_same_feed_whatever_the_host(based, store, path):
    two_versions(store)
    one = based.get(path, base_url="http://localhost/")
    other = based.get(path, base_url="http://proxy.internal:8080/")
    assert one.data == other.data
    feed = feed_of(based, path)
    assert feed.feed.id == f"https://news.example/wt{path}"
    assert [e.id for e in feed.entries] == [
        "https://news.example/wt/articles/talks/versions/2",
        "https://news.example/wt/articles/talks/versions/1"]
    assert feed.entries[0].link == "https://news.example/wt/articles/talks/compare/1...2"
    # The links lead to pages of this app (the base names its root).
    assert based.get(feed.entries[0].link.removeprefix("https://news.example/wt")).status_code == 200


@pytest.mark.parametrize("path", ["/feed.atom", "/articles/talks/feed.atom"])
def test_ids_are_stable_across_hosts_without_a_base_url(client, store, path):
    two_versions(store)
    one = feed_of(client, path, base_url="http://localhost/")
    other = feed_of(client, path, base_url="https://mirror.example/")
    assert [e.id for e in one.entries] == [e.id for e in other.entries]
    assert one.feed.id == other.feed.id
    assert all(e.id.startswith("tag:writethru,2026:/articles/talks/versions/")
               for e in one.entries)
    # Links still name the host the reader used.
    assert other.entries[0].link.startswith("https://mirror.example/articles/talks/")


def test_content_marks_insertions_and_deletions(client, store):
    two_versions(store)
    html = feed_of(client, "/articles/talks/feed.atom").entries[0].content[0].value
    assert "<del>two</del>" in html and "<ins>three</ins>" in html
    assert "<ins>More follows.</ins>" in html
    assert LEDE not in html  # an unchanged paragraph is not repeated
    first = feed_of(client, "/articles/talks/feed.atom").entries[1].content[0].value
    assert LEDE in first and "<ins>" not in first  # version 1 reads as plain text


def test_markup_in_headline_and_paragraph_stays_text(client, store):
    evil = '<script>alert("x")</script>'
    save(store, "xss", f"{LEDE}\n\n<img src=x onerror=alert(1)> {evil}", headline=evil)
    data = client.get("/articles/xss/feed.atom").data
    root = ET.fromstring(data)
    entry = root.find(f"{A}entry")
    assert entry.findtext(f"{A}title") == f"{evil}: version 1"
    content = entry.find(f"{A}content")
    assert content.get("type") == "html"
    html = content.text
    # The HTML a reader renders shows the markup as text: nothing in it is an element.
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"<(?!/?(p|ins|del|small|a|ul|li|br)\b)", html)


def test_site_feed_has_every_version_of_interleaved_stories(client, store):
    for n in range(1, 4):
        save(store, "alpha", "\n\n".join(f"Alpha paragraph {k}." for k in range(n)) or "Alpha.")
        save(store, "beta", "\n\n".join(f"Beta paragraph {k}." for k in range(n)) or "Beta.")
    feed = feed_of(client)
    titles = [e.title for e in feed.entries]
    assert titles == [f"{a}: version {n}" for n in (3, 2, 1) for a in ("beta", "alpha")]


def test_site_feed_etag_changes_with_any_listed_version(client, store):
    two_versions(store)
    tag = client.get("/feed.atom").headers["ETag"]
    assert client.get("/feed.atom", headers={"If-None-Match": tag}).status_code == 304
    save(store, "other", "Another story.")
    changed = client.get("/feed.atom", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert len(feedparser.parse(changed.data).entries) == 3


def test_publisher_times_are_used(client, store):
    save(store, "timed", LEDE, published_at="2026-03-01T09:00:00Z")
    save(store, "timed", f"{LEDE}\n\n{TALKS}", published_at="2026-03-01T09:00:00Z",
         updated_at="2026-03-01T10:30:00+01:00")
    feed = feed_of(client, "/articles/timed/feed.atom")
    newest, first = feed.entries
    assert newest.updated_parsed[:6] == (2026, 3, 1, 9, 30, 0)
    assert newest.published_parsed[:6] == (2026, 3, 1, 9, 0, 0)
    assert first.updated_parsed[:6] == (2026, 3, 1, 9, 0, 0)


def test_equal_publisher_times_are_told_apart_in_order(client, store):
    for body in (LEDE, f"{LEDE}\n\n{TALKS}", f"{LEDE}\n\n{TALKS}\n\nMore."):
        save(store, "same", body, updated_at="2026-03-01T10:00:00Z")
    feed = feed_of(client, "/articles/same/feed.atom")  # checks distinct, decreasing times
    assert [e.updated_parsed[:6] for e in feed.entries] == [
        (2026, 3, 1, 10, 0, 0), (2026, 3, 1, 9, 59, 59), (2026, 3, 1, 9, 59, 58)]


def test_an_article_keeps_its_last_headline(client, store):
    save(store, "quake", LEDE, headline="Quake hits the capital")
    save(store, "quake", f"{LEDE}\n\n{TALKS}")
    feed = feed_of(client, "/articles/quake/feed.atom")
    assert feed.feed.title == "Quake hits the capital: versions"
    assert [e.title for e in feed.entries] == [
        "Quake hits the capital: version 2", "Quake hits the capital: version 1"]
    assert feed_of(client).entries[0].title == "Quake hits the capital: version 2"


def test_publisher_time_parses_iso_8601_or_gives_none():
    assert publisher_time({"updated_at": "2026-03-01T10:00:00Z"}, "updated_at") == datetime(
        2026, 3, 1, 10, tzinfo=UTC)
    assert publisher_time({"updated_at": "2026-03-01 10:00"}, "updated_at").tzinfo is not None
    for junk in ("", "yesterday", "2026-13-45T99:00:00Z", None, 5):
        assert publisher_time({"updated_at": junk}, "updated_at") is None


def test_strictly_decreasing_keeps_order_and_distinct_seconds():
    t = datetime(2026, 3, 1, 10, tzinfo=UTC)
    later = t.replace(hour=11)
    got = strictly_decreasing([t, t, later, t.replace(minute=59, hour=9)])
    assert got == sorted(got, reverse=True) and len(set(got)) == 4
    assert got[0] == t


def test_last_headlines_carry_forward():
    class Info:
        def __init__(self, meta):
            self.meta = meta
    infos = [Info({}), Info({"headline": "One"}), Info({"headline": " "}), Info({"headline": "Two"})]
    assert last_headlines(infos) == [None, "One", "One", "Two"]


@pytest.mark.parametrize("raw", ["news.example", "ftp://news.example", "https://",
                                 "https://news.example/?x=1", "https://news.example/#top"])
def test_a_bad_base_url_is_refused(raw, store_path):
    with pytest.raises(config.ConfigError):
        config.base_url(raw)
    with pytest.raises(config.ConfigError):
        create_app({"TESTING": True, "STORE_PATH": store_path, "BASE_URL": raw})


def test_base_url_is_normalised_and_read_from_the_environment():
    assert config.base_url("https://news.example/wt/") == "https://news.example/wt"
    assert config.base_url("  ") == ""
    assert config.from_env({"WRITETHRU_BASE_URL": "http://a.example/"})["BASE_URL"] == \
        "http://a.example/"


def test_entries_lead_with_the_update_digest(client, store):
    """A feed reader sees what changed first: the toll in the summary, the digest in the content."""
    save(store, "quake", "The quake killed 12 people, officials said.\n\nRescuers dug on.",
         headline="Quake kills 12")
    save(store, "quake", "The quake killed 15 people, officials said.\n\nRescuers dug on.",
         headline="Quake kills 15")
    newest = feed_of(client, "/articles/quake/feed.atom").entries[0]
    assert newest.summary.startswith("1 edited; headline changed (2 paragraphs, ")
    assert "12 → 15" in newest.summary and "headline" in newest.summary
    html = newest.content[0].value
    assert html.index("12 → 15") < html.index("<del>12</del>")  # digest before the paragraphs
