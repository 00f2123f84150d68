"""Metadata in every diff: a headline, byline, label or editor's note change is never "no change".

And typography-only edits are named: the seed pair's one edit (Putin's -> Putin’s) is marked
"punctuation only" in the API, on the compare page and in the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from service.cli import cli
from service.diff import Differ, describe_change, meta_changes, parse_ignore
from service.ingest import parse_payload

SEED = Path(__file__).resolve().parent.parent / "seeds" / "ap-troops-eastern-europe"
DEMO = "ap-troops-eastern-europe"
STORY = "biden-troops"

BODY = [
    "WASHINGTON (AP) — President Joe Biden is ordering 2,000 U.S.-based troops to Poland and "
    "Germany and shifting 1,000 more from Germany to Romania, the Pentagon said Wednesday.",
    "Russia fired back with a sharply worded objection, calling the deployments unfounded and "
    "“destructive.”",
    "Pentagon press secretary John Kirby said the soon-to-deploy U.S. forces are intended to "
    "temporarily bolster U.S. and allied defensive positions.",
]
V1_META = {
    "headline": "Biden orders 2,000 troops to Poland and Germany",
    "byline": "By Lolita C. Baldor",
    "label": "1st Ld-Writethru",
    "url": "https://apnews.com/article/russia-ukraine-biden-troops",
    "published_at": "2022-02-02T14:05:00Z",
    "updated_at": "2022-02-02T14:05:00Z",
}
NEW_HEADLINE = "Biden sends 3,000 troops to Poland, Germany and Romania"


def version(paragraphs: list[str] | None = None, **meta):
    """Return a JSON submission of the story with metadata (V1's unless overridden; None drops)."""
    fields = {k: v for k, v in {**V1_META, **meta}.items() if v is not None}
    body = json.dumps({"body": "\n\n".join(paragraphs or BODY), **fields}).encode()
    return parse_payload(body, "application/json")


@pytest.fixture
def headline_only(store):
    """Two versions of a story whose only difference is the headline."""
    store.save(STORY, version())
    store.save(STORY, version(headline=NEW_HEADLINE))
    return STORY


@pytest.fixture
def demo(store):
    for path in sorted(SEED.glob("*.txt")):
        store.save(DEMO, parse_payload(path.read_bytes(), "text/plain"))
    return DEMO


@pytest.fixture
def run(store_path):
    def invoke(*args):
        return CliRunner().invoke(cli, ["--store", str(store_path), *map(str, args)],
                                  catch_exceptions=False, prog_name="writethru")

    return invoke


def html(client, url: str) -> BeautifulSoup:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


# -- the rule (diff/meta.py) and the summary --------------------------------------------------

def test_a_headline_edit_carries_word_segments():
    changes = meta_changes(V1_META, {**V1_META, "headline": NEW_HEADLINE})
    assert [(c["field"], c["old"], c["new"]) for c in changes] == [
        ("headline", V1_META["headline"], NEW_HEADLINE)]
    segs = changes[0]["segments"]
    assert "".join(s["text"] for s in segs if s["op"] != "insert") == V1_META["headline"]
    assert "".join(s["text"] for s in segs if s["op"] != "delete") == NEW_HEADLINE
    assert {"op": "equal", "text": "Biden "} == segs[0]
    assert "typography" not in changes[0]


def test_byline_label_editors_note_and_times_are_listed_in_a_fixed_order():
    new = {**V1_META, "byline": "By Lolita C. Baldor and Aamer Madhani",
           "label": "2nd Ld-Writethru", "updated_at": "2022-02-02T16:40:00Z",
           "editor_note": "Eds: UPDATES with Russian reaction, Pentagon comment."}
    changes = meta_changes(V1_META, new)
    assert [c["field"] for c in changes] == ["byline", "label", "editor_note", "updated_at"]
    assert changes[2] == {"field": "editor_note", "old": None,
                          "new": "Eds: UPDATES with Russian reaction, Pentagon comment."}
    assert all("segments" not in c for c in changes)  # word segments are the headline's


def test_empty_and_absent_values_are_the_same_and_other_keys_are_not_compared():
    old = {**V1_META, "editor_note": "", "source_format": "json"}
    new = {**V1_META, "editor_note": None, "source_format": "ninjs-3"}
    assert meta_changes(old, new) == []


def test_a_headline_that_differs_only_in_typography_is_marked_and_can_be_ignored():
    old = {"headline": "Biden's troops 'a signal' to Putin - Pentagon"}
    new = {"headline": "Biden’s troops ‘a signal’ to Putin — Pentagon"}
    [change] = meta_changes(old, new)
    assert change["typography"] is True
    assert meta_changes(old, new, ignore_typography=True) == []


def test_from_the_empty_story_every_field_is_new():
    changes = meta_changes(None, V1_META)
    assert [c["field"] for c in changes] == ["headline", "byline", "label", "url",
                                             "published_at", "updated_at"]
    assert all(c["old"] is None for c in changes)


@pytest.mark.parametrize(("stats", "expected"), [
    ({"meta_fields": ["headline"]}, "headline changed"),
    ({"added": 2, "changed": 1, "meta_fields": ["headline"]},
     "+2 paragraphs, 1 edited; headline changed"),
    ({"unchanged": 3, "meta_fields": ["headline", "byline"]}, "headline and byline changed"),
    ({"meta_fields": ["byline", "label", "editor_note"]},
     "byline, label and editor's note changed"),
    ({"meta_fields": ["url", "published_at", "updated_at"]},
     "URL, publication time and update time changed"),
    ({"unchanged": 3, "meta_changed": 0, "meta_fields": []}, "no change"),
])
def test_describe_change_names_metadata(stats, expected):
    assert describe_change(stats) == expected


# -- the Differ ---------------------------------------------------------------------------------

def test_the_differ_puts_metadata_in_diffs_and_stats(store, headline_only):
    differ = Differ(store)
    diff, _old, _new = differ.compare(STORY, 1, 2)
    assert [c["field"] for c in diff.meta] == ["headline"]
    assert diff.stats["meta_changed"] == 1 and diff.stats["meta_fields"] == ["headline"]
    assert diff.stats["unchanged"] == 3 and diff.stats["typography_only"] == 0
    assert describe_change(diff.stats) == "headline changed"


@pytest.mark.parametrize("warm", ["cold", "after compare", "after annotate"])
def test_change_stats_count_the_metadata_change_cold_and_cached(store, headline_only, warm):
    differ = Differ(store)
    if warm == "after compare":
        differ.compare(STORY, 1, 2)
    elif warm == "after annotate":
        differ.annotate(STORY, 2)
    misses = differ.cache_counts()["misses"]
    stats = differ.change_stats(STORY, store.versions(STORY))
    assert stats[1]["meta_fields"] == ["headline"] and stats[1]["meta_changed"] == 1
    assert describe_change(stats[1]) == "headline changed"
    # Served from the stats cache the second time: the same answer, no new diff.
    assert differ.change_stats(STORY, store.versions(STORY)) == stats
    assert differ.cache_counts()["misses"] == misses


def test_ignoring_typography_leaves_out_a_typographic_headline_change(store):
    store.save(STORY, version(headline="Biden's troops 'a signal' to Putin"))
    store.save(STORY, version(headline="Biden’s troops ‘a signal’ to Putin"))
    differ = Differ(store)
    exact, _, _ = differ.compare(STORY, 1, 2)
    assert exact.meta[0]["typography"] is True and exact.stats["meta_changed"] == 1
    loose, _, _ = differ.compare(STORY, 1, 2, parse_ignore("typography"))
    assert loose.meta == [] and loose.stats["meta_fields"] == []


# -- the API --------------------------------------------------------------------------------------

def test_api_diff_of_a_headline_only_version(client, headline_only):
    body = client.get(f"/api/articles/{STORY}/diff").get_json()
    assert [r["kind"] for r in body["rows"]] == ["unchanged"] * 3
    [change] = body["meta"]
    assert (change["field"], change["old"], change["new"]) == (
        "headline", V1_META["headline"], NEW_HEADLINE)
    assert [s["op"] for s in change["segments"]][:2] == ["equal", "delete"]
    assert body["stats"]["meta_changed"] == 1 and body["stats"]["meta_fields"] == ["headline"]


def test_api_diff_of_byline_label_and_editors_note(client, store):
    store.save(STORY, version())
    store.save(STORY, version(byline="By Lolita C. Baldor and Aamer Madhani",
                              label="2nd Ld-Writethru",
                              editor_note="Eds: UPDATES with Russian reaction."))
    body = client.get(f"/api/articles/{STORY}/diff?from=1&to=2").get_json()
    assert [(c["field"], c["old"], c["new"]) for c in body["meta"]] == [
        ("byline", "By Lolita C. Baldor", "By Lolita C. Baldor and Aamer Madhani"),
        ("label", "1st Ld-Writethru", "2nd Ld-Writethru"),
        ("editor_note", None, "Eds: UPDATES with Russian reaction."),
    ]
    assert body["stats"]["meta_fields"] == ["byline", "label", "editor_note"]


def test_api_seed_pair_row_is_typography_only_and_the_counts_stay(client, demo):
    body = client.get(f"/api/articles/{DEMO}/diff?from=1&to=2").get_json()
    stats = body["stats"]
    assert (stats["added"], stats["removed"], stats["changed"], stats["moved"],
            stats["unchanged"]) == (25, 0, 1, 0, 7)
    assert (stats["words_added"], stats["words_removed"]) == (757, 1)
    assert stats["typography_only"] == 1 and stats["meta_changed"] == 0 and body["meta"] == []
    [changed] = [r for r in body["rows"] if r["kind"] == "changed"]
    assert changed["typography"] is True
    assert not [r for r in body["rows"] if r["kind"] != "changed" and "typography" in r]


def test_a_real_word_edit_is_not_typography_only(client, store):
    store.save(STORY, version())
    store.save(STORY, version([BODY[0].replace("2,000", "3,000"), *BODY[1:]]))
    body = client.get(f"/api/articles/{STORY}/diff").get_json()
    [changed] = [r for r in body["rows"] if r["kind"] == "changed"]
    assert "typography" not in changed and body["stats"]["typography_only"] == 0


# -- the command line ---------------------------------------------------------------------------

def test_cli_diff_shows_the_headline_change(run, headline_only):
    result = run("diff", STORY)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{STORY} v1..v2: headline changed; 3 unchanged, +0/-0 words"
    # Numbers are whole tokens: 2,000 -> 3,000 is one number replaced, not two digits.
    assert lines[1] == ("~ headline: Biden [-orders 2,000-]{+sends 3,000+} troops to Poland"
                        "[- and Germany-]{+, Germany and Romania+}")


def test_cli_diff_shows_other_fields_old_to_new(run, store):
    store.save(STORY, version())
    store.save(STORY, version(byline="By Lolita C. Baldor and Aamer Madhani",
                              editor_note="Eds: UPDATES with Russian reaction."))
    lines = run("diff", STORY).stdout.splitlines()
    assert lines[0].startswith(f"{STORY} v1..v2: byline and editor's note changed; 3 unchanged")
    assert lines[1] == "~ byline: By Lolita C. Baldor → By Lolita C. Baldor and Aamer Madhani"
    assert lines[2] == "~ editor's note: (none) → Eds: UPDATES with Russian reaction."


def test_cli_log_says_headline_changed(run, headline_only):
    lines = run("log", STORY).stdout.splitlines()
    assert lines[0].split()[0] == "v2" and "  headline changed  [1st Ld-Writethru]" in lines[0]
    assert "no change" not in lines[0]


def test_cli_diff_json_equals_the_api_answer_with_meta(run, app, client, headline_only):
    doc = json.loads(run("diff", STORY, "--json").stdout)
    assert doc == client.get(f"/api/articles/{STORY}/diff").get_json()
    assert doc["meta"][0]["field"] == "headline"


def test_cli_marks_the_seed_pair_edit_punctuation_only(run, demo):
    edited = [line for line in run("diff", DEMO).stdout.splitlines() if line.startswith("~ ")]
    assert len(edited) == 1
    assert edited[0].endswith("Putin[-'-]{+\u2019+}s buildup of 100,000 troops there. "
                              "(punctuation only)")


# -- the pages and the feed ---------------------------------------------------------------------

def test_feed_entry_summary_says_headline_changed(client, headline_only):
    feed = feedparser.parse(client.get(f"/articles/{STORY}/feed.atom").data)
    newest = feed.entries[0]
    assert newest.title == f"{NEW_HEADLINE}: version 2 (1st Ld-Writethru)"
    # The counts in words, then the digest's headline item (old → new).
    assert newest.summary.startswith("headline changed (3 paragraphs, 61 words); headline: ")
    assert newest.summary.endswith(f"→ {NEW_HEADLINE}")


def test_timeline_table_says_headline_changed(client, headline_only):
    soup = html(client, f"/articles/{STORY}")
    latest = soup.select("table.versions tbody tr")[0]
    assert latest.find_all("td")[-1].get_text(strip=True) == "headline changed"


def test_timeline_table_names_a_byline_change(client, store):
    store.save(STORY, version())
    store.save(STORY, version([*BODY, "Kirby said the moves are not permanent."],
                              byline="By Lolita C. Baldor and Aamer Madhani"))
    soup = html(client, f"/articles/{STORY}")
    latest = soup.select("table.versions tbody tr")[0]
    assert latest.find_all("td")[-1].get_text(strip=True) == "+1 paragraph; byline changed"


def test_compare_page_shows_the_headline_words_that_changed(client, headline_only):
    soup = html(client, f"/articles/{STORY}/compare/1...2")
    [row] = soup.select(".meta-changes tbody tr")
    assert row.th.get_text() == "headline"
    before, after = row.find_all("td")
    assert before.get_text() == V1_META["headline"]
    assert after.get_text() == NEW_HEADLINE
    assert [d.get_text() for d in before.select("del")] == ["orders 2,000", " and Germany"]
    assert [i.get_text() for i in after.select("ins")] == ["sends 3,000", ", Germany and Romania"]
    assert not before.select("ins") and not after.select("del")


def test_compare_page_badges_the_seed_pair_edit_punctuation_only(client, demo):
    soup = html(client, f"/articles/{DEMO}/compare/1...2")
    [changed] = soup.select("#diff .row--changed")
    badges = changed.select(".badge--typography")
    # One in the side-by-side right cell, one in the one-column cell.
    assert [b.get_text() for b in badges] == ["punctuation only"] * 2
    assert badges[0].find_parent(class_="cell--right") and badges[1].find_parent(class_="cell--inline")
    # The highlighted characters are still only the apostrophe.
    assert [i.get_text() for i in changed.select(".cell--right ins")] == ["\u2019"]
    assert len(soup.select(".badge--typography")) == 2
    loose = html(client, f"/articles/{DEMO}/compare/1...2?ignore=typography")
    assert not loose.select(".badge--typography")


def test_a_moved_paragraph_edited_only_in_typography_is_marked_too(client, run, store):
    # The last paragraph goes to the top, its apostrophes curled on the way; six stay put.
    stay = ["The council met on Tuesday night.", "Members debated the budget for two hours.",
            "The mayor spoke first.", "Residents asked about road repairs.",
            "A vote is expected next week.", "The meeting ended at 10 p.m."]
    moving = "The budget vote, it's said, will decide the mayor's future."
    old, new = [*stay, moving], [moving.replace("'", "\u2019"), *stay]
    store.save(STORY, version(old))
    store.save(STORY, version(new))
    body = client.get(f"/api/articles/{STORY}/diff").get_json()
    [moved] = [r for r in body["rows"] if r["kind"] == "moved"]
    assert moved["typography"] is True and body["stats"]["typography_only"] == 1
    soup = html(client, f"/articles/{STORY}/compare/1...2")
    [row] = soup.select("#diff .row--moved")
    assert row.select_one(".badge--typography").get_text() == "punctuation only"
    [line] = [x for x in run("diff", STORY).stdout.splitlines() if x.startswith("> ")]
    assert "(moved" in line and line.endswith(" (punctuation only)")
