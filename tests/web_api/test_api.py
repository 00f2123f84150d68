"""The JSON API against the real app and a real git store in a temporary folder."""

from __future__ import annotations

import subprocess

from service import create_app

from .conftest import seed_texts

ARTICLE = "/api/articles/ap-troops-eastern-europe"


def git(store, *args) -> str:
    return subprocess.run(["git", "--git-dir", str(store), *args], check=True,
                          capture_output=True, text=True).stdout


def test_ingest_answers_201_with_location_then_200_for_a_resend(client, app):
    v1, v2 = seed_texts()
    first = client.post(f"{ARTICLE}/versions", data=v1, content_type="text/plain")
    assert first.status_code == 201
    body = first.get_json()
    assert body["article"] == "ap-troops-eastern-europe"
    assert body["version"] == 1 and body["created"] is True and len(body["commit"]) == 40
    assert first.headers["Location"] == f"{ARTICLE}/versions/1"

    second = client.post(f"{ARTICLE}/versions", data=v2, content_type="text/plain")
    assert second.status_code == 201 and second.get_json()["version"] == 2

    again = client.post(f"{ARTICLE}/versions", data=v2, content_type="text/plain")
    assert again.status_code == 200
    assert again.get_json() == {**second.get_json(), "created": False}
    store = app.config["STORE_PATH"]
    assert git(store, "rev-list", "--count", "refs/articles/ap-troops-eastern-europe").strip() == "2"


def test_article_lists_versions_with_counts(seeded):
    resp = seeded.get(ARTICLE)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["id"] == "ap-troops-eastern-europe" and body["latest"] == 2
    assert [(v["version"], v["paragraphs"], v["words"]) for v in body["versions"]] == [
        (1, 8, 485), (2, 33, 1241)]
    assert all(v["created_at"].endswith("Z") and len(v["commit"]) == 40 for v in body["versions"])


def test_version_has_text_paragraphs_meta_and_latest_alias(seeded):
    one = seeded.get(f"{ARTICLE}/versions/1")
    assert one.status_code == 200
    body = one.get_json()
    assert body["version"] == 1 and len(body["paragraphs"]) == 8
    assert body["text"] == "\n\n".join(body["paragraphs"]) + "\n"
    assert body["text"].encode() == seed_texts()[0].rstrip(b"\n") + b"\n"
    assert body["meta"]["source_format"] == "text"
    assert "immutable" in one.headers["Cache-Control"]

    latest = seeded.get(f"{ARTICLE}/versions/latest")
    assert latest.status_code == 200 and latest.get_json()["version"] == 2
    assert "immutable" not in latest.headers["Cache-Control"]


def test_etag_gives_304(seeded):
    for url in (ARTICLE, f"{ARTICLE}/versions/1", f"{ARTICLE}/versions/latest", "/api/articles"):
        first = seeded.get(url)
        assert first.status_code == 200 and first.headers["ETag"]
        again = seeded.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url
        assert again.data == b""


def test_article_etag_changes_with_a_new_version(seeded):
    before = seeded.get(ARTICLE).headers["ETag"]
    seeded.post(f"{ARTICLE}/versions", data=b"A third version.\n", content_type="text/plain")
    resp = seeded.get(ARTICLE, headers={"If-None-Match": before})
    assert resp.status_code == 200 and resp.headers["ETag"] != before


def test_json_body_keeps_metadata_and_source(client, app):
    payload = {"body": "First paragraph.\n\nSecond paragraph.", "headline": "A headline",
               "byline": "By A. Reporter", "url": "https://example.org/story", "label": "1st Ld-Writethru",
               "published_at": "2022-02-02T15:00:00Z"}
    resp = client.post("/api/articles/story-1/versions", json=payload)
    assert resp.status_code == 201, resp.get_json()
    v = client.get("/api/articles/story-1/versions/1").get_json()
    assert v["paragraphs"] == ["First paragraph.", "Second paragraph."]
    for key in ("headline", "byline", "url", "label", "published_at"):
        assert v["meta"][key] == payload[key]
    files = git(app.config["STORE_PATH"], "ls-tree", "-r", "--name-only", v["commit"]).split()
    assert "article.txt" in files and "meta.json" in files
    assert any(f.startswith("source/") for f in files)


def test_body_html_goes_through_a_parser(client):
    html = "<p>One &amp; two.</p><script>alert(1)</script><ul><li>Item</li></ul>"
    resp = client.post("/api/articles/html-story/versions", json={"body_html": html})
    assert resp.status_code == 201, resp.get_json()
    v = client.get("/api/articles/html-story/versions/1").get_json()
    assert v["paragraphs"] == ["One & two.", "Item"]


def test_ninjs_3_document(client):
    doc = {
        "uri": "urn:example:ap:troops",
        "headlines": [{"role": "main", "value": "US troops to Eastern Europe"}],
        "bodies": [{"role": "main", "contentType": "text/plain",
                    "value": "President Joe Biden is sending troops.\n\nMore follows."}],
        "edNote": "Eds: UPDATES with details",
        "versionCreated": "2022-02-02T15:00:00Z",
    }
    resp = client.post("/api/articles/ninjs-story/versions", json=doc)
    assert resp.status_code == 201, resp.get_json()
    v = client.get("/api/articles/ninjs-story/versions/1").get_json()
    assert v["paragraphs"] == ["President Joe Biden is sending troops.", "More follows."]
    assert v["meta"]["headline"] == "US troops to Eastern Europe"
    assert v["meta"]["editor_note"] == "Eds: UPDATES with details"
    assert not any("Eds:" in p for p in v["paragraphs"])


def test_list_is_newest_first_with_cursor_pagination(client):
    for i in range(5):
        resp = client.post(f"/api/articles/story-{i}/versions", data=f"Story {i}.".encode(),
                           content_type="text/plain")
        assert resp.status_code == 201
    page = client.get("/api/articles?limit=2")
    assert page.status_code == 200
    seen = [a["id"] for a in page.get_json()["articles"]]
    assert seen == ["story-4", "story-3"]
    assert page.headers["Link"].endswith('rel="next"')
    while page.get_json()["next"]:
        page = client.get(page.get_json()["next"])
        assert page.status_code == 200
        seen += [a["id"] for a in page.get_json()["articles"]]
    assert seen == [f"story-{i}" for i in range(4, -1, -1)]


def test_list_filter(client):
    client.post("/api/articles/troops/versions", json={"body": "x", "headline": "Troops to Poland"})
    client.post("/api/articles/budget/versions", json={"body": "y", "headline": "Budget deal"})
    found = client.get("/api/articles?q=poland").get_json()["articles"]
    assert [a["id"] for a in found] == ["troops"]


def test_token_guards_ingest_but_not_reads(tmp_path):
    app = create_app({"TESTING": True, "STORE_PATH": tmp_path / "s.git", "TOKEN": "s3cret",
                      "DURABLE": False})
    client = app.test_client()
    url = "/api/articles/a/versions"
    ok = client.post(url, data=b"Text.", content_type="text/plain",
                     headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 201
    assert client.get("/api/articles/a").status_code == 200


def test_healthz(seeded):
    resp = seeded.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_healthz_is_503_for_a_missing_store_and_creates_nothing(client, app):
    store = app.config["STORE_PATH"]
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert str(store) not in resp.get_data(as_text=True)  # no server paths to clients
    assert not store.exists()
    # Reads of a missing store answer as an empty one, and create nothing either.
    assert client.get("/api/articles").get_json()["articles"] == []
    assert client.get("/api/articles/x").status_code == 404
    assert not store.exists()
    # The first write creates it.
    made = client.post("/api/articles/x/versions", data=b"Text.", content_type="text/plain")
    assert made.status_code == 201
    assert client.get("/healthz").status_code == 200


def test_trailing_slash_redirects_keeping_the_query(seeded):
    resp = seeded.get("/api/articles/ap-troops-eastern-europe/?x=1")
    assert resp.status_code == 308
    assert resp.headers["Location"] == "/api/articles/ap-troops-eastern-europe?x=1"
    assert seeded.get("/articles/ap-troops-eastern-europe/").status_code == 308


def test_missing_headline_is_null_in_list_and_article(seeded):
    listed = seeded.get("/api/articles").get_json()["articles"][0]
    assert listed["headline"] is None
    assert seeded.get(ARTICLE).get_json()["headline"] is None
