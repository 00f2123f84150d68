"""Pages of a story with a long history: the timeline a page of rows at a time with a bounded
chart, and version pickers that do not grow with the history (number fields past a few dozen).

The limits are lowered for the test (rows a page, chart points, menu length), so a history of
120 versions shows what one of thousands would.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from service.ingest import parse_payload
from service.store import GitStore
from service.web import page_rows, views

STORY = "live-blog"
COUNT = 120


@pytest.fixture
def long_story(store_path, monkeypatch):
    """Save COUNT versions (not durable: speed), each editing one paragraph; lower the limits."""
    store = GitStore(store_path, durable=False)
    paragraphs = [f"Paragraph {i} opens the story." for i in range(6)]
    for v in range(1, COUNT + 1):
        paragraphs[v % 6] = f"Paragraph {v % 6} as of update {v}."
        if v % 10 == 0:
            paragraphs.append(f"A new paragraph in update {v}.")
        store.save(STORY, parse_payload("\n\n".join(paragraphs).encode(), "text/plain"))
    monkeypatch.setattr(views, "TIMELINE_ROWS", 40)
    monkeypatch.setattr(views, "CHART_POINTS", 25)
    monkeypatch.setattr(views, "MENU_MAX", 30)
    return STORY


def html(client, url: str, status: int = 200) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def versions_shown(soup) -> list[int]:
    return [int(tr["id"][1:]) for tr in soup.select("table.versions tbody tr")]


def test_the_timeline_pages_through_the_versions_newest_first(client, long_story):
    first = html(client, f"/articles/{STORY}")
    assert versions_shown(first) == list(range(120, 80, -1))
    assert "120 versions" in first.select_one(".lede").get_text()
    pagers = first.select("nav.pager--versions")
    assert len(pagers) == 2 and len({p["aria-label"] for p in pagers}) == 2
    assert "Versions 120 to 81 of 120" in pagers[0].get_text()
    assert not first.select('nav.pager--versions a[rel="prev"]')
    older = first.select_one('nav.pager--versions a[rel="next"]')["href"]
    assert older == f"/articles/{STORY}?before=81"
    second = html(client, older)
    assert versions_shown(second) == list(range(80, 40, -1))
    # The oldest row of a page still says what it changed from the one before.
    row = second.select_one("tr#v41")
    assert row.find_all("td")[-1].a["href"] == f"/articles/{STORY}/compare/40...41"
    assert second.select_one('a[rel="prev"]')["href"] == f"/articles/{STORY}"
    third = html(client, second.select_one('a[rel="next"]')["href"])
    assert versions_shown(third) == list(range(40, 0, -1))
    assert not third.select('a[rel="next"]')
    assert third.select_one('a[rel="prev"]')["href"] == f"/articles/{STORY}?before=81"
    assert third.select_one("tr#v1").find_all("td")[-1].get_text(strip=True) == "first version"


def test_a_before_past_the_newest_is_the_newest_page_and_a_bad_one_is_400(client, long_story):
    assert versions_shown(html(client, f"/articles/{STORY}?before=500"))[0] == 120
    assert versions_shown(html(client, f"/articles/{STORY}?before=3")) == [2, 1]
    for bad in ("1", "0", "x", "-5", "2.5"):
        soup = html(client, f"/articles/{STORY}?before={bad}", status=400)
        assert soup.h1.get_text() == "Not a version"


def test_the_growth_chart_is_an_even_sample_with_the_first_and_last(client, long_story):
    soup = html(client, f"/articles/{STORY}")
    titles = [t.get_text() for t in soup.select("svg.chart circle.chart-dot title")]
    words = [t for t in titles if t.endswith("words")]
    assert len(words) == 25
    assert words[0].startswith("v1:") and words[-1].startswith("v120:")
    assert "25 of the 120 versions" in soup.select_one("figcaption").get_text()


def test_the_pickers_are_number_fields_past_the_menu_limit(client, long_story):
    timeline = html(client, f"/articles/{STORY}")
    form = timeline.select_one("form.compare-form")
    assert not form.select("select")
    fields = {i["name"]: i for i in form.select("input[type=number]")}
    assert fields["from"]["value"] == "119" and fields["to"]["value"] == "120"
    assert fields["to"]["min"] == "1" and fields["to"]["max"] == "120"
    # Each field is inside its label, which says the range.
    assert fields["from"].find_parent("label").get_text(" ", strip=True).startswith("From version")
    assert "1 to 120" in fields["to"].find_parent("label").get_text()
    resp = client.get(f"/articles/{STORY}/compare?from=7&to=90")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/compare/7...90")

    compare = html(client, f"/articles/{STORY}/compare/7...90")
    pickers = compare.select_one("form.pickers")
    assert not pickers.select("select") and not pickers.select("option")
    values = {i["name"]: i["value"] for i in pickers.select("input[type=number]")}
    assert values == {"from": "7", "to": "90"}
    empty = html(client, f"/articles/{STORY}/compare/0...3").select_one("form.pickers")
    assert empty.select_one("input[name=from]")["min"] == "0"


def test_short_histories_keep_their_menus(client, long_story, monkeypatch):
    monkeypatch.setattr(views, "MENU_MAX", 500)
    form = html(client, f"/articles/{STORY}").select_one("form.compare-form")
    assert len(form.select('select[name="from"] option')) == COUNT


def test_the_version_legend_names_only_versions_with_paragraphs_still_there(client, long_story):
    soup = html(client, f"/articles/{STORY}/versions/latest")
    items = [li.get_text(strip=True) for li in soup.select(".legend__item")]
    paragraphs = soup.select(".annotated .para")
    # At most one item a paragraph, not one a version; their counts add up to the paragraphs.
    assert len(items) <= len(paragraphs) < COUNT
    counts = [int(item.split(": ")[1].split()[0]) for item in items]
    assert all(counts) and sum(counts) == len(paragraphs)
    assert items[-1] == "v120: 1 paragraph"


def test_window_and_sample_rules():
    assert page_rows.window(5, None, 100) == page_rows.Window(1, 5, False, None, None)
    assert page_rows.window(250, None, 100) == page_rows.Window(151, 250, False, None, 151)
    assert page_rows.window(250, 151, 100) == page_rows.Window(51, 150, True, None, 51)
    assert page_rows.window(250, 51, 100) == page_rows.Window(1, 50, True, 151, None)
    assert page_rows.sample_evenly(5, 10) == [0, 1, 2, 3, 4]
    sample = page_rows.sample_evenly(5000, 120)
    assert len(sample) == 120 and sample[0] == 0 and sample[-1] == 4999
    assert sample == sorted(set(sample))
