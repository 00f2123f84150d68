"""The article page's timeline: the publisher's times beside the received ones, headline changes."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup

from service.ingest import parse_payload
from service.store import GitStore

STORY = "quake-toll"
BODY_1 = ["An earthquake struck the coast on Monday, killing at least 12 people.",
          "Rescuers searched collapsed buildings through the night."]
BODY_2 = [*BODY_1[:1], "Rescuers searched collapsed buildings through the night and morning."]
BODY_3 = ["An earthquake struck the coast on Monday, killing at least 15 people.", *BODY_2[1:]]
BODY_4 = [*BODY_3, "The government declared three days of mourning."]


def save(store, body: list[str], **meta) -> None:
    doc = json.dumps({"body": "\n\n".join(body), **meta}).encode()
    store.save(STORY, parse_payload(doc, "application/json"))


def rows(client) -> dict[int, BeautifulSoup]:
    resp = client.get(f"/articles/{STORY}")
    assert resp.status_code == 200
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    return {int(tr["id"][1:]): tr for tr in soup.select("table.versions tbody tr")}


def test_publisher_times_show_beside_the_received_ones(client, store_path):
    store = GitStore(store_path, durable=False)
    save(store, BODY_1, headline="Quake kills 12", published_at="2026-03-02T06:10:00Z",
         updated_at="2026-03-02T06:10:00Z")
    save(store, BODY_2, headline="Quake kills 12", published_at="2026-03-02T06:10:00Z",
         updated_at="2026-03-02T08:45:00+02:00")
    save(store, BODY_3, headline="Quake kills 15")
    by_version = rows(client)
    times = {v: tr.select_one("td.pub-times") for v, tr in by_version.items()}
    # Published and updated at the same moment: one time, said once.
    assert [t["datetime"] for t in times[1].find_all("time")] == ["2026-03-02T06:10:00Z"]
    assert times[1].get_text(" ", strip=True).startswith("updated")
    # Both sent: both shown, each a <time>, the offset turned into UTC.
    assert [t["datetime"] for t in times[2].find_all("time")] == [
        "2026-03-02T06:45:00Z", "2026-03-02T06:10:00Z"]
    assert "published" in times[2].get_text()
    # None sent: a dash, no <time>; the received time is still there.
    assert times[3].get_text(strip=True) == "—" and not times[3].find("time")
    assert by_version[3].find("td", attrs={"data-label": "Received"}).find("time")


def test_headline_changes_are_marked_but_not_typography(client, store_path):
    store = GitStore(store_path, durable=False)
    save(store, BODY_1, headline="Quake kills 12 on the coast")
    save(store, BODY_2, headline="Quake kills 12 on the coast")
    save(store, BODY_3, headline="Quake toll rises to 15")
    save(store, BODY_4, headline="Quake toll rises to 15 \u2014 \u201cmourning\u201d declared")
    save(store, BODY_4, headline='Quake toll rises to 15 - "mourning" declared')
    save(store, BODY_4)
    by_version = rows(client)
    marks = {v: tr.select_one(".headline-change q") and tr.select_one(".headline-change")
             for v, tr in by_version.items()}
    assert not marks[1] and not marks[2]
    assert marks[3].get_text(" ", strip=True) == "Quake kills 12 on the coast → Quake toll rises to 15"
    assert [q.get_text() for q in marks[4].find_all("q")] == [
        "Quake toll rises to 15", "Quake toll rises to 15 \u2014 \u201cmourning\u201d declared"]
    # Straight quotes and a hyphen for the dash: typography only, not a change.
    assert not marks[5]
    # No headline sent: nothing to compare, nothing marked.
    assert not marks[6]


def test_a_headline_stays_text(client, store_path):
    store = GitStore(store_path, durable=False)
    save(store, BODY_1, headline="Quake")
    save(store, BODY_2, headline="<script>alert(1)</script>")
    mark = rows(client)[2].select_one(".headline-change")
    assert not mark.find("script")
    assert "<script>alert(1)</script>" in mark.get_text()
