"""The compare page and the diff API on split, joined and moved paragraphs (Flask's test client,
a real store; every page parsed with BeautifulSoup, as in tests/test_views.py)."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from test_diff_alignment import CREST_PARTS, FLOOD_V1, FLOOD_V2, QUOTE, QUOTE_CUT
from test_views import get_html, rows

from service.ingest import parse_payload


def save(store, article: str, *versions: list[str]) -> None:
    for paragraphs in versions:
        body = json.dumps({"body": "\n\n".join(paragraphs)}).encode()
        store.save(article, parse_payload(body, "application/json"))


def cell_text(cell) -> str:
    """The text a reader sees in a cell: without the screen-reader labels and the gutter."""
    cell = BeautifulSoup(str(cell), "html.parser")
    for hidden in cell.select(".vh, .gutter"):
        hidden.decompose()
    return cell.get_text(" ", strip=True)


def test_a_move_link_says_which_way_the_paragraph_went(client, store):
    save(store, "flood", FLOOD_V1, FLOOD_V2)
    soup = get_html(client, "/articles/flood/compare/1...2")
    (moved,) = rows(soup, "moved")
    (away,) = rows(soup, "moved_away")
    # The weather service paragraph went from 2nd to 5th: down, both ways of saying it.
    assert moved.select_one(".move-link").get_text() == "↓ moved down from ¶2"
    assert moved.select_one(".move-link")["href"] == "#L2"
    assert away.select_one(".move-link").get_text() == "↓ moved down to ¶5"
    assert away.select_one(".move-link")["href"] == "#R5"
    assert len(rows(soup, "changed")) == 3
    back = get_html(client, "/articles/flood/compare/2...1")
    assert [a.get_text() for a in back.select(".move-link")] == [
        "↑ moved up from ¶5", "↑ moved up to ¶2"]


def test_a_split_paragraph_is_one_row_the_old_paragraph_left_the_new_ones_right(client, store):
    first = QUOTE[:QUOTE_CUT].rstrip().replace("a midday", "a noon")
    save(store, "split", FLOOD_V1, [*FLOOD_V1[:3], first, QUOTE[QUOTE_CUT:], *FLOOD_V1[4:]])
    soup = get_html(client, "/articles/split/compare/1...2")
    (row,) = rows(soup, "split")
    left, right, inline = row.select(".cell")
    assert [p["id"] for p in left.select("p[id]")] == ["L4"]
    assert [p["id"] for p in right.select("p[id]")] == ["R4", "R5"]
    assert cell_text(left) == QUOTE[:QUOTE_CUT] + "¶ " + QUOTE[QUOTE_CUT:]
    assert [cell_text(p) for p in right.select("p[id]")] == [first, QUOTE[QUOTE_CUT:]]
    assert [d.get_text() for d in left.select("del")] == ["midday"]
    assert [i.get_text() for i in right.select("ins")] == ["noon"]
    assert right.select_one(".group-note").get_text() == "Old ¶4 split into ¶4–5"
    # One column: the new paragraphs, each with its own edits.
    assert [p.select("del, ins") != [] for p in inline.select("p:not(.group-note)")] == [
        True, False]
    assert row["id"] == "c1" and row.has_attr("data-change")
    assert not rows(soup, "added") and not rows(soup, "removed")
    vh = [s.get_text() for s in row.select(".vh")]
    assert "Split, paragraph 5, after: " in vh and "[split here] " in vh


def test_joined_paragraphs_are_one_row_the_old_ones_left_the_new_one_right(client, store):
    save(store, "join", FLOOD_V1, [*FLOOD_V1[:2], FLOOD_V1[2] + " " + FLOOD_V1[3], *FLOOD_V1[4:]])
    soup = get_html(client, "/articles/join/compare/1...2?unchanged=show")
    (row,) = rows(soup, "joined")
    left, right, _ = row.select(".cell")
    assert [p["id"] for p in left.select("p[id]")] == ["L3", "L4"]
    assert [cell_text(p) for p in left.select("p[id]")] == [FLOOD_V1[2], FLOOD_V1[3]]
    assert [p["id"] for p in right.select("p[id]")] == ["R3"]
    assert cell_text(right.select_one("p[id]")) == FLOOD_V1[2] + " ¶ " + FLOOD_V1[3]
    assert not row.select("ins, del")
    assert right.select_one(".group-note").get_text() == "Old ¶3–4 joined into ¶3"
    # Every paragraph is on the page once on each side: the row ids are unique.
    ids = [e["id"] for e in soup.select("[id]")]
    assert len(ids) == len(set(ids))
    assert [f"L{k}" in ids for k in range(1, 7)] == [True] * 6
    assert [f"R{k}" in ids for k in range(1, 6)] == [True] * 5


def test_split_in_three_in_the_inline_layout(client, store):
    save(store, "three", FLOOD_V1, [FLOOD_V1[0], *CREST_PARTS, *FLOOD_V1[2:]])
    soup = get_html(client, "/articles/three/compare/1...2?layout=inline")
    (row,) = rows(soup, "split")
    inline = row.select_one(".cell--inline")
    assert [cell_text(p) for p in inline.select("p:not(.group-note)")] == CREST_PARTS
    assert inline.select_one(".num").get_text() == "2–4"


@pytest.mark.parametrize(("new", "kind", "key", "value"), [
    ([*FLOOD_V1[:3], QUOTE[:QUOTE_CUT].rstrip(), QUOTE[QUOTE_CUT:], *FLOOD_V1[4:]], "split",
     "rights", [3, 4]),
    ([*FLOOD_V1[:2], FLOOD_V1[2] + " " + FLOOD_V1[3], *FLOOD_V1[4:]], "joined", "lefts", [2, 3]),
], ids=["split", "joined"])
def test_the_api_diff_carries_split_and_joined_rows(client, store, new, kind, key, value):
    save(store, "api", FLOOD_V1, new)
    answer = client.get("/api/articles/api/diff?from=1&to=2")
    assert answer.status_code == 200
    doc = answer.get_json()
    (row,) = [r for r in doc["rows"] if r["kind"] == kind]
    assert row[key] == value and isinstance(row["left"], int) and isinstance(row["right"], int)
    assert {s["op"] for s in row["segments"]} == {"equal", "break"}
    assert doc["stats"][kind] == 1 and doc["stats"]["added"] == doc["stats"]["removed"] == 0
