"""Every page, wide and narrow: it loads, fits the width, and leaves a screenshot to look at."""

from __future__ import annotations

import pytest

from .conftest import DEMO_ID, MOVES_ID

pytestmark = pytest.mark.browser

PAGES = [
    ("list", "/", 200),
    ("timeline", f"/articles/{DEMO_ID}", 200),
    ("compare", f"/articles/{DEMO_ID}/compare/1...2", 200),
    ("compare-moves", f"/articles/{MOVES_ID}/compare/1...2?unchanged=show", 200),
    ("compare-inline", f"/articles/{DEMO_ID}/compare/1...2?layout=inline", 200),
    ("version", f"/articles/{DEMO_ID}/versions/2", 200),
    ("not-found", "/articles/no-such-story", 404),
]
VIEWPORTS = {"wide": {"width": 1280, "height": 900}, "narrow": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_page_fits_and_is_captured(browser, live_server, screenshot_dir, name, path, status, size):
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    try:
        response = page.goto(live_server + path)
        assert response.status == status
        assert page.locator("h1").count() == 1
        # Nothing may push the page sideways: wide tables and long words wrap or scroll inside.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} overflows a {size} window by {overflow}px"
        page.screenshot(path=str(screenshot_dir / f"{name}-{size}.png"), full_page=True)
    finally:
        context.close()
