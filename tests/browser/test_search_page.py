"""The search page in Chromium with JavaScript off: the header box, the filters and the links."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

V1 = ["Flood waters reached Ballymore on Monday.", "The council opened 2 shelters."]
V2 = ["Flood waters reached Ballymore and Kilbeg on Monday.", "The council opened 5 shelters."]


@pytest.fixture
def no_script(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def post(page, live_server, story: str, body: list[str]) -> None:
    answer = page.request.post(f"{live_server}/api/articles/{story}/versions",
                               data=json.dumps({"body": "\n\n".join(body)}),
                               headers={"Content-Type": "application/json"})
    assert answer.status in (200, 201), answer.text()


def test_search_works_without_script_from_the_header_to_the_compare(no_script, live_server):
    post(no_script, live_server, "flood-search", V1)
    post(no_script, live_server, "flood-search", V2)
    no_script.goto(live_server)
    no_script.fill("#site-q", "shelters")
    no_script.press("#site-q", "Enter")  # a plain form submit: no script runs
    hit = no_script.locator(".search-hit", has_text="flood-search").first
    expect(hit.locator("mark")).to_have_text("shelters")
    expect(hit.locator(".search-hit__where")).to_contain_text("v1 only")
    hit.get_by_role("link", name="Changed or removed: v1 → v2").click()
    expect(no_script).to_have_url(f"{live_server}/articles/flood-search/compare/1...2")

    # The change filters are checkboxes of the same form.
    no_script.goto(f"{live_server}/search")
    no_script.check("input[name=change][value=number]")
    no_script.locator("form.search-form button[type=submit]").click()
    expect(no_script.locator(".search-hit--change", has_text="flood-search")).to_contain_text(
        "2 → 5")
    width = no_script.evaluate("document.documentElement.scrollWidth")
    assert width <= no_script.viewport_size["width"]
