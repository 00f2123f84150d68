"""'Since you last looked' in Chromium: the article page remembers, in the browser, the newest
version the reader saw and offers the compare from there once a newer one arrives."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BODY = ["The river rose two metres overnight, forcing 300 families from their homes.",
        "Officials opened three shelters in the town hall and two schools.",
        "More rain is forecast for Thursday."]


def post(page, live_server, story: str, body: list[str], **meta) -> None:
    answer = page.request.post(f"{live_server}/api/articles/{story}/versions",
                               data=json.dumps({"body": "\n\n".join(body), **meta}),
                               headers={"Content-Type": "application/json"})
    assert answer.status in (200, 201), answer.text()


def two_versions(page, live_server, story: str) -> str:
    post(page, live_server, story, BODY, headline="River floods town")
    post(page, live_server, story, [BODY[0], BODY[1].replace("two", "four"), BODY[2]],
         headline="River floods town")
    return f"{live_server}/articles/{story}"


def offer(page):
    return page.locator(".page-head .since-last a")


def test_the_offer_appears_after_a_new_version_and_leads_to_the_compare(page, live_server):
    url = two_versions(page, live_server, "flood-since")
    page.goto(url)
    expect(page.locator("html")).to_have_class("js")
    expect(offer(page)).to_have_count(0)
    post(page, live_server, "flood-since", [*BODY, "The mayor asked residents to stay away."],
         headline="River floods town; mayor urges caution")
    page.reload()
    link = offer(page)
    expect(link).to_have_text("Since you last looked (v2): compare v2…v3")
    link.click()
    expect(page).to_have_url(f"{url}/compare/2...3")
    expect(page.locator("#diff .row--added")).to_have_count(1)
    # Seen now: back on the story, nothing new to offer.
    page.goto(url)
    expect(page.locator("html")).to_have_class("js")
    expect(offer(page)).to_have_count(0)


def test_opening_a_version_page_counts_as_looking(page, live_server):
    url = two_versions(page, live_server, "flood-version")
    page.goto(f"{url}/versions/1")
    page.goto(url)
    link = offer(page)
    expect(link).to_have_text("Since you last looked (v1): compare v1…v2")
    expect(link).to_have_attribute("href", "/articles/flood-version/compare/1...2")


def test_a_storage_failure_is_silent(browser, live_server):
    context = browser.new_context()
    # Private modes and blocked storage throw on access: the page must carry on regardless.
    context.add_init_script("Object.defineProperty(window, 'localStorage', "
                            "{get() { throw new Error('denied'); }});")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    url = two_versions(page, live_server, "flood-private")
    page.goto(url)
    assert page.evaluate("() => { try { localStorage; return false; } catch (e) { return true; } }")
    page.reload()
    expect(page.locator("table.versions tbody tr")).to_have_count(2)
    expect(offer(page)).to_have_count(0)
    assert errors == []
    context.close()


def test_without_javascript_there_is_no_offer_and_the_page_works(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    url = two_versions(page, live_server, "flood-nojs")
    page.goto(url)
    post(page, live_server, "flood-nojs", [*BODY, "A fourth paragraph."])
    page.reload()
    expect(page.locator("html")).not_to_have_class("js")
    expect(page.locator(".since-last")).to_have_count(0)
    expect(page.locator("table.versions tbody tr")).to_have_count(3)
    page.get_by_role("link", name="What the latest update changed").click()
    expect(page).to_have_url(f"{url}/compare/2...3")
    context.close()


def test_at_390_px_the_page_with_the_offer_does_not_scroll_sideways(browser, live_server,
                                                                    screenshot_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    story = "flood-narrow-" + "x" * 60
    url = two_versions(page, live_server, story)
    page.goto(url)
    post(page, live_server, story, [*BODY, "A fourth paragraph."],
         headline="River floods town; mayor urges caution",
         updated_at="2026-03-04T09:30:00Z", published_at="2026-03-04T06:00:00Z")
    page.reload()
    expect(offer(page)).to_be_visible()
    expect(page.locator("tr#v3 .headline-change q")).to_have_count(2)
    expect(page.locator("tr#v3 td.pub-times time")).to_have_count(2)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=str(screenshot_dir / "since-last-390.png"), full_page=True)
    context.close()
