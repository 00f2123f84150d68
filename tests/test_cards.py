"""The picture of a change: card.png and card.svg of a compare, and the compare page's card tags."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from service.card import HEIGHT, WIDTH, Run
from service.card.layout import measure, wrap

QUAKE = "quake"
V1 = ("Earthquake kills 12 in south\n\n"
      "A 6.1 earthquake struck at dawn, killing 12 people and injuring dozens, officials said.\n\n"
      "Rescuers searched the rubble of three towns.\n")
V2 = ("Earthquake kills 15 in south\n\n"
      "A 6.1 earthquake struck at dawn, killing 15 people and injuring dozens, officials said.\n\n"
      "Rescuers searched the rubble of three towns.\n")
V3 = ("Earthquake kills 15 in south\n\n"
      "A 6.1 earthquake struck at dawn, killing 15 people and injuring dozens, officials said.\n\n"
      "Rescuers searched the rubble of three towns.\n\n"
      "“Every hand is needed,” said Ana Vega, the mayor.\n")


def post(client, article: str, body: str, **fields):
    payload = {"body": body, **fields}
    resp = client.post(f"/api/articles/{article}/versions", json=payload)
    assert resp.status_code == 201, resp.get_json()


@pytest.fixture
def quake(client):
    """A story of three versions: a number changed, then a quote added."""
    post(client, QUAKE, V1, headline="Earthquake kills 12 in south")
    post(client, QUAKE, V2, headline="Earthquake kills 12 in south")
    post(client, QUAKE, V3, headline="Earthquake kills 12 in south")
    return client


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_card_png_is_a_social_card_and_differs_between_changes(quake):
    first = quake.get(f"/articles/{QUAKE}/compare/1...2/card.png")
    second = quake.get(f"/articles/{QUAKE}/compare/2...3/card.png")
    assert first.status_code == second.status_code == 200
    assert first.mimetype == "image/png"
    a, b = pixels(first.data), pixels(second.data)
    assert a.size == b.size == (WIDTH, HEIGHT) == (1200, 630)
    assert a.tobytes() != b.tobytes()
    # Insertions are marked green and deletions red (the compare page's colours): the number
    # change has both, the added quote only an insertion.
    colours_a = {c for _, c in a.getcolors(maxcolors=1 << 20)}
    colours_b = {c for _, c in b.getcolors(maxcolors=1 << 20)}
    green, red = (0xD7, 0xF5, 0xDD), (0xFD, 0xE0, 0xDF)
    assert green in colours_a and red in colours_a
    assert green in colours_b and red not in colours_b


def test_card_svg_says_what_changed_and_escapes_publisher_text(client):
    evil = "<script>alert(1)</script> & \"quotes\" ]]>"
    post(client, "xss", "First paragraph.\n")
    post(client, "xss", f"First paragraph.\n\nNew paragraph {evil}\n", headline=f"Head {evil}")
    resp = client.get("/articles/xss/compare/1...2/card.svg")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    root = ET.fromstring(resp.data)  # well-formed: the text was escaped, not spliced
    ns = "{http://www.w3.org/2000/svg}"
    assert not list(root.iter(f"{ns}script"))
    texts = "".join(t.text or "" for t in root.iter(f"{ns}text"))
    assert "<script>alert(1)</script>" in texts
    assert "HEADLINE" in texts  # the digest's first item: the headline was added
    png = client.get("/articles/xss/compare/1...2/card.png")
    assert pixels(png.data).size == (1200, 630)


def test_card_is_named_by_its_commits(quake):
    url = f"/articles/{QUAKE}/compare/1...latest/card.png"
    first = quake.get(url)
    again = quake.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    post(quake, QUAKE, V3 + "\nOne more paragraph.\n")
    moved = quake.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200 and moved.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize("url, status", [
    ("/articles/quake/compare/1..2/card.png", 400),      # not a range
    ("/articles/quake/compare/1...9/card.png", 404),     # no such version
    ("/articles/nobody/compare/1...2/card.png", 404),    # no such story
    ("/articles/quake/compare/1...2/card.gif", 404),     # not a card type
    ("/articles/quake/compare/x...2/card.svg", 400),
])
def test_bad_card_addresses(quake, url, status):
    resp = quake.get(url)
    assert resp.status_code == status
    assert resp.mimetype in ("application/problem+json", "text/html")


def test_compare_page_points_social_sites_at_its_card(quake):
    page = quake.get(f"/articles/{QUAKE}/compare/1...2").get_data(as_text=True)
    image = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    assert image == f"http://localhost/articles/{QUAKE}/compare/1...2/card.png"
    assert 'name="twitter:card" content="summary_large_image"' in page
    description = re.search(r'<meta property="og:description" content="([^"]+)"', page).group(1)
    assert "12 \u2192 15" in description
    assert quake.get(image.removeprefix("http://localhost")).status_code == 200


def test_card_base_url_names_the_card(store_path):
    from service.web.app import create_app

    app = create_app({"TESTING": True, "STORE_PATH": store_path, "DURABLE": False,
                      "BASE_URL": "https://news.example/diffs"})
    client = app.test_client()
    post(client, "a", "One.\n")
    post(client, "a", "One.\n\nTwo.\n")
    page = client.get("/articles/a/compare/1...2").get_data(as_text=True)
    assert 'content="https://news.example/diffs/articles/a/compare/1...2/card.png"' in page


def test_wrap_keeps_lines_inside_the_card_and_cuts_with_an_ellipsis():
    runs = [Run("equal", "word " * 200), Run("insert", "東京都の地震で" * 40)]
    lines = wrap(runs, "regular", 34, 1000, 5)
    assert len(lines) == 5
    for line in lines:
        assert sum(measure(text, "regular", 34) for _, text in line) <= 1000
    assert lines[-1][-1][1].endswith("\u2026")
    # A run with no spaces (CJK) is broken between characters, not left past the edge.
    cjk = wrap([Run("insert", "東京都の地震で" * 40)], "regular", 34, 1000, 3)
    assert len(cjk) == 3


def test_card_svg_is_well_formed_when_the_story_holds_control_characters(client):
    post(client, "ctrl", "First paragraph.\n")
    post(client, "ctrl", "First paragraph.\n\nA stray \x01 and an escape \x1b[31m here.\n")
    resp = client.get("/articles/ctrl/compare/1...2/card.svg")
    texts = "".join(t.text or "" for t in ET.fromstring(resp.data).iter(
        "{http://www.w3.org/2000/svg}text"))
    assert "A stray  and an escape [31m here." in texts
