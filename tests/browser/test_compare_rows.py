"""The compare page's move links and split rows in Chromium: the true direction, the row a
move link leads to marked, a re-broken paragraph shown as one row."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .conftest import MOVES_ID

pytestmark = pytest.mark.browser

QUOTE = ("“We are asking people to take this seriously and leave now, not later,” Boesen told "
         "reporters at a midday briefing.")
SPLIT_V1 = [
    "DES MOINES, Iowa (AP) — Floodwaters from the swollen Des Moines River forced hundreds of "
    "residents from their homes on Tuesday.",
    QUOTE + " “The water is still coming up.”",
    "No deaths or serious injuries had been reported by Tuesday evening.",
]
SPLIT_V2 = [SPLIT_V1[0], QUOTE, "“The water is still coming up.”", SPLIT_V1[2]]


def test_a_move_link_says_which_way_and_marks_the_row_it_leads_to(page, live_server):
    page.goto(f"{live_server}/articles/{MOVES_ID}/compare/1...2?unchanged=show")
    moved = page.locator("#diff .row--moved .move-link")
    away = page.locator("#diff .row--moved_away .move-link")
    expect(moved).to_have_text(["↓ moved down from ¶3"])
    expect(away).to_have_text(["↓ moved down to ¶3"])
    away.click()
    expect(page).to_have_url(f"{live_server}/articles/{MOVES_ID}/compare/1...2"
                             "?unchanged=show#R3")
    target = page.locator("#diff .row--moved")
    expect(target).to_have_class("row row--moved is-current")
    expect(page.locator(".row.is-current")).to_have_count(1)
    # The keys go on from the row the link led to.
    page.keyboard.press("k")
    expect(page.locator(".row.is-current")).to_have_count(1)
    expect(target).not_to_have_class("row row--moved is-current")


def test_a_split_paragraph_is_one_row_with_nothing_struck_out(page, live_server):
    for version in (SPLIT_V1, SPLIT_V2):
        answer = page.request.post(f"{live_server}/api/articles/flood-split/versions",
                                   data=json.dumps({"body": "\n\n".join(version)}),
                                   headers={"Content-Type": "application/json"})
        assert answer.status in (200, 201), answer.text()
    page.goto(f"{live_server}/articles/flood-split/compare/1...2")
    row = page.locator("#diff .row--split")
    expect(row).to_have_count(1)
    expect(row.locator(".cell--left p")).to_have_count(1)
    expect(row.locator(".cell--right p[id]")).to_have_count(2)
    expect(row.locator(".cell--right .group-note")).to_have_text("Old ¶2 split into ¶2–3")
    expect(row.locator(".cell--left .pbreak")).to_be_visible()
    expect(row.locator("ins, del")).to_have_count(0)
    page.keyboard.press("j")
    expect(row).to_be_focused()
