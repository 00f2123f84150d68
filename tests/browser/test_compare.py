"""The compare page in Chromium: the seed diff, toggles and folds with and without JavaScript, keys."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import DEMO_ID

pytestmark = pytest.mark.browser

COMPARE = f"/articles/{DEMO_ID}/compare/1...2"


def test_demo_diff_shows_added_edit_and_folded_unchanged(page, live_server):
    page.goto(live_server + COMPARE)
    expect(page.locator("#diff .row--added")).to_have_count(25)
    changed = page.locator("#diff .row--changed")
    expect(changed).to_have_count(1)
    # Only the apostrophe is highlighted, on each side.
    expect(changed.locator(".cell--left del")).to_have_text(["'"])
    expect(changed.locator(".cell--right ins")).to_have_text(["’"])
    unchanged = page.locator("#diff .row--unchanged")
    expect(unchanged).to_have_count(7)
    for i in range(7):
        expect(unchanged.nth(i)).to_be_hidden()
    expect(page.locator("details.fold--unchanged > summary").first).to_contain_text(
        "1 unchanged paragraph")


def test_ignore_typography_link_removes_the_edit(page, live_server):
    page.goto(live_server + COMPARE)
    page.get_by_role("link", name="Ignore typography").click()
    expect(page).to_have_url(live_server + COMPARE + "?ignore=typography")
    expect(page.locator("#diff .row--changed")).to_have_count(0)
    expect(page.locator("#diff .row--unchanged")).to_have_count(8)
    expect(page.locator(".stat--changed strong")).to_have_text("0")


@pytest.fixture
def no_js_page(browser):
    """Return a page in a context with JavaScript turned off."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_toggles_and_folds_work_without_javascript(no_js_page, live_server):
    page = no_js_page
    page.goto(live_server + COMPARE)
    # app.js would mark <html> with the class "js"; here it must not have run.
    expect(page.locator("html")).not_to_have_class("js")
    # A fold opens on click: <details> needs no script.
    fold = page.locator("details.fold--unchanged").first
    expect(fold.locator(".row")).to_be_hidden()
    fold.locator("summary").click()
    expect(fold.locator(".row")).to_be_visible()
    # "Show unchanged" is a plain link.
    page.get_by_role("link", name="Show unchanged").click()
    expect(page).to_have_url(live_server + COMPARE + "?unchanged=show")
    expect(page.locator("details.fold--unchanged")).to_have_count(0)
    for i in range(7):
        expect(page.locator("#diff .row--unchanged").nth(i)).to_be_visible()
    # Inline layout: the one-column cell of the edit shows, the two side cells do not.
    page.get_by_role("link", name="Inline").click()
    expect(page).to_have_url(live_server + COMPARE + "?unchanged=show&layout=inline")
    changed = page.locator("#diff .row--changed")
    expect(changed.locator(".cell--inline")).to_be_visible()
    expect(changed.locator(".cell--left")).to_be_hidden()
    expect(changed.locator(".cell--inline del")).to_have_text(["'"])
    # Typography, then back to exact, keeping the other choices.
    page.get_by_role("link", name="Ignore typography").click()
    expect(page.locator("#diff .row--changed")).to_have_count(0)
    page.get_by_role("link", name="Compare exactly").click()
    expect(page).to_have_url(live_server + COMPARE + "?unchanged=show&layout=inline")
    # The version pickers are a plain GET form answered by a redirect.
    page.select_option("select[name=from]", "2")
    page.select_option("select[name=to]", "1")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page).to_have_url(
        live_server + f"/articles/{DEMO_ID}/compare/2...1?unchanged=show&layout=inline")
    expect(page.locator("#diff .row--removed")).to_have_count(25)


def test_keys_move_between_changes(page, live_server):
    page.goto(live_server + COMPARE)
    expect(page.locator("html")).to_have_class("js")
    page.keyboard.press("j")
    expect(page).to_have_url(live_server + COMPARE + "#c1")
    expect(page.locator("#c1")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("n")
    expect(page).to_have_url(live_server + COMPARE + "#c3")
    expect(page.locator("#c3")).to_be_focused()
    expect(page.locator("#c3")).to_be_in_viewport()
    page.keyboard.press("k")
    expect(page.locator("#c2")).to_be_focused()
    page.keyboard.press("p")
    expect(page.locator("#c1")).to_be_focused()
    # A key pressed in a form field is typing, not navigation.
    page.locator("#site-q").focus()
    page.keyboard.press("j")
    expect(page.locator("#site-q")).to_have_value("j")
    expect(page).to_have_url(live_server + COMPARE + "#c1")


def test_navigating_to_a_folded_change_opens_its_fold(page, live_server):
    page.goto(live_server + COMPARE)
    promo = page.locator("details.fold--promo").first
    anchor = promo.locator("[data-change]").get_attribute("id")
    expect(promo.locator(".row")).to_be_hidden()
    number = int(anchor[1:])
    for _ in range(number):
        page.keyboard.press("j")
    expect(page.locator(f"#{anchor}")).to_be_focused()
    expect(promo.locator(".row")).to_be_visible()


def test_narrow_screen_defaults_to_inline(browser, live_server):
    for js in (True, False):
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      java_script_enabled=js)
        page = context.new_page()
        page.goto(live_server + COMPARE)
        changed = page.locator("#diff .row--changed")
        expect(changed.locator(".cell--inline")).to_be_visible()
        expect(changed.locator(".cell--left")).to_be_hidden()
        # Side by side stays one click away, even on a phone.
        page.get_by_role("link", name="Side by side").click()
        expect(page.locator("#diff .row--changed .cell--left")).to_be_visible()
        context.close()


def _far_digest_link(page):
    """Return the digest link whose row is furthest down the page, and that row's id."""
    links = page.locator(".digest a")
    expect(links.first).to_be_visible()
    targets = [links.nth(i).get_attribute("href")[1:] for i in range(links.count())]
    far = max(targets, key=lambda t: int(t[1:]))
    return page.locator(f'.digest a[href="#{far}"]').first, far


def test_digest_links_lead_to_their_rows(page, live_server, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + COMPARE)
    digest = page.get_by_role("region", name="What changed")
    expect(digest.get_by_role("listitem").first).to_contain_text("new lede")
    expect(digest).to_be_in_viewport()
    link, target = _far_digest_link(page)
    expect(page.locator(f"#{target}")).not_to_be_in_viewport()
    # By keyboard: focus the link, press Enter.
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + COMPARE + f"#{target}")
    expect(page.locator(f"#{target}")).to_be_in_viewport()
    expect(page.locator(f"#{target}")).to_be_focused()
    page.goto(live_server + COMPARE)
    page.screenshot(path=str(screenshot_dir / "compare-digest-wide.png"))


def test_digest_without_javascript(no_js_page, live_server):
    page = no_js_page
    page.goto(live_server + COMPARE)
    expect(page.locator("html")).not_to_have_class("js")
    expect(page.get_by_role("region", name="What changed").get_by_role("listitem")).not_to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text="25 paragraphs added")).to_have_count(1)
    link, target = _far_digest_link(page)
    link.click()
    expect(page).to_have_url(live_server + COMPARE + f"#{target}")
    expect(page.locator(f"#{target}")).to_be_in_viewport()


@pytest.mark.parametrize("spec", ["1...2", "0...2", "2...1"])
def test_digest_at_390_px_needs_no_sideways_scrolling(browser, live_server, screenshot_dir, spec):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server + f"/articles/{DEMO_ID}/compare/{spec}")
    expect(page.locator(".digest li").first).to_be_visible()
    wide, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert wide <= inner, (wide, inner)
    if spec == "1...2":
        page.screenshot(path=str(screenshot_dir / "compare-digest-narrow.png"))
    context.close()
