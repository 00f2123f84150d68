"""Page shaping: compare addresses, headlines, folds, ages, links; the compare page's digest."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from service import diff as diffing
from service.config import SEEDS_DIR
from service.ingest import parse_payload
from service.versionspec import BadVersion, parse_range
from service.web import page_rows as pages


@pytest.mark.parametrize(("spec", "parsed"), [("1...2", (1, 2)), ("2...latest", (2, "latest")),
                                               ("latest...1", ("latest", 1)), ("10...9", (10, 9))])
def test_compare_addresses(spec, parsed):
    assert parse_range(spec) == parsed


@pytest.mark.parametrize("spec", ["1..2", "1....2", "0...1", "01...2", "1...", "a...b", "", "1",
                                  "1...2...3", "LATEST...1", "1...1234567890", "١...٢"])
def test_compare_addresses_refused(spec):
    with pytest.raises(BadVersion):
        parse_range(spec)


def test_headline_falls_back_to_first_words():
    assert pages.headline({"headline": " Given "}, ["x"]) == ("Given", False)
    words = " ".join(f"w{n}" for n in range(20))
    assert pages.headline({}, ["", words]) == (" ".join(words.split()[:12]) + " …", True)
    assert pages.headline({"headline": ""}, []) == ("Untitled article", True)


def test_fold_rows_groups_unchanged_runs_and_promo_lines():
    old = ["A.", "B.", "C."]
    new = ["A.", "B.", "WATCH: video", "New.", "C."]
    diff = diffing.diff_paragraphs(old, new, promo_pattern=r"^WATCH:")
    rows = pages.build_rows(diffing.display_rows(diff), old, new)
    blocks = diffing.fold_rows(rows, show_unchanged=False, describe=pages.describe)
    shape = [(b.kind, len(b.rows)) if isinstance(b, diffing.Fold) else b.kind for b in blocks]
    assert shape == [("unchanged", 2), ("promo", 1), "added", ("unchanged", 1)]
    assert blocks[0].label == "2 unchanged paragraphs" and blocks[1].label == "Promotional line"
    assert [r.anchor for r in rows if r.anchor] == ["c1", "c2"]
    shown = diffing.fold_rows(rows, show_unchanged=True, describe=pages.describe)
    assert [b.kind for b in shown] == ["unchanged", "unchanged", "promo", "added", "unchanged"]


@pytest.mark.parametrize(("first", "latest", "bucket"), [(1, 1, 0), (1, 2, 0), (2, 2, 5),
                                                         (1, 11, 0), (6, 11, 2), (11, 11, 5)])
def test_age_bucket(first, latest, bucket):
    assert pages.age_bucket(first, latest) == bucket


@pytest.mark.parametrize(("url", "safe"), [
    ("https://apnews.com/article/x", "https://apnews.com/article/x"),
    ("HTTP://example.org", "HTTP://example.org"), ("javascript:alert(1)", None),
    (" javascript:alert(1)", None), ("data:text/html,<b>", None), ("//evil.example", None),
    ("", None), (None, None),
])
def test_safe_link(url, safe):
    assert pages.safe_link(url) == safe


def test_meta_changes_lists_only_what_changed():
    changes = diffing.meta_changes({"headline": "A", "label": ""}, {"headline": "B", "label": None})
    assert [(c["field"], c["old"], c["new"]) for c in changes] == [("headline", "A", "B")]


# -- the update digest on the compare page ----------------------------------------------------

DEMO = "ap-troops-eastern-europe"


@pytest.fixture
def demo_client(client, store):
    """Return the client on a store holding the two seed versions of the demo article."""
    for path in sorted((SEEDS_DIR / DEMO).glob("*.txt")):
        store.save(DEMO, parse_payload(path.read_bytes(), "text/plain"))
    return client


def _digest(client, spec: str):
    resp = client.get(f"/articles/{DEMO}/compare/{spec}")
    assert resp.status_code == 200
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    section = soup.select_one("section.digest")
    assert section is not None
    return soup, section


def test_compare_page_opens_with_the_digest_linking_to_rows(demo_client):
    soup, section = _digest(demo_client, "1...2")
    # A labelled list, before the pickers, the stats and the rows.
    heading = soup.find(id=section["aria-labelledby"])
    assert heading is not None and heading.get_text(strip=True) == "What changed"
    page = str(soup)
    assert page.index('class="digest"') < page.index('class="compare-bar"') < page.index('id="diff"')
    items = [li.get_text(" ", strip=True) for li in section.select("li")]
    assert items[0].startswith("new lede: WASHINGTON (AP)")
    assert "25 paragraphs added" in items
    assert any("typography" in item for item in items)
    links = section.select("li a")
    assert links and links[0].get_text().startswith("new lede")
    for link in links:
        target = soup.find(id=link["href"].removeprefix("#"))
        assert target is not None and "data-change" in target.attrs, link
    # The lede and the count of added paragraphs point at the first added row.
    lede = soup.find(id=links[0]["href"][1:])
    assert "row--added" in lede["class"]
    assert "WASHINGTON (AP)" in lede.get_text()


def test_compare_from_nothing_is_the_whole_story_as_new(demo_client):
    soup, section = _digest(demo_client, "0...2")
    items = [li.get_text(" ", strip=True) for li in section.select("li")]
    paragraphs = len(soup.select("#diff .row--added"))
    assert paragraphs > 25
    assert items[0].startswith("new lede: WASHINGTON (AP)")
    assert f"{paragraphs} paragraphs added" in items
    assert not soup.select("#diff .row--removed, #diff .row--changed")


def test_digest_links_skip_the_moved_away_rows(client, store):
    # Moves add a row at each paragraph's old place; items must still land on their own rows.
    first = ["Lede about the vote.", "Second paragraph.", "Third paragraph, about fares.",
             "Fourth: the budget takes effect on July 1."]
    second = ["Lede about the vote.", "Third paragraph, about fares.", "Second paragraph.",
              "Fourth: the budget takes effect on July 1 and 3 councillors objected."]
    for body in (first, second):
        store.save("moves", parse_payload("\n\n".join(body).encode(), "text/plain"))
    soup = BeautifulSoup(client.get("/articles/moves/compare/1...2").get_data(as_text=True),
                         "html.parser")
    links = {a.get_text(" ", strip=True): a["href"][1:] for a in soup.select(".digest li a")}
    edited = next(anchor for text, anchor in links.items() if "edited" in text)
    assert "row--changed" in soup.find(id=edited)["class"]
    moved = next(anchor for text, anchor in links.items() if "moved" in text)
    assert "row--moved" in soup.find(id=moved)["class"]


def test_digest_lines_without_a_row_are_plain_text():
    rows = [pages.Row("moved_away", 0, None, anchor="c1"), pages.Row("moved", 1, 0, anchor="c2")]
    lines = pages.digest_lines([{"kind": "count", "text": "1 paragraph moved", "row": 0},
                                {"kind": "more", "text": "+2 more quotes", "row": None}], rows)
    assert [(d.text, d.anchor) for d in lines] == [("1 paragraph moved", "c2"),
                                                    ("+2 more quotes", None)]
