"""The HTML pages through Flask's test client, against a real store in a temporary folder.

Every answer is parsed with BeautifulSoup before anything is asserted about it.
"""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from service import create_app
from service import diff as diffing
from service.config import SEEDS_DIR
from service.ingest import parse_payload
from service.web import views

DEMO = "ap-troops-eastern-europe"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
       '"><script>alert(2)</script>']


def text_version(text: str):
    """Return a plain-text submission."""
    return parse_payload(text.encode(), "text/plain")


def json_version(paragraphs: list[str], **meta):
    """Return a JSON submission with metadata."""
    body = json.dumps({"body": "\n\n".join(paragraphs), **meta}).encode()
    return parse_payload(body, "application/json")


@pytest.fixture
def demo(store):
    """Load the two seed versions of the demo article."""
    for path in sorted((SEEDS_DIR / DEMO).glob("*.txt")):
        store.save(DEMO, text_version(path.read_text(encoding="utf-8")))
    return DEMO


def get_html(client, url: str, status: int = 200) -> BeautifulSoup:
    """GET url, check status, type and CSP, and return the parsed page."""
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "text/html"
    assert resp.headers["Content-Security-Policy"] == CSP
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def rows(soup, kind: str) -> list:
    """Return the compare rows of one kind."""
    return soup.select(f"#diff .row--{kind}")


# -- static files --------------------------------------------------------------------------

def test_static_assets_are_served(client):
    for name in ("app.css", "app.js", "favicon.svg"):
        resp = client.get(f"/static/{name}")
        assert resp.status_code == 200, name
        resp.close()


# -- article list --------------------------------------------------------------------------

def test_list_shows_headline_or_first_words_and_latest_change(client, store, demo):
    store.save("council", json_version(["The council met."], headline="Council meets"))
    soup = get_html(client, "/")
    # Order is the store's to test: both were saved within the same second here.
    cards = {c.select_one(".article-id").get_text(): c for c in soup.select(".article-card")}
    assert set(cards) == {"council", DEMO}
    assert cards["council"].select_one("h2").get_text(strip=True) == "Council meets"
    # No headline was sent for the demo: the first words of its first paragraph stand in.
    fallback = cards[DEMO].select_one("h2 a")
    assert fallback.get_text().startswith("WASHINGTON (AP) — President Joe Biden")
    assert "made-up" in fallback["class"]
    latest = cards[DEMO].select_one(".article-card__latest")
    assert latest["href"] == f"/articles/{DEMO}/compare/1...2"
    assert "2 versions" in cards[DEMO].get_text()
    latest = cards["council"].select_one(".article-card__latest")
    assert latest["href"] == "/articles/council/versions/1"


def test_list_reads_no_article_texts(client, store, demo, monkeypatch):
    store.list_articles()  # the listing index exists, as on a served store

    def refuse(*args, **kwargs):
        raise AssertionError("the list read an article")

    for name in ("read", "read_many", "versions", "history"):
        monkeypatch.setattr(store, name, refuse)
    soup = get_html(client, "/")
    fallback = soup.select_one(".article-card h2 a")
    assert fallback.get_text().startswith("WASHINGTON (AP) — President Joe Biden")
    assert fallback.get_text().endswith("…") and "made-up" in fallback["class"]


def test_list_filter_and_empty_states(client, store, demo):
    store.save("council", json_version(["The council met."], headline="Council meets"))
    soup = get_html(client, "/?q=council")
    assert [c.select_one(".article-id").get_text() for c in soup.select(".article-card")] == [
        "council"]
    assert soup.select_one("#q")["value"] == "council"
    soup = get_html(client, "/?q=nothing-like-this")
    assert not soup.select(".article-card")
    assert "No article matches" in soup.select_one(".empty").get_text()
    get_html(client, "/?q=" + "x" * 201, status=400)


def test_list_of_an_empty_store_says_how_to_add(client):
    soup = get_html(client, "/")
    assert "No articles yet" in soup.select_one(".empty").get_text()
    assert "/api/articles/my-story/versions" in soup.select_one(".empty pre").get_text()


def test_list_pages_with_cursor_links(client, store, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("a-one", "a-two", "a-three"):
        store.save(name, text_version(f"Story {name}."))
    first = get_html(client, "/")
    assert len(first.select(".article-card")) == 2
    older = first.select_one('a[rel="next"]')["href"]
    second = get_html(client, older)
    ids = [c.select_one(".article-id").get_text() for c in first.select(".article-card")]
    ids += [c.select_one(".article-id").get_text() for c in second.select(".article-card")]
    assert sorted(ids) == ["a-one", "a-three", "a-two"]
    assert second.select_one('a[rel="next"]') is None
    assert second.find("a", string="Back to the newest")["href"] == "/"


def test_list_with_a_forged_cursor_is_a_clear_400(client, demo):
    soup = get_html(client, "/?cursor=not-a-cursor", status=400)
    assert "Page link not valid" in soup.h1.get_text()


# -- timeline ------------------------------------------------------------------------------

def test_timeline_lists_versions_with_changes_chart_and_form(client, demo):
    soup = get_html(client, f"/articles/{DEMO}")
    table_rows = soup.select("table.versions tbody tr")
    assert [r.th.get_text(strip=True) for r in table_rows] == ["v2", "v1"]
    change = table_rows[0].find_all("td")[-1].a
    assert change.get_text() == "+25 paragraphs, 1 edited"
    assert change["href"] == f"/articles/{DEMO}/compare/1...2"
    assert table_rows[1].find_all("td")[-1].get_text(strip=True) == "first version"
    cells = [td.get_text(" ", strip=True) for td in table_rows[0].find_all("td")]
    assert "33" in cells and "1,241 (+756)" in cells
    svg = soup.select_one("figure svg.chart")
    assert svg["role"] == "img"
    assert "485 in v1 to 1,241 in v2" in svg.desc.get_text()
    assert len(svg.select("circle.chart-dot")) == 4  # two versions, two panels
    feeds = [link["href"] for link in soup.select('link[rel="alternate"]')]
    assert feeds == ["/feed.atom", f"/articles/{DEMO}/feed.atom"]
    form = soup.select_one("form.compare-form")
    assert form["action"] == f"/articles/{DEMO}/compare" and form["method"] == "get"
    assert form.select_one('select[name="from"] option[selected]')["value"] == "1"
    assert form.select_one('select[name="to"] option[selected]')["value"] == "2"


def test_compare_form_redirects_to_the_compare_address(client, demo):
    resp = client.get(f"/articles/{DEMO}/compare?from=1&to=2&ignore=typography")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/articles/{DEMO}/compare/1...2?ignore=typography"
    resp = client.get(f"/articles/{DEMO}/compare")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/articles/{DEMO}/compare/1...latest"


@pytest.mark.parametrize("query", ["from=x&to=2", "from=1&to=0", "from=-1&to=2", "to=2.5"])
def test_compare_form_refuses_bad_versions(client, demo, query):
    soup = get_html(client, f"/articles/{DEMO}/compare?{query}", status=400)
    assert soup.h1.get_text() == "Not a version"


# -- compare -------------------------------------------------------------------------------

def test_compare_demo_shows_the_seed_ground_truth(client, demo):
    soup = get_html(client, f"/articles/{DEMO}/compare/1...2")
    assert len(rows(soup, "added")) == 25
    changed = rows(soup, "changed")
    assert len(changed) == 1
    # Only the apostrophe is highlighted: ' on the left, ’ on the right.
    assert [d.get_text() for d in changed[0].select(".cell--left del")] == ["'"]
    assert [i.get_text() for i in changed[0].select(".cell--right ins")] == ["’"]
    assert not changed[0].select(".cell--left ins") and not changed[0].select(".cell--right del")
    unchanged = rows(soup, "unchanged")
    assert len(unchanged) == 7
    assert all(r.find_parent("details", class_="fold--unchanged") for r in unchanged)
    assert sum(len(f.select(".row")) for f in soup.select("details.fold--unchanged")) == 7
    assert not rows(soup, "removed") and not rows(soup, "moved")
    stats = {li["class"][1]: li.strong.get_text() for li in soup.select(".stats .stat")}
    assert stats["stat--added"] == "25" and stats["stat--changed"] == "1"
    assert stats["stat--unchanged"] == "7"
    # The two promotional lines are folded on their own.
    promos = soup.select("details.fold--promo")
    assert [p.select_one(".fold__peek").get_text()[:10] for p in promos] == ["WATCH: U.S", "READ MORE:"]


def test_every_change_has_a_unique_anchor(client, demo):
    soup = get_html(client, f"/articles/{DEMO}/compare/1...2")
    anchored = soup.select("[data-change]")
    assert [a["id"] for a in anchored] == [f"c{n}" for n in range(1, 27)]
    ids = [e["id"] for e in soup.select("[id]")]
    assert len(ids) == len(set(ids))
    assert soup.select_one(".jump a")["href"] == "#c1"


@pytest.mark.parametrize("value", ["case", "Typography", "1"])
def test_compare_refuses_what_the_api_refuses_to_ignore(client, demo, value):
    # One rule for API, pages and CLI: an unknown `ignore` is a 400, never silently dropped.
    soup = get_html(client, f"/articles/{DEMO}/compare/1...2?ignore={value}", status=400)
    assert soup.h1.get_text() == "Unknown option"
    assert "ignore must be 'typography'" in soup.select_one(".lede").get_text()
    api = client.get(f"/api/articles/{DEMO}/diff?from=1&to=2&ignore={value}")
    assert api.status_code == 400 and api.get_json()["parameter"] == "ignore"


def test_ignore_typography_hides_the_quote_edit(client, demo):
    soup = get_html(client, f"/articles/{DEMO}/compare/1...2?ignore=typography")
    assert not rows(soup, "changed")
    assert len(rows(soup, "unchanged")) == 8
    assert len(rows(soup, "added")) == 25
    current = soup.select('.toggles a[aria-current="true"]')
    assert "Ignore typography" in [a.get_text() for a in current]


def test_toggle_links_keep_the_other_options(client, demo):
    soup = get_html(client, f"/articles/{DEMO}/compare/1...2?ignore=typography&layout=inline")
    links = {a.get_text(): a["href"] for a in soup.select(".toggles a")}
    base = f"/articles/{DEMO}/compare/1...2"
    assert links["Show unchanged"] == f"{base}?ignore=typography&unchanged=show&layout=inline"
    assert links["Compare exactly"] == f"{base}?layout=inline"
    assert links["Side by side"] == f"{base}?ignore=typography&layout=side"
    hidden = {i["name"]: i["value"] for i in soup.select(".pickers input[type=hidden]")}
    assert hidden == {"ignore": "typography", "layout": "inline"}


def test_show_unchanged_unfolds(client, demo):
    soup = get_html(client, f"/articles/{DEMO}/compare/1...2?unchanged=show")
    assert not soup.select("details.fold--unchanged")
    assert len(rows(soup, "unchanged")) == 7
    assert all(r.find_parent("details") is None for r in rows(soup, "unchanged"))


@pytest.mark.parametrize(("layout", "css"), [("", "diff--auto"), ("inline", "diff--inline"),
                                             ("side", "diff--side"), ("bogus", "diff--auto")])
def test_layout_choice(client, demo, layout, css):
    soup = get_html(client, f"/articles/{DEMO}/compare/1...2?layout={layout}")
    assert css in soup.select_one("#diff")["class"]
    # The one-column cell of an edit carries both the deletion and the insertion.
    inline = rows(soup, "changed")[0].select_one(".cell--inline")
    assert [d.get_text() for d in inline.select("del")] == ["'"]
    assert [i.get_text() for i in inline.select("ins")] == ["’"]


def test_compare_latest_and_reversed(client, demo):
    latest = get_html(client, f"/articles/{DEMO}/compare/1...latest")
    assert len(rows(latest, "added")) == 25
    backwards = get_html(client, f"/articles/{DEMO}/compare/2...1")
    assert len(rows(backwards, "removed")) == 25
    assert "newer version is on the left" in backwards.select_one(".lede").get_text()


def test_compare_links_moves_both_ways_and_shows_removals(client, store):
    old = ["Alpha beta gamma delta.", "Second paragraph stays.", "To be removed entirely.",
           "Third one stays too.", "Moving paragraph about the budget vote."]
    new = ["Alpha beta gamma delta.", "Moving paragraph about the budget vote.",
           "Second paragraph stays.", "Third one stays too.", "A new closing paragraph."]
    store.save("moves", json_version(old))
    store.save("moves", json_version(new))
    # Which paragraphs count as moved is the engine's call; the page must link each one both ways.
    engine = diffing.display_rows(diffing.diff_paragraphs(old, new))
    soup = get_html(client, "/articles/moves/compare/1...2?unchanged=show")
    moved, away = rows(soup, "moved"), rows(soup, "moved_away")
    expected_moved = [r for r in engine if r["kind"] == "moved"]
    assert expected_moved and len(moved) == len(away) == len(expected_moved)
    for row, item in zip(moved, expected_moved, strict=True):
        target = row.select_one(".move-link")["href"]
        assert target == f"#L{item.get('from', item['left']) + 1}"
        assert soup.select_one(target).find_parent(class_="row--moved_away") is not None
    for row, item in zip(away, [r for r in engine if r["kind"] == "moved_away"], strict=True):
        target = row.select_one(".move-link")["href"]
        assert target == f"#R{item['to'] + 1}"
        assert soup.select_one(target).find_parent(class_="row--moved") is not None
    removed = rows(soup, "removed")
    assert [r.select_one(".text").get_text(" ", strip=True) for r in removed] == [
        "Removed, old paragraph 3: To be removed entirely."]


def test_compare_shows_metadata_changes(client, store):
    store.save("meta", json_version(["Same text."], headline="Old headline", label="1st Ld"))
    store.save("meta", json_version(["Same text."], headline="New headline", label="2nd Ld"))
    soup = get_html(client, "/articles/meta/compare/1...2")
    table = {tr.th.get_text(): [td.get_text() for td in tr.find_all("td")]
             for tr in soup.select(".meta-changes tbody tr")}
    assert table == {"headline": ["Old headline", "New headline"], "label": ["1st Ld", "2nd Ld"]}
    assert "No paragraph changed" in soup.select_one("#diff .empty").get_text()


@pytest.mark.parametrize(("spec", "status"), [
    ("1..2", 400), ("1....2", 400), ("a...b", 400), ("1...0", 400), ("-1...2", 400),
    ("01...2", 400), ("1...2...3", 400), ("1...", 400), ("...2", 400), ("1 ...2", 400),
    ("1...99", 404), ("3...latest", 404), ("9999999999...1", 400),
])
def test_compare_refuses_bad_addresses(client, demo, spec, status):
    soup = get_html(client, f"/articles/{DEMO}/compare/{spec}", status=status)
    assert soup.h1.get_text() in {"Not a compare address", "Version not found"}
    links = [a["href"] for a in soup.select(".next-steps a")]
    assert "/" in links


def test_compare_from_the_empty_story_shows_every_paragraph_added(client, store):
    # 0 is the empty story before v1, as in the API's diff (from=0) and `writethru diff ID 0`.
    store.save("single", text_version("First.\n\nSecond."))
    soup = get_html(client, "/articles/single/compare/0...1")
    assert "the empty story before v1" in soup.select_one(".lede").get_text()
    assert [r.get_text(" ", strip=True) for r in soup.select(".stat strong")][:2] == ["2", "0"]
    # The form's default `from` is the version before `to`, the same rule as the API's.
    resp = client.get("/articles/single/compare")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/articles/single/compare/0...latest"


# -- annotated version ---------------------------------------------------------------------

def test_version_page_shows_where_paragraphs_came_from(client, demo):
    soup = get_html(client, f"/articles/{DEMO}/versions/2")
    paras = soup.select(".annotated .para")
    assert len(paras) == 33
    since = [p.select_one(".since").get_text() for p in paras]
    assert since.count("since v1") == 8 and since.count("since v2") == 25
    assert "age-0" in paras[2]["class"] and "age-5" in paras[0]["class"]
    assert paras[2].select_one(".edited").get_text() == "edited v2"
    assert paras[2].select_one(".edited")["href"] == f"/articles/{DEMO}/compare/1...2"
    assert paras[0].select_one("a.since")["href"] == f"/articles/{DEMO}/compare/1...2"
    assert [li.get_text(strip=True) for li in soup.select(".legend__item")] == [
        "v1: 8 paragraphs", "v2: 25 paragraphs"]


def test_version_latest_and_first(client, demo):
    latest = get_html(client, f"/articles/{DEMO}/versions/latest")
    assert len(latest.select(".annotated .para")) == 33
    first = get_html(client, f"/articles/{DEMO}/versions/1")
    assert {p.select_one(".since").get_text() for p in first.select(".para")} == {"since v1"}
    assert first.select_one('a[rel="next"]')["href"] == f"/articles/{DEMO}/versions/2"


@pytest.mark.parametrize(("n", "status"), [("0", 400), ("-1", 400), ("x", 400), ("1.0", 400),
                                           ("3", 404), ("99999", 404)])
def test_version_refuses_bad_numbers(client, demo, n, status):
    soup = get_html(client, f"/articles/{DEMO}/versions/{n}", status=status)
    assert soup.select_one(f'.next-steps a[href="/articles/{DEMO}"]') is not None


@pytest.mark.parametrize("url", [f"/articles/{DEMO}/versions/7", f"/articles/{DEMO}/compare/1...7",
                                 f"/articles/{DEMO}/compare/7...latest"])
def test_missing_versions_are_named_by_the_store(client, demo, url):
    soup = get_html(client, url, status=404)
    assert soup.h1.get_text() == "Version not found"
    assert soup.select_one(".lede").get_text() == f"Version 7 does not exist: “{DEMO}” has 2 versions."


def test_timeline_follows_new_versions(client, store, demo):
    first = get_html(client, f"/articles/{DEMO}")
    assert len(first.select(".versions tbody tr")) == 2
    store.save(DEMO, text_version("A third version, short."))
    again = get_html(client, f"/articles/{DEMO}")
    assert len(again.select(".versions tbody tr")) == 3


# -- errors --------------------------------------------------------------------------------

def test_unknown_article_page_is_helpful(client, demo):
    soup = get_html(client, "/articles/no-such-story", status=404)
    assert soup.h1.get_text() == "Article not found"
    assert "no-such-story" in soup.select_one(".lede").get_text()
    hrefs = [a["href"] for a in soup.select(".next-steps a")]
    assert "/?q=no-such-story" in hrefs and "/" in hrefs
    assert soup.select_one(".next-steps input[name=q]")["value"] == "no-such-story"


@pytest.mark.parametrize("url", ["/articles/-bad", "/articles/bad.lock/compare/1...2",
                                 "/articles/a..b/versions/1"])
def test_invalid_article_ids_are_400(client, url):
    soup = get_html(client, url, status=400)
    assert soup.h1.get_text() == "Not an article id"


def test_unmatched_address_gets_the_same_page(client):
    soup = get_html(client, "/no/such/page", status=404)
    assert soup.select_one(".next-steps a[href='/']") is not None
    assert "/no/such/page" in soup.select_one(".note code").get_text()


# -- safety --------------------------------------------------------------------------------

@pytest.fixture
def hostile(store):
    """Store an article whose text and metadata are full of markup."""
    store.save("hostile", json_version(["Plain start.", *XSS[:2]], headline=XSS[0],
                                       url="javascript:alert(1)"))
    store.save("hostile", json_version(["Plain start, edited.", *XSS], headline=XSS[1],
                                       byline=XSS[2], label=XSS[3], url="javascript:alert(1)"))
    return "hostile"


PAGES = ["/", "/articles/hostile", "/articles/hostile/compare/1...2",
         "/articles/hostile/compare/1...2?layout=inline&unchanged=show",
         "/articles/hostile/versions/2", "/articles/hostile/versions/1"]


@pytest.mark.parametrize("url", PAGES)
def test_article_text_is_always_escaped(client, hostile, url):
    soup = get_html(client, url)
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/app.js"]
    assert not soup.find("img") and not soup.find("svg", attrs={"onload": True})
    for element in soup.find_all(True):
        assert not [a for a in element.attrs if a.lower().startswith("on")], element.name
        assert not str(element.get("href", "")).lower().startswith("javascript:")
    assert XSS[0] in soup.get_text() or XSS[1] in soup.get_text()


@pytest.mark.parametrize("url", [*PAGES, f"/articles/{DEMO}", f"/articles/{DEMO}/compare/1...2"])
def test_no_inline_script_or_style_anywhere(client, hostile, demo, url):
    soup = get_html(client, url)
    assert not soup.find("style")
    assert not soup.find_all(attrs={"style": True})
    for script in soup.find_all("script"):
        assert script.get("src") and not script.get_text().strip()


def test_csp_is_on_error_pages_but_not_on_json(client, demo):
    get_html(client, "/nowhere", status=404)
    resp = client.get(f"/api/articles/{DEMO}")
    assert resp.status_code == 200
    assert "Content-Security-Policy" not in resp.headers


def test_pages_answer_304_to_their_etag(client_seeded_for_etag):
    client = client_seeded_for_etag
    for url in ("/", "/articles/etag-story", "/articles/etag-story/compare/1...2",
                "/articles/etag-story/versions/2"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"], url
        assert first.headers["Cache-Control"] == "no-cache"
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url
        assert again.data == b""
    # A new version changes the timeline, so the old tag no longer matches.
    tag = client.get("/articles/etag-story").headers["ETag"]
    client.post("/api/articles/etag-story/versions", data=b"Three.\n\nParagraphs.\n\nNow.",
                content_type="text/plain")
    assert client.get("/articles/etag-story", headers={"If-None-Match": tag}).status_code == 200


@pytest.fixture
def client_seeded_for_etag(tmp_path):

    app = create_app({"TESTING": True, "STORE_PATH": tmp_path / "s.git", "DURABLE": False})
    client = app.test_client()
    for body in (b"One.", b"One.\n\nTwo."):
        assert client.post("/api/articles/etag-story/versions", data=body,
                           content_type="text/plain").status_code == 201
    return client
