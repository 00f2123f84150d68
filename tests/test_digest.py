"""The update digest on realistic stories written for these tests, and on the seed pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.diff import diff_paragraphs, update_digest
from service.diff.digest import CAP
from service.diff.versions import with_meta
from service.store.text import split_text

SEED = Path(__file__).resolve().parents[1] / "seeds" / "ap-troops-eastern-europe"


def digest(old, new, old_meta=None, new_meta=None, **options):
    """The digest of two versions as the Differ would diff them."""
    result = with_meta(diff_paragraphs(old, new, **options), old_meta, new_meta or {})
    return update_digest(result, old, new, old_meta, new_meta), result


def kinds(items):
    return [i["kind"] for i in items]


# --- a death toll rising twice ----------------------------------------------------------------

QUAKE = [
    "ISTANBUL (AP) — A powerful earthquake struck eastern Turkey on Monday, killing 12 people "
    "and injuring dozens more, officials said.",
    "The quake, with a magnitude of 6.1, was centered near the town of Elazig, the country's "
    "disaster agency said.",
    "Rescue teams searched collapsed buildings through the night.",
]


def _toll(n: int, injured: str) -> list[str]:
    return [QUAKE[0].replace("12", str(n)).replace("dozens more", f"{injured} more"), *QUAKE[1:]]


def test_a_death_toll_rising_twice_names_each_rise_with_its_words():
    v1, v2, v3 = QUAKE, _toll(15, "dozens"), _toll(17, "1,700")
    first, result = digest(v1, v2)
    numbers = [i for i in first if i["kind"] == "number"]
    assert [(n["old"], n["new"]) for n in numbers] == [("12", "15")]
    assert "killing 12 \u2192 15 people" in numbers[0]["text"]
    assert result.rows[numbers[0]["row"]]["right"] == 0
    assert first[0]["kind"] == "lede" and first[0]["text"].startswith("lede rewritten: ")
    second, _ = digest(v2, v3)
    assert [(n["old"], n["new"]) for n in second if n["kind"] == "number"] == [("15", "17")]
    # A number where words were (dozens -> 1,700) is not a number replaced in place.
    assert not any("dozens" in n["text"] for n in second)
    # v1 -> v3 at once: the whole rise, 12 -> 17.
    whole, _ = digest(v1, v3)
    assert [(n["old"], n["new"]) for n in whole if n["kind"] == "number"] == [("12", "17")]


def test_thousands_and_the_word_after_and_a_cap_with_more():
    old = ["About 1,700 troops will go to Poland and 300 to Germany."]
    new = ["About 1,800 troops will go to Poland and 300 to Germany."]
    items, _ = digest(old, new)
    assert [i["text"] for i in items if i["kind"] == "number"] == ["About 1,700 \u2192 1,800 troops"]
    many_old = [" ".join(f"district {k} reported {k * 10} cases." for k in range(1, 9))]
    many_new = [" ".join(f"district {k} reported {k * 10 + 1} cases." for k in range(1, 9))]
    items, _ = digest(many_old, many_new)
    numbers = [i for i in items if i["kind"] == "number"]
    assert len(numbers) == CAP
    more = [i for i in items if i["kind"] == "more"]
    assert more == [{"kind": "more", "of": "number", "count": 3, "row": None,
                     "text": "+3 more numbers"}]


# --- headline and label -----------------------------------------------------------------------

def test_headline_and_label_changes_come_first():
    meta1 = {"headline": "Quake kills 12 in eastern Turkey", "label": "1st Ld-Writethru"}
    meta2 = {"headline": "Quake kills 15 in eastern Turkey", "label": "2nd Ld-Writethru"}
    items, _ = digest(QUAKE, _toll(15, "dozens"), meta1, meta2)
    assert kinds(items)[:3] == ["headline", "label", "lede"]
    assert items[0]["text"] == ("headline: Quake kills 12 in eastern Turkey \u2192 "
                                "Quake kills 15 in eastern Turkey")
    assert items[1]["text"] == "label: 1st Ld-Writethru \u2192 2nd Ld-Writethru"
    assert (items[1]["old"], items[1]["new"], items[1]["row"]) == ("1st Ld-Writethru",
                                                                   "2nd Ld-Writethru", None)


def test_a_headline_changed_only_in_typography_is_not_an_item():
    items, _ = digest(QUAKE, QUAKE, {"headline": "Biden's order"}, {"headline": "Biden\u2019s order"})
    assert items == []


# --- quotes -----------------------------------------------------------------------------------

SPEECH = [
    "WASHINGTON (AP) — The Senate passed the spending bill late Thursday.",
    "\u201cThis is a good day for the country,\u201d said Senate Majority Leader Chuck Schumer.",
    "Republicans objected to the timing of the vote.",
]


def test_a_new_quote_and_an_altered_quote_with_their_speakers():
    new = [
        SPEECH[0],
        "\u201cThis is a great day for the whole country,\u201d said Senate Majority Leader "
        "Chuck Schumer.",
        SPEECH[2],
        "Sen. Mitch McConnell said: \u201cWe will revisit this bill next year, make no mistake.\u201d",
    ]
    items, result = digest(SPEECH, new)
    quotes = [i for i in items if i["kind"] == "quote"]
    assert [(q["change"], q["speaker"]) for q in quotes] == [
        ("altered", "Senate Majority Leader Chuck Schumer"), ("added", "Sen. Mitch McConnell")]
    altered, added = quotes
    assert altered["old"] == "This is a good day for the country"
    assert altered["quote"] == "This is a great day for the whole country"
    assert result.rows[altered["row"]]["kind"] == "changed"
    assert added["text"] == ("quote added: \u201cWe will revisit this bill next year, make no "
                             "mistake.\u201d \u2014 Sen. Mitch McConnell")
    assert result.rows[added["row"]]["kind"] == "added"


def test_a_removed_quote_and_a_quote_only_moved_between_paragraphs():
    new = [SPEECH[0], SPEECH[2]]
    items, _ = digest(SPEECH, new)
    assert [(i["change"], i["speaker"]) for i in items if i["kind"] == "quote"] == [
        ("removed", "Senate Majority Leader Chuck Schumer")]
    # The quote leaves one paragraph and joins another: no quote item.
    old = [SPEECH[0], "Schumer spoke after the vote. " + SPEECH[1], SPEECH[2]]
    moved = [SPEECH[0], "Schumer spoke after the vote.", SPEECH[2] + " " + SPEECH[1]]
    items, _ = digest(old, moved)
    assert "quote" not in kinds(items)


@pytest.mark.parametrize(("paragraph", "speaker"), [
    ("\u201cWe are not done yet,\u201d said Sen. Elizabeth Warren.", "Sen. Elizabeth Warren"),
    ('"We are not done yet," Warren said on Friday.', "Warren"),
    ("\u201cWe are not done yet\u201d with the bill, Warren told reporters.", "Warren"),
    ("Warren wrote on Twitter that \u201cwe are not done yet.\u201d", "Warren"),
    ("\u201cWe are not done yet,\u201d she said.", None),
])
def test_the_speaker_named_in_the_sentence(paragraph, speaker):
    items, _ = digest(["The Senate met."], ["The Senate met.", paragraph])
    assert [(i["change"], i["speaker"]) for i in items if i["kind"] == "quote"] == [
        ("added", speaker)]


def test_scare_quotes_are_not_speech():
    items, _ = digest(["Russia called it a threat."],
                      ["Russia called the deployments \u201cdestructive.\u201d"])
    assert "quote" not in kinds(items)


# --- corrections, editor's notes, killed stories ------------------------------------------------

def test_a_correction_note_and_an_editors_note():
    note = ("An earlier version of this story misstated the magnitude of the quake. It was 6.1, "
            "not 6.4.")
    items, result = digest(QUAKE, [*QUAKE, note],
                           {"editor_note": None}, {"editor_note": "Eds: Updates with toll."})
    assert kinds(items)[:2] == ["correction", "editor_note"]
    assert items[0]["note"] == note and result.rows[items[0]["row"]]["kind"] == "added"
    assert items[1]["text"] == "editor's note: Eds: Updates with toll."
    items, _ = digest(QUAKE, QUAKE, {}, {"editor_note": "This story has been corrected to show "
                                                         "the quake struck Monday."})
    assert kinds(items) == ["correction"]
    assert items[0]["field"] == "editor_note"
    # A note that labels itself is not labelled twice ("correction: Correction: ...").
    labelled = "Correction: An earlier version of this story gave the wrong toll."
    items, _ = digest(QUAKE, [*QUAKE, labelled])
    assert items[0]["text"] == "correction: An earlier version of this story gave the wrong toll."
    assert items[0]["note"] == labelled


def test_a_killed_story_by_status_by_label_and_by_notice():
    items, _ = digest(QUAKE, QUAKE, {"pub_status": "usable"}, {"pub_status": "canceled"})
    assert items[0] == {"kind": "killed", "text": "story canceled", "row": None,
                        "status": "canceled"}
    items, _ = digest(QUAKE, QUAKE, {"pubStatus": "usable"}, {"pubStatus": "withheld"})
    assert kinds(items) == ["killed"]
    items, _ = digest(QUAKE, QUAKE, {"label": "2nd Ld-Writethru"}, {"label": "KILL"})
    assert kinds(items)[:2] == ["killed", "label"]
    notice = ("Editors: The story on the Turkey earthquake has been withdrawn. It reported an "
              "incorrect death toll. A replacement story will be sent.")
    items, result = digest(QUAKE, [notice])
    assert items[0]["kind"] == "killed" and result.rows[items[0]["row"]]["kind"] == "added"
    # "killing 12 people" in a story is not a killed story.
    assert "killed" not in kinds(digest(QUAKE, _toll(15, "dozens"))[0])


# --- typography, empty and identical versions, CJK ----------------------------------------------

def test_a_typography_only_update_is_one_count_and_no_quote_item():
    straight = [p.replace("\u201c", '"').replace("\u201d", '"') for p in SPEECH]
    straight[0] = straight[0].replace("\u2014", "\u2013")
    items, _ = digest(SPEECH, straight)
    assert [(i["kind"], i.get("change")) for i in items] == [("count", "typography")]
    assert items[0]["text"] == "2 paragraphs with typography-only edits"
    assert digest(SPEECH, straight, ignore_typography=True)[0] == []


def test_identical_versions_have_an_empty_digest_and_the_empty_story_is_all_new():
    assert digest(QUAKE, QUAKE, {"headline": "Quake"}, {"headline": "Quake"})[0] == []
    items, _ = digest([], QUAKE, None, {"headline": "Quake kills 12"})
    assert kinds(items) == ["headline", "lede", "count"]
    assert items[0]["text"] == "headline: Quake kills 12"
    assert items[2]["text"] == "3 paragraphs added"
    assert digest([], [])[0] == []
    items, _ = digest(QUAKE, [])
    assert [(i["kind"], i.get("change"), i["count"]) for i in items] == [("count", "removed", 3)]


def test_cjk_text_numbers_and_quotes():
    old = ["东京电 地震造成12人死亡，另有30人受伤。", "首相说：「我们将全力以赴救援灾民。」"]
    new = ["东京电 地震造成15人死亡，另有30人受伤。", "首相说：「我们将全力以赴救援所有灾民。」"]
    items, _ = digest(old, new)
    numbers = [i for i in items if i["kind"] == "number"]
    assert [(n["old"], n["new"]) for n in numbers] == [("12", "15")]
    assert "12 \u2192 15" in numbers[0]["text"]
    assert [i["change"] for i in items if i["kind"] == "quote"] == ["altered"]


# --- the seed pair ------------------------------------------------------------------------------

def test_the_seed_pair_names_the_added_paragraphs_the_new_lede_and_the_typography_edit():
    v1, v2 = (split_text(p.read_text(encoding="utf-8")) for p in sorted(SEED.glob("*.txt")))
    items, result = digest(v1, v2)
    assert items[0]["kind"] == "lede"
    assert items[0]["text"].startswith("new lede: WASHINGTON (AP) \u2014 President Joe Biden")
    assert result.rows[items[0]["row"]] == {"kind": "added", "left": None, "right": 0}
    counts = {i["change"]: i for i in items if i["kind"] == "count"}
    assert set(counts) == {"added", "typography"}
    assert counts["added"]["text"] == "25 paragraphs added"
    assert counts["typography"]["text"] == "1 paragraph with typography-only edits"
    assert result.rows[counts["typography"]["row"]]["typography"] is True
    assert "number" not in kinds(items)
    speakers = {i["speaker"] for i in items if i["kind"] == "quote"}
    assert "Deputy Foreign Minister Alexander Grushko" in speakers
    assert kinds(items) == sorted(kinds(items), key=["lede", "quote", "more", "count"].index)


@pytest.mark.parametrize("flip", [False, True])
def test_the_digest_is_deterministic(flip):
    v1, v2 = (split_text(p.read_text(encoding="utf-8")) for p in sorted(SEED.glob("*.txt")))
    a, b = (v2, v1) if flip else (v1, v2)
    assert digest(a, b)[0] == digest(list(a), list(b))[0]
