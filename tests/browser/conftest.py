"""Browser fixtures: Debian's Chromium under pytest-playwright, the real app on a real socket."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from servers import serving_in_thread
from werkzeug.serving import WSGIRequestHandler

from service import create_app
from service.config import SEEDS_DIR
from service.ingest import parse_payload

CHROMIUM = Path("/usr/bin/chromium")
# The flags that work on these machines: headless, no sandbox (root), no GPU, no network chatter.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_ID = "ap-troops-eastern-europe"
XSS_ID = "xss-probe"
MOVES_ID = "council-vote"

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><script>alert(document.domain)</script>',
    "<a href=\"javascript:alert(1)\">click</a>",
    "{{ 7*7 }} and <style>body{display:none}</style>",
]

# A story whose second version removes, moves and edits paragraphs, so every row kind shows.
MOVES_V1 = [
    "The city council voted 7-2 on Tuesday to approve the new transit budget.",
    "The vote followed three hours of public comment from riders and drivers.",
    "Mayor Lena Ortiz called the budget “a turning point for the bus network.”",
    "Opponents said the plan relied on fare increases that would hurt low-income riders.",
    "The budget takes effect on July 1.",
]
MOVES_V2 = [
    "The city council voted 7-2 on Tuesday to approve a $48 million transit budget.",
    "Opponents said the plan relied on fare increases that would hurt low-income riders.",
    "Mayor Lena Ortiz called the budget “a turning point for the bus network.”",
    "The budget takes effect on July 1, pending a final review by the state.",
    "READ MORE: How the bus network lost a third of its riders",
]


def require_chromium() -> None:
    """Fail (never skip) when Chromium is missing; CI and local runs alike."""
    if CHROMIUM.exists():
        return
    where = "in CI (CI=true)" if os.environ.get("CI") == "true" else "on this machine"
    pytest.fail(f"Chromium is missing {where}: the browser tests need Debian's chromium at "
                f"{CHROMIUM}. Install it with `bash scripts/ensure-chromium` (or `apt-get install "
                "chromium`); `make test` does this for you.", pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium with the flags above."""
    require_chromium()
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS,
            "headless": True}


def _json(body: str | list, **meta) -> object:
    if isinstance(body, list):
        body = "\n\n".join(body)
    return parse_payload(json.dumps({"body": body, **meta}).encode(), "application/json")


def seed(store) -> None:
    """Load the demo article, the XSS probe and the moves story into the store."""
    for path in sorted((SEEDS_DIR / DEMO_ID).glob("*.txt")):
        store.save(DEMO_ID, parse_payload(path.read_bytes(), "text/plain"))
    store.save(XSS_ID, _json(["An ordinary first paragraph.", *XSS_PAYLOADS[:3]],
                             headline="<script>alert('headline')</script>",
                             url="javascript:alert(1)"))
    store.save(XSS_ID, _json(["An ordinary first paragraph, edited.", *XSS_PAYLOADS],
                             headline="<img src=x onerror=alert('headline')>",
                             byline="<b onmouseover=alert(1)>By Mallory</b>",
                             url="javascript:alert(1)", label="<i>2nd Ld</i>"))
    store.save(MOVES_ID, _json(MOVES_V1, headline="Council approves transit budget",
                               byline="By Dana Reyes", label="Writethru"))
    store.save(MOVES_ID, _json(MOVES_V2, headline="Council approves $48 million transit budget",
                               byline="By Dana Reyes", label="1st Ld-Writethru"))


class QuietHandler(WSGIRequestHandler):
    """Serve requests without an access-log line each."""

    def log_request(self, *args, **kwargs):
        """Keep the test output to failures."""


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Serve the real app on a free loopback port, in a thread, for the whole session."""
    path = tmp_path_factory.mktemp("browser-store") / "store.git"
    app = create_app({"TESTING": True, "STORE_PATH": path, "DURABLE": False})
    seed(app.extensions["store"])
    with serving_in_thread(app, request_handler=QuietHandler) as base:
        yield base


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Return the folder for this run's screenshots (ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def base_url(live_server):
    """Point pytest-playwright's base_url at the live server (its own default trips a warning)."""
    return live_server
