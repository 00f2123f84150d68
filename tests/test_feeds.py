"""Atom feeds: parsed with feedparser and checked element by element against RFC 4287."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from service import create_app
from service.ingest import parse_payload
from service.web import feeds

SEED = Path(__file__).resolve().parent.parent / "seeds" / "ap-troops-eastern-europe"
V1, V2 = sorted(SEED.glob("*.txt"))
ARTICLE = "ap-troops-eastern-europe"
A = "{http://www.w3.org/2005/Atom}"
# RFC 3339 date-time, as RFC 4287 section 3.3 requires.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_create_app_serves_the_feeds(tmp_path):
    app = create_app({"STORE_PATH": tmp_path / "s.git", "TESTING": True})
    assert app.blueprints.get("feeds") is feeds.bp


def save(store, article_id, body: bytes | str, content_type="text/plain"):
    data = body.encode() if isinstance(body, str) else body
    return store.save(article_id, parse_payload(data, content_type))


@pytest.fixture
def seeded(store):
    save(store, ARTICLE, V1.read_bytes())
    save(store, ARTICLE, V2.read_bytes())
    return store


def check_atom(data: bytes) -> ET.Element:
    """Check the elements RFC 4287 requires of a feed and its entries; return the root."""
    root = ET.fromstring(data)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    assert RFC3339.match(root.findtext(f"{A}updated"))
    assert root.find(f"{A}author/{A}name").text
    self_links = [x for x in root.findall(f"{A}link") if x.get("rel") == "self"]
    assert len(self_links) == 1
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        assert RFC3339.match(entry.findtext(f"{A}updated"))
        # A link without rel is an alternate link (RFC 4287 section 4.2.7.2).
        assert [x for x in entry.findall(f"{A}link") if x.get("rel", "alternate") == "alternate"]
    return root


def test_article_feed_has_every_version_newest_first(client, seeded):
    resp = client.get(f"/articles/{ARTICLE}/feed.atom")
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    check_atom(resp.data)
    feed = feedparser.parse(resp.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.link == f"http://localhost/articles/{ARTICLE}"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [
        f"http://localhost/articles/{ARTICLE}/feed.atom"]
    newest, first = feed.entries
    assert newest.title == f"{ARTICLE}: version 2"
    assert newest.link == f"http://localhost/articles/{ARTICLE}/compare/1...2"
    assert newest.summary.startswith("+25 paragraphs, 1 edited (33 paragraphs, ")
    assert first.title == f"{ARTICLE}: version 1"
    assert first.link == f"http://localhost/articles/{ARTICLE}/versions/1"
    assert first.summary.startswith("+8 paragraphs (8 paragraphs, ")
    assert newest.id != first.id
    versions = client.get(f"/api/articles/{ARTICLE}").get_json()["versions"]
    assert newest.updated_parsed[:6] == _parsed(versions[1]["created_at"])
    # Saved in the same second or not, the older entry is the older in the feed.
    assert first.updated_parsed[:6] <= _parsed(versions[0]["created_at"])
    assert first.updated_parsed < newest.updated_parsed


def _parsed(stamp: str) -> tuple:
    return feedparser.parse(
        f'<feed xmlns="http://www.w3.org/2005/Atom"><updated>{stamp}</updated></feed>'
    ).feed.updated_parsed[:6]


def test_entry_links_lead_to_pages_that_exist(client, seeded):
    feed = feedparser.parse(client.get(f"/articles/{ARTICLE}/feed.atom").data)
    for entry in feed.entries:
        page = client.get(entry.link.removeprefix("http://localhost"))
        assert page.status_code == 200, entry.link


def test_site_feed_has_every_recent_version(client, seeded, store):
    save(store, "second-story", "Only paragraph.")
    resp = client.get("/feed.atom")
    assert resp.status_code == 200
    check_atom(resp.data)
    feed = feedparser.parse(resp.data)
    assert not feed.bozo
    # The last saved first; the seed's two versions in order below it.
    assert [e.title for e in feed.entries] == [
        "second-story: version 1", f"{ARTICLE}: version 2", f"{ARTICLE}: version 1"]
    second, newest, first = feed.entries
    assert newest.link == f"http://localhost/articles/{ARTICLE}/compare/1...2"
    assert newest.summary.startswith("+25 paragraphs, 1 edited")
    assert first.summary.startswith("+8 paragraphs (8 paragraphs, ")
    assert second.summary.startswith("+1 paragraph (1 paragraphs, ")


def test_headline_label_and_byline_name_the_entry(client, store):
    first, second = ("The minister arrived in the capital on Tuesday morning.",
                     "Talks with the delegation are expected to last two days.")
    body = {"body": f"{first}\n\n{second}", "headline": "Troops <head> west", "label": "1st Ld-Writethru",
            "byline": "By A. Reporter"}
    save(store, "labelled", json.dumps(body), "application/json")
    body["body"] = f"{first}\n\n{second.replace('two', 'three')}\n\nMore follows."
    body["label"] = "2nd Ld-Writethru"
    save(store, "labelled", json.dumps(body), "application/json")
    feed = feedparser.parse(client.get("/articles/labelled/feed.atom").data)
    assert feed.feed.title == "Troops <head> west: versions"  # escaped in XML, text here
    entry = feed.entries[0]
    assert entry.title == "Troops <head> west: version 2 (2nd Ld-Writethru)"
    assert entry.author == "By A. Reporter"
    assert entry.summary.startswith("+1 paragraph, 1 edited")


def test_empty_store_gives_an_empty_feed(client):
    resp = client.get("/feed.atom")
    assert resp.status_code == 200
    root = check_atom(resp.data)
    assert root.findall(f"{A}entry") == []


def test_feed_answers_304_to_its_etag(client, seeded, store):
    first = client.get(f"/articles/{ARTICLE}/feed.atom")
    tag = first.headers["ETag"]
    again = client.get(f"/articles/{ARTICLE}/feed.atom", headers={"If-None-Match": tag})
    assert again.status_code == 304
    save(store, ARTICLE, "A third version.")
    changed = client.get(f"/articles/{ARTICLE}/feed.atom", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert len(feedparser.parse(changed.data).entries) == 3


@pytest.mark.parametrize(("path", "status"), [
    ("/articles/no-such-story/feed.atom", 404),
    ("/articles/bad..id/feed.atom", 400),
    (f"/articles/{'a' * 129}/feed.atom", 400),
    ("/articles/x.lock/feed.atom", 400),
])
def test_feed_errors(client, seeded, path, status):
    # Tried: an unknown article, and ids with "..", 129 characters and a .lock ending.
    resp = client.get(path)
    assert resp.status_code == status
    problem = client.get(path, headers={"Accept": "application/json"})
    assert problem.status_code == status
    assert problem.mimetype == "application/problem+json"


def test_article_feed_follows_new_versions_and_its_address(client, seeded):
    first = feedparser.parse(client.get(f"/articles/{ARTICLE}/feed.atom").data)
    assert len(first.entries) == 2
    save(seeded, ARTICLE, "A third version.")
    again = feedparser.parse(client.get(f"/articles/{ARTICLE}/feed.atom").data)
    assert len(again.entries) == 3 and again.entries[0].link.endswith("/compare/2...3")
    # The same head served under another host gives links to that host, not the first one's.
    other = client.get(f"/articles/{ARTICLE}/feed.atom", base_url="http://mirror.example/")
    assert feedparser.parse(other.data).entries[0].link.startswith("http://mirror.example/")
