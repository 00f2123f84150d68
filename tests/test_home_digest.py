"""The home page's digest line: each listed article's latest change, in a few escaped words."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup

from service.ingest import parse_payload
from service.web import views

XSS = "<script>alert(1)</script>"


def story(paragraphs: list[str], **meta):
    """Return a JSON submission with metadata."""
    body = json.dumps({"body": "\n\n".join(paragraphs), **meta}).encode()
    return parse_payload(body, "application/json")


def lines(client, url: str = "/") -> dict[str, str]:
    """Return {article id: its digest line} of a home page."""
    resp = client.get(url)
    assert resp.status_code == 200
    soup = BeautifulSoup(resp.data, "html.parser")
    return {card.select_one(".article-id").get_text(): card.select_one(".article-card__digest")
            .get_text() for card in soup.select(".article-card")}


def toll(n: int) -> list[str]:
    return [f"The death toll from the flood rose to {n} on Tuesday, officials said.",
            "Rescue teams searched the river banks through the night."]


def test_home_shows_each_articles_latest_digest(client, store):
    store.save("flood", story(toll(12), headline="Flood kills 12", label="1st Ld-Writethru"))
    store.save("flood", story(toll(15), headline="Flood kills 15", label="2nd Ld-Writethru"))
    store.save("flood", story(toll(17), headline="Flood kills 17", label="3rd Ld-Writethru"))
    store.save("brief", story(["A short brief."], headline="Brief"))
    store.save("retitled", story(["Same text."], headline="Old headline"))
    store.save("retitled", story(["Same text."], headline="New headline"))
    got = lines(client)
    assert got["flood"] == "v3 · 3rd Ld-Writethru · headline changed, to 15 → 17 on"
    assert got["brief"] == "v1 · new story"
    assert got["retitled"] == "v2 · headline changed"
    # Warm: the same lines from the cache, and the page's ETag still follows its body.
    first = client.get("/")
    assert lines(client) == got
    assert client.get("/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    store.save("brief", story(["A short brief, now longer."], headline="Brief"))
    after = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert lines(client)["brief"] == "v2 · lede rewritten"


def test_counts_only_when_nothing_else(client, store):
    store.save("grows", story(["One."]))
    store.save("grows", story(["One.", "Two more words here.", "And three."]))
    assert lines(client)["grows"] == "v2 · 2 paragraphs added"


def test_xss_headline_and_quote_stay_text_and_long_quotes_are_cut(client, store):
    quote = f"“{XSS} " + "and a very long quotation that goes on " * 5 + "”, said Jane Doe."
    store.save("evil", story(["Calm."], headline="Calm"))
    store.save("evil", story(["Calm.", quote], headline=XSS, label=XSS))
    resp = client.get("/")
    assert b"<script>alert" not in resp.data
    line = lines(client)["evil"]
    assert line.startswith(f"v2 · {XSS} · headline changed, quote added: “{XSS}")
    assert "…”" in line and len(line) < 140


def test_filter_and_cursor_pagination_keep_their_lines(client, store, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("a-one", "a-two", "a-three"):
        store.save(name, story([f"Story {name}."]))
    store.save("a-two", story(["Story a-two.", "An update."]))
    first = lines(client)
    assert len(first) == 2
    older = BeautifulSoup(client.get("/").data, "html.parser").select_one('a[rel="next"]')["href"]
    second = lines(client, older)
    assert {**first, **second} == {"a-one": "v1 · new story", "a-two": "v2 · 1 paragraph added",
                                   "a-three": "v1 · new story"}
    assert lines(client, "/?q=two") == {"a-two": "v2 · 1 paragraph added"}
