"""Conditional requests answered before any work: a client holding an answer's ETag gets its 304
without a text read, a diff or a render; rendered pages are kept in a cache bounded by bytes.

"No work" is shown by making every reading and rendering path refuse (AssertionError) once the
tags are known: the 304s must still come.
"""

from __future__ import annotations

import pytest

from service import create_app
from service.web import feeds, views

from .conftest import seed_texts

ARTICLE = "ap-troops-eastern-europe"
API = f"/api/articles/{ARTICLE}"
PAGE = f"/articles/{ARTICLE}"

# (address, Cache-Control of its answers)
IMMUTABLE = "public, max-age=31536000, immutable"
ADDRESSES = [
    (f"{API}/diff?from=1&to=2", IMMUTABLE),
    (f"{API}/diff?to=2", IMMUTABLE),
    (f"{API}/diff?from=0&to=2&ignore=typography", IMMUTABLE),
    (f"{API}/diff", "no-cache"),
    (f"{API}/annotate?version=2", IMMUTABLE),
    (f"{API}/annotate", "no-cache"),
    (f"{API}/versions/1", IMMUTABLE),
    (f"{API}/versions/latest", "no-cache"),
    (API, "no-cache"),
    (PAGE, "no-cache"),
    (f"{PAGE}/compare/1...2", "no-cache"),
    (f"{PAGE}/compare/0...latest?layout=inline&unchanged=show", "no-cache"),
    (f"{PAGE}/versions/1", "no-cache"),
    (f"{PAGE}/versions/latest", "no-cache"),
    (f"{PAGE}/feed.atom", "no-cache"),
]


def refuse_work(app, monkeypatch) -> None:
    """Make every text read, diff, annotation and render fail the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("a conditional request did work")

    store, differ = app.extensions["store"], app.extensions["differ"]
    for name in ("read", "read_many", "history"):
        monkeypatch.setattr(store, name, refuse)
    for name in ("compare", "annotate", "change_stats", "diff_versions", "endpoints"):
        monkeypatch.setattr(differ, name, refuse)
    monkeypatch.setattr(views, "render_template", refuse)
    monkeypatch.setattr(feeds, "_article_feed", refuse)
    app.extensions["pages"].clear()


@pytest.mark.parametrize(("url", "cache_control"), ADDRESSES)
def test_a_held_answer_is_a_304_before_any_work(app, seeded, monkeypatch, url, cache_control):
    first = seeded.get(url)
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == cache_control
    refuse_work(app, monkeypatch)
    again = seeded.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == cache_control
    # One of several tags, and the weak form, match as well (RFC 9110 weak comparison).
    assert seeded.get(url, headers={"If-None-Match": f'"other", W/{tag}'}).status_code == 304
    assert seeded.get(url, headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize(("url", "cache_control"), ADDRESSES)
def test_a_stale_tag_gets_the_full_answer_with_the_same_tag(seeded, url, cache_control):
    first = seeded.get(url)
    again = seeded.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert again.status_code == 200
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.data == first.data


def test_a_new_version_changes_what_follows_the_latest_but_not_fixed_answers(seeded):
    tags = {url: seeded.get(url).headers["ETag"] for url, _ in ADDRESSES}
    resp = seeded.post(f"{API}/versions", data=b"A third version.\n\nShort.",
                       content_type="text/plain")
    assert resp.status_code == 201
    same = {url for url, tag in tags.items()
            if seeded.get(url, headers={"If-None-Match": tag}).status_code == 304}
    # Fixed versions of the API never change; pages show the latest count and links, so a new
    # version changes them all.
    assert same == {f"{API}/diff?from=1&to=2", f"{API}/diff?to=2",
                    f"{API}/diff?from=0&to=2&ignore=typography", f"{API}/annotate?version=2",
                    f"{API}/versions/1"}


def test_missing_versions_are_still_named_by_the_store(seeded):
    for url in (f"{API}/diff?from=1&to=9", f"{API}/versions/9", f"{API}/annotate?version=9",
                f"{PAGE}/compare/1...9", f"{PAGE}/versions/9"):
        resp = seeded.get(url, headers={"If-None-Match": '"x"'})
        assert resp.status_code == 404, url
    assert seeded.get("/articles/nobody/compare/1...2",
                      headers={"If-None-Match": "*"}).status_code == 404


def test_page_tags_follow_the_promo_pattern(tmp_path):
    tags = []
    for pattern in ("^WATCH:", "^READ MORE:"):
        app = create_app({"TESTING": True, "STORE_PATH": tmp_path / "s.git", "DURABLE": False,
                          "PROMO_PATTERN": pattern})
        client = app.test_client()
        if not tags:
            for body in seed_texts():
                client.post(f"{API}/versions", data=body, content_type="text/plain")
        tags.append(client.get(f"{PAGE}/compare/1...2").headers["ETag"])
    assert tags[0] != tags[1]


def test_rendered_pages_are_served_from_a_cache_bounded_by_bytes(tmp_path, monkeypatch):
    app = create_app({"TESTING": True, "STORE_PATH": tmp_path / "s.git", "DURABLE": False,
                      "CACHE_MB": 1})
    client = app.test_client()
    for body in seed_texts():
        client.post(f"{API}/versions", data=body, content_type="text/plain")
    cache = app.extensions["pages"]
    assert cache.max_weight == 1024 * 1024 // 4  # the "pages" share of WRITETHRU_CACHE_MB
    page = client.get(f"{PAGE}/compare/1...2")
    assert cache.weight == len(page.data)
    # Served again without rendering.
    monkeypatch.setattr(views, "render_template", lambda *a, **k: pytest.fail("rendered"))
    assert client.get(f"{PAGE}/compare/1...2").data == page.data
    monkeypatch.undo()
    # Many pages: the cache keeps to its bound and drops the least recently used.
    sizes = []
    for a in range(0, 3):
        for b in (1, 2):
            for layout in ("side", "inline", "auto"):
                for unchanged in ("", "&unchanged=show"):
                    resp = client.get(f"{PAGE}/compare/{a}...{b}?layout={layout}{unchanged}")
                    if resp.status_code == 200:
                        sizes.append(len(resp.data))
                    assert cache.weight <= cache.max_weight
    assert sum(sizes) > cache.max_weight, "the pages should have overflowed the bound"
    assert 0 < len(cache) < len(sizes)


def test_the_api_diff_body_is_kept_by_its_tag_and_follows_a_new_version(app, seeded,
                                                                           monkeypatch):
    """A diff asked again is answered from the kept bytes; `latest` moves with a new version."""
    fixed, latest = f"{API}/diff?from=1&to=2", f"{API}/diff"
    first, first_latest = seeded.get(fixed), seeded.get(latest)
    differ = app.extensions["differ"]
    real_compare = differ.compare

    def refuse(*args, **kwargs):
        raise AssertionError("a kept diff was computed again")

    monkeypatch.setattr(differ, "compare", refuse)
    again = seeded.get(fixed)
    assert again.status_code == 200 and again.data == first.data
    assert seeded.get(latest).data == first_latest.data
    monkeypatch.setattr(differ, "compare", real_compare)
    saved = seeded.post(f"{API}/versions", data="A new third version.",
                        content_type="text/plain")
    assert saved.status_code == 201
    moved = seeded.get(latest).get_json()
    assert (moved["from"], moved["to"]) == (2, 3) and moved["stats"]["added"] >= 1
    assert seeded.get(fixed).data == first.data  # a fixed pair never changes
