"""POST a whole news page with ?extract=article: the story without the page's furniture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PAGES = Path(__file__).parent / "data" / "extraction"


@pytest.mark.parametrize("name", sorted(p.stem for p in PAGES.glob("*.html")))
def test_a_page_posted_for_extraction_keeps_only_its_story(client, name):
    page = (PAGES / f"{name}.html").read_bytes()
    expected = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    resp = client.post(f"/api/articles/{name}/versions?extract=article", data=page,
                       content_type="text/html; charset=utf-8")
    assert resp.status_code == 201, resp.get_json()
    version = client.get(f"/api/articles/{name}/versions/1").get_json()
    assert version["paragraphs"] == expected
    # The page's headline and times come along as metadata.
    assert version["meta"]["headline"] and version["meta"]["source_format"] == "html-article"
    assert "published_at" in version["meta"]


def test_the_page_is_kept_whole_beside_the_story(client, store_path):
    from service.store import GitStore

    page = (PAGES / "wire-storm.html").read_bytes()
    client.post("/api/articles/kept/versions?extract=article", data=page, content_type="text/html")
    assert GitStore(store_path).sources("kept")["source/page.html"] == page
    meta = client.get("/api/articles/kept/versions/1").get_json()["meta"]
    assert meta["headline"] == "Storm cuts power to 40,000 homes in the west"
    assert meta["byline"] == "Liam Byrne" and meta["updated_at"] == "2026-11-12T07:45:00Z"


def test_the_same_page_without_extraction_keeps_its_furniture(client):
    page = (PAGES / "wire-storm.html").read_bytes()
    plain = client.post("/api/articles/plain/versions", data=page, content_type="text/html")
    extracted = client.post("/api/articles/story/versions?extract=article", data=page,
                            content_type="text/html")
    assert plain.status_code == extracted.status_code == 201
    plain_paras = client.get("/api/articles/plain/versions/1").get_json()["paragraphs"]
    story_paras = client.get("/api/articles/story/versions/1").get_json()["paragraphs"]
    assert set(story_paras) < set(plain_paras)


@pytest.mark.parametrize("query, body, ctype, status", [
    ("extract=summary", b"<p>Hi</p>", "text/html", 422),        # no such mode
    ("extract=article", b"Plain words.", "text/plain", 415),      # extraction reads HTML only
    ("extract=article", b"<html><body><nav>Home</nav></body></html>", "text/html", 422),  # no story
    ("extract=article", b"\xff\xfe<p>x</p>", "text/html", 400),  # not UTF-8
])
def test_bad_extraction_requests_are_refused_and_save_nothing(client, query, body, ctype, status):
    resp = client.post(f"/api/articles/bad/versions?{query}", data=body, content_type=ctype)
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json" and resp.get_json()["detail"]
    assert client.get("/api/articles/bad").status_code == 404
