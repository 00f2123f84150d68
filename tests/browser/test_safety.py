"""Hostile article text in Chromium: shown as text, no dialog ever opens, no CSP complaint."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import DEMO_ID, XSS_ID, XSS_PAYLOADS

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    f"/?q={XSS_ID}",
    f"/articles/{XSS_ID}",
    f"/articles/{XSS_ID}/compare/1...2",
    f"/articles/{XSS_ID}/compare/1...2?layout=inline&unchanged=show",
    f"/articles/{XSS_ID}/versions/1",
    f"/articles/{XSS_ID}/versions/2",
    f"/articles/{DEMO_ID}",
    f"/articles/{DEMO_ID}/compare/1...2",
    f"/articles/{DEMO_ID}/versions/2",
]
# An error page whose address carries a payload; the browser logs its 404 status, nothing else.
ERROR_PAGE = "/articles/%3Cscript%3Ealert(1)%3C%2Fscript%3E/versions/%3Cimg%20src=x%3E"


def test_hostile_text_is_shown_as_text_and_never_runs(page, live_server):
    dialogs, problems = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def on_console(message):
        expected_404 = message.location.get("url") == live_server + ERROR_PAGE and \
            message.text.startswith("Failed to load resource: the server responded with a status of 4")
        if message.type in ("error", "warning") and not expected_404:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path in [*PAGES, ERROR_PAGE]:
        page.goto(live_server + path)
        # Hover and click through the page's own text, where onmouseover/onerror would fire.
        page.locator("h1").hover()
        page.wait_for_load_state("load")
    assert dialogs == []
    assert problems == []


def test_payloads_appear_verbatim(page, live_server):
    page.goto(live_server + f"/articles/{XSS_ID}/versions/2")
    body = page.locator(".annotated")
    for payload in XSS_PAYLOADS:
        expect(body).to_contain_text(payload)
    expect(page.locator("h1")).to_have_text("<img src=x onerror=alert('headline')>")
    expect(page.locator(".annotated img, .annotated script, .annotated svg")).to_have_count(0)
    # A javascript: address in the metadata is never turned into a link.
    expect(page.locator("a[href^='javascript']")).to_have_count(0)


def test_our_own_assets_load_under_the_policy(page, live_server):
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    response = page.goto(live_server + f"/articles/{DEMO_ID}/compare/1...2")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # The stylesheet applied (the page has its grid) and the script ran (it marks <html>).
    expect(page.locator("html")).to_have_class("js")
    assert page.evaluate("getComputedStyle(document.querySelector('.row')).display") == "grid"
    page.keyboard.press("j")
    expect(page.locator("#c1")).to_be_focused()
    assert violations == []
