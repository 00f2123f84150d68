"""What stays in place, what moved, and paragraphs re-broken: the fewest moves over all matches,
split and joined rows, rewrites in place. Realistic wire updates, as in tests/test_diffing.py."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.diff import (
    LossError,
    align,
    annotate,
    diff_paragraphs,
    display_rows,
    inline,
    verify,
)
from service.diff.display import move_directions
from service.diff.splits import cut


def checked(old, new, **kw):
    """Diff both ways; check both are lossless and mirror each other; return old -> new."""
    forth = diff_paragraphs(old, new, **kw)
    back = diff_paragraphs(new, old, **kw)
    typo = kw.get("ignore_typography", False)
    verify(old, new, forth, ignore_typography=typo)
    verify(new, old, back, ignore_typography=typo)
    assert shape(back) == mirror(shape(forth))
    return forth


def shape(d) -> set:
    """The rows as (kind, old indexes, new indexes)."""
    return {(r["kind"], tuple(r.get("lefts", () if r["left"] is None else (r["left"],))),
             tuple(r.get("rights", () if r["right"] is None else (r["right"],)))) for r in d.rows}


def mirror(rows: set) -> set:
    swap = {"added": "removed", "removed": "added", "split": "joined", "joined": "split"}
    return {(swap.get(kind, kind), rights, lefts) for kind, lefts, rights in rows}


def rows_of(d) -> list:
    return [(r["kind"], r["left"], r["right"]) for r in d.rows]


def edits(row) -> list:
    return [(s["op"], s["text"]) for s in row["segments"] if s["op"] in ("insert", "delete")]


# --- a flood story: one paragraph moved, three shifted and lightly edited ---------------------

FLOOD_V1 = [
    "DES MOINES, Iowa (AP) — Floodwaters from the swollen Des Moines River forced hundreds of "
    "residents from their homes on Tuesday as crews raced to shore up levees across the city's "
    "south side.",
    "The National Weather Service said the river crested at 31.2 feet (9.5 meters) early Tuesday, "
    "the highest level since the floods of 2008, and warned that more rain was expected through "
    "Thursday.",
    "Mayor Connie Boesen ordered the evacuation of about 1,200 homes near the Southeast Connector "
    "and opened two shelters, at the Iowa Events Center and Lincoln High School.",
    "“We are asking people to take this seriously and leave now, not later,” Boesen told "
    "reporters at a midday briefing. “The water is still coming up.”",
    "Gov. Kim Reynolds issued a disaster proclamation for Polk County and three neighboring "
    "counties, freeing state money for cleanup and temporary housing.",
    "No deaths or serious injuries had been reported by Tuesday evening, the Polk County "
    "sheriff's office said.",
]
FLOOD_V2 = [
    FLOOD_V1[0],
    "Mayor Connie Boesen ordered the evacuation of about 1,400 homes near the Southeast Connector "
    "and opened three shelters, at the Iowa Events Center, Lincoln High School and Grand View "
    "University.",
    "“We are asking people to take this seriously and leave now, not later,” Boesen told "
    "reporters at an afternoon briefing. “The water is still rising.”",
    "Gov. Kim Reynolds issued a disaster proclamation on Tuesday night for Polk County and three "
    "neighboring counties, freeing state money for cleanup and temporary housing.",
    FLOOD_V1[1],  # the weather service paragraph, from 2nd to 5th
    FLOOD_V1[5],
]


def test_flood_story_is_one_move_the_paragraph_that_moved():
    # Before: the three edited paragraphs were "moved" and the one that moved "unchanged".
    d = checked(FLOOD_V1, FLOOD_V2)
    assert rows_of(d) == [
        ("unchanged", 0, 0), ("changed", 2, 1), ("changed", 3, 2), ("changed", 4, 3),
        ("moved", 1, 4), ("unchanged", 5, 5),
    ]
    assert (d.stats["moved"], d.stats["changed"], d.stats["unchanged"]) == (1, 3, 2)
    assert move_directions(d.rows) == {1: "down"}
    back = diff_paragraphs(FLOOD_V2, FLOOD_V1)
    assert [(r["left"], r["right"]) for r in back.rows if r["kind"] == "moved"] == [(4, 1)]
    assert move_directions(back.rows) == {4: "up"}


# --- a wildfire story: the paragraph shifted up by a move is changed, not moved ------------------

FIRE_V1 = [
    "PARADISE, Calif. (AP) — A fast-moving wildfire swept through the Sierra Nevada foothills "
    "on Thursday, forcing the evacuation of about 27,000 people.",
    "Cal Fire said the blaze had burned 18,000 acres (7,300 hectares) by midafternoon and was "
    "zero percent contained.",
    "Butte County Sheriff Kory Honea said deputies were going door to door in neighborhoods "
    "east of Highway 99, urging residents who had stayed behind to leave.",
    "Strong winds and low humidity were expected to persist through the weekend, the National "
    "Weather Service said.",
    "The cause of the fire was under investigation.",
]
HONEA_EDITED = (
    "Butte County Sheriff Kory Honea said deputies were going door to door in neighborhoods "
    "east of Highway 99 and in Magalia, urging residents who had stayed behind to leave."
)


def test_a_shifted_and_edited_paragraph_is_changed_not_moved():
    # The Cal Fire paragraph went down two places; the sheriff's paragraph, edited, moved up
    # one only because of that. Before: two moves (the sheriff's and the weather paragraph).
    new = [FIRE_V1[0], HONEA_EDITED, FIRE_V1[3], FIRE_V1[1], FIRE_V1[4]]
    d = checked(FIRE_V1, new)
    assert rows_of(d) == [
        ("unchanged", 0, 0), ("changed", 2, 1), ("unchanged", 3, 2), ("moved", 1, 3),
        ("unchanged", 4, 4),
    ]
    (changed,) = [r for r in d.rows if r["kind"] == "changed"]
    assert edits(changed) == [("insert", " and in Magalia")]


def test_paragraphs_shifted_by_insertions_and_removals_are_never_moves():
    new = [
        "PARADISE, Calif. (AP) — A wildfire that forced 27,000 people from their homes in the "
        "Sierra Nevada foothills had grown to 40,000 acres by Friday morning.",
        FIRE_V1[0].replace("Thursday", "Thursday night"),
        HONEA_EDITED,
        FIRE_V1[3],
        "Schools in Chico and Oroville will stay closed on Monday.",
        FIRE_V1[4],
    ]
    d = checked(FIRE_V1, new)
    assert d.stats["moved"] == 0
    assert rows_of(d) == [
        ("added", None, 0), ("changed", 0, 1), ("removed", 1, None), ("changed", 2, 2),
        ("unchanged", 3, 3), ("added", None, 4), ("unchanged", 4, 5),
    ]


# --- ties ------------------------------------------------------------------------------------

SEP = "___"
WAR_A = ("KYIV, Ukraine (AP) — Russian forces shelled the city of Kharkiv overnight, regional "
         "officials said Friday.")
WAR_B = "The governor said two people were killed and nine were wounded in a residential area."
WAR_D = "Ukraine's air force said it shot down 14 of 18 drones that Russia launched overnight."
WAR_C = "Follow AP's coverage of the war at https://apnews.com/hub/russia-ukraine"


def test_ties_between_equal_paragraphs_take_the_fewest_moves():
    # The governor's and the air force's paragraphs are just as long: keeping either in place
    # keeps as much text. Keeping the governor's also keeps both separators in place, so only
    # the air force's paragraph moved (before: it stayed, and the governor's paragraph and a
    # separator were called moved).
    assert len(WAR_B) == len(WAR_D)
    old = [WAR_A, WAR_B, SEP, WAR_D, SEP, WAR_C]
    new = [WAR_A, WAR_D, WAR_B, SEP, SEP, WAR_C]
    d = checked(old, new)
    assert rows_of(d) == [
        ("unchanged", 0, 0), ("moved", 3, 1), ("unchanged", 1, 2), ("unchanged", 2, 3),
        ("unchanged", 4, 4), ("unchanged", 5, 5),
    ]
    assert move_directions(d.rows) == {3: "up"}


def test_a_swap_of_two_paragraphs_of_equal_length_is_one_move_and_always_the_same():
    old, new = [WAR_A, WAR_B, WAR_D, WAR_C], [WAR_A, WAR_D, WAR_B, WAR_C]
    d = checked(old, new)
    assert d.stats["moved"] == 1 and d.stats["unchanged"] == 3
    assert all(diff_paragraphs(old, new).rows == d.rows for _ in range(3))


def test_a_long_paragraph_is_not_the_one_called_moved():
    # A one-line promo moved above the long quote paragraph: the promo moved, not the quote.
    promo = "READ MORE: Floods in Iowa"
    old = [FLOOD_V1[0], FLOOD_V1[3], promo, FLOOD_V1[5]]
    new = [FLOOD_V1[0], promo, FLOOD_V1[3], FLOOD_V1[5]]
    d = checked(old, new)
    (moved,) = [r for r in d.rows if r["kind"] == "moved"]
    assert (moved["left"], moved["right"]) == (2, 1)


# --- splits and joins ------------------------------------------------------------------------

QUOTE = FLOOD_V1[3]
QUOTE_CUT = QUOTE.index("“The water")
CREST_PARTS = [
    "The National Weather Service said the river crested at 31.2 feet (9.5 meters) early Tuesday,",
    "the highest level since the floods of 2008,",
    "and warned that more rain was expected through Thursday.",
]


def test_a_paragraph_split_in_two_is_one_split_row_with_nothing_deleted_or_inserted():
    new = [*FLOOD_V1[:3], QUOTE[:QUOTE_CUT].rstrip(), QUOTE[QUOTE_CUT:], *FLOOD_V1[4:]]
    d = checked(FLOOD_V1, new)
    (row,) = [r for r in d.rows if r["kind"] == "split"]
    assert row == {**row, "left": 3, "right": 3, "rights": [3, 4]}
    assert edits(row) == []
    assert [s for s in row["segments"] if s["op"] == "break"] == [{"op": "break", "text": " "}]
    assert d.stats == {**d.stats, "split": 1, "joined": 0, "unchanged": 5, "added": 0,
                       "removed": 0, "changed": 0, "words_added": 0, "words_removed": 0}


def test_a_split_with_light_edits_shows_just_those_edits():
    first = QUOTE[:QUOTE_CUT].rstrip().replace("a midday", "an afternoon")
    second = QUOTE[QUOTE_CUT:].replace("coming up", "rising")
    new = [*FLOOD_V1[:3], first, second, *FLOOD_V1[4:]]
    d = checked(FLOOD_V1, new)
    (row,) = [r for r in d.rows if r["kind"] == "split"]
    assert row["rights"] == [3, 4]
    pieces = cut(row["segments"])
    changed = [("a midday", "an afternoon"), ("coming up", "rising")]
    for piece, (gone, came) in zip(pieces, changed, strict=True):
        got = edits({"segments": piece})
        assert got and all(t in (gone if op == "delete" else came) for op, t in got), got
    assert (d.stats["words_added"], d.stats["words_removed"]) == (3, 4)


def test_a_paragraph_split_in_three():
    new = [FLOOD_V1[0], *CREST_PARTS, *FLOOD_V1[2:]]
    d = checked(FLOOD_V1, new)
    assert rows_of(d)[:2] == [("unchanged", 0, 0), ("split", 1, 1)]
    assert d.rows[1]["rights"] == [1, 2, 3] and edits(d.rows[1]) == []
    assert d.stats["added"] == d.stats["removed"] == d.stats["changed"] == 0


def test_two_paragraphs_joined():
    new = [*FLOOD_V1[:2], FLOOD_V1[2] + " " + FLOOD_V1[3], *FLOOD_V1[4:]]
    d = checked(FLOOD_V1, new)
    (row,) = [r for r in d.rows if r["kind"] == "joined"]
    assert row == {**row, "left": 2, "lefts": [2, 3], "right": 2}
    assert edits(row) == []
    # Before: one paragraph removed and its whole text inserted into the other.
    assert d.stats == {**d.stats, "joined": 1, "unchanged": 4, "removed": 0, "changed": 0,
                       "words_added": 0, "words_removed": 0}


def test_three_paragraphs_joined_with_an_edit():
    joined = " ".join(FLOOD_V1[2:5]).replace("about 1,200", "about 1,400")
    new = [*FLOOD_V1[:2], joined, FLOOD_V1[5]]
    d = checked(FLOOD_V1, new)
    assert rows_of(d) == [("unchanged", 0, 0), ("unchanged", 1, 1), ("joined", 2, 2),
                          ("unchanged", 5, 3)]
    assert d.rows[2]["lefts"] == [2, 3, 4]
    # Only the figure (how finely is the inline diff's business: a digit or the number).
    assert [(op, t in ("1,200", "1,400")[op == "insert"]) for op, t in edits(d.rows[2])] == [
        ("delete", True), ("insert", True)]


def test_a_split_next_to_removed_and_added_paragraphs_keeps_them_apart():
    new = [FLOOD_V1[0], "Forecasters expect the river to fall below flood stage by Saturday.",
           *CREST_PARTS[:2], CREST_PARTS[2], *FLOOD_V1[3:]]
    d = checked(FLOOD_V1, new)
    assert ("split", 1, 2) in rows_of(d) and d.rows[2]["rights"] == [2, 3, 4]
    assert ("added", None, 1) in rows_of(d) and ("removed", 2, None) in rows_of(d)


def test_a_new_paragraph_after_an_edit_is_not_taken_for_a_split():
    # The lede gained a clause; the paragraph after it is new and shares words with it.
    lede = FLOOD_V1[0].replace("on Tuesday", "on Tuesday, officials said,")
    new = [lede, "Crews raced on Tuesday to shore up levees across the city's south side, "
                 "officials said, as more rain fell.", *FLOOD_V1[1:]]
    d = checked(FLOOD_V1, new)
    assert rows_of(d)[:2] == [("changed", 0, 0), ("added", None, 1)]


def test_annotate_keeps_first_versions_across_a_split_and_a_join():
    v1 = FLOOD_V1
    v2 = [*v1[:3], QUOTE[:QUOTE_CUT].rstrip(), QUOTE[QUOTE_CUT:], *v1[4:]]  # quote split
    v3 = [v2[0].replace("hundreds", "more than 1,500"), *v2[1:]]  # lede edited
    v4 = [*v3[:2], v3[2] + " " + v3[3], *v3[4:]]  # the mayor's paragraph and the quote joined
    v5 = [*v4[:2], v4[2].replace("two shelters", "three shelters"), *v4[3:]]
    got = [(a["first_version"], a["last_changed_version"]) for a in annotate([v1, v2])]
    assert got == [(1, 1)] * 7  # before: the quote's second sentence was "since v2"
    got = [(a["first_version"], a["last_changed_version"]) for a in annotate([v1, v2, v3, v4, v5])]
    assert got == [(1, 3), (1, 1), (1, 5), (1, 1), (1, 1), (1, 1)]


# --- rewrites in place -----------------------------------------------------------------------

# Ledes rewritten in place around a new development, and their scores (docs: align.py).
REWRITES = [
    (FLOOD_V1[0],
     "DES MOINES, Iowa (AP) — A levee on the Des Moines River gave way late Tuesday, sending water "
     "into a south-side neighborhood hours after officials ordered more than 1,400 homes "
     "evacuated."),
    ("ISTANBUL (AP) — A powerful earthquake struck southern Turkey early Monday, killing at least "
     "15 people and toppling buildings across the region, officials said.",
     "ISTANBUL (AP) — The death toll from a powerful earthquake in southern Turkey and northern "
     "Syria climbed past 1,300 on Monday as rescuers dug through the rubble of collapsed "
     "buildings in freezing rain."),
    ("ATLANTA (AP) — Georgia voters headed to the polls Tuesday in a runoff election that will "
     "decide whether Democrats keep control of the U.S. Senate.",
     "ATLANTA (AP) — Democratic Sen. Raphael Warnock won Georgia's runoff election on Tuesday, "
     "defeating Republican Herschel Walker and giving Democrats a 51-49 majority in the U.S. "
     "Senate."),
]


@pytest.mark.parametrize(("before", "after"), REWRITES, ids=["flood", "quake", "runoff"])
def test_a_lede_rewritten_in_place_is_changed(before, after):
    s = inline.score(inline.Words(before), inline.Words(after))
    assert align.REWRITE_THRESHOLD <= s < align.EDIT_THRESHOLD
    body = FLOOD_V1[1:]
    d = checked([before, *body], [after, *body])
    assert rows_of(d) == [("changed", 0, 0)] + [("unchanged", k, k) for k in range(1, 6)]
    # Not alone between the same neighbours (a paragraph added next to it): no longer paired.
    d = checked([before, *body], [after, "Forecasters expect more rain on Thursday.", *body])
    assert d.stats["changed"] == 0 and d.stats["removed"] == 1


def test_a_paragraph_replaced_by_an_unrelated_one_in_place_is_removed_and_added():
    old = [*FIRE_V1[:3], FIRE_V1[3], FIRE_V1[4]]
    new = [*FIRE_V1[:3], "Schools in Chico and Oroville will stay closed on Monday.", FIRE_V1[4]]
    d = checked(old, new)
    assert ("removed", 3, None) in rows_of(d) and ("added", None, 3) in rows_of(d)


def test_an_unrelated_added_and_removed_far_apart_are_never_paired():
    # The old lede is dropped from the top and a rewritten one (score 0.34 to it) is added at
    # the bottom: far apart, so neither a move nor an edit.
    old_lede, new_lede = REWRITES[0]
    old = [old_lede, *FLOOD_V1[1:]]
    new = [*FLOOD_V1[1:], new_lede]
    d = checked(old, new)
    assert rows_of(d) == [("removed", 0, None)] + [("unchanged", k, k - 1) for k in range(1, 6)] + [
        ("added", None, 5)]


# --- lossless rules of split and joined rows ---------------------------------------------------


def test_verify_catches_broken_split_and_joined_rows():
    new = [*FLOOD_V1[:3], QUOTE[:QUOTE_CUT].rstrip(), QUOTE[QUOTE_CUT:], *FLOOD_V1[4:]]
    joined = [*FLOOD_V1[:2], FLOOD_V1[2] + " " + FLOOD_V1[3], *FLOOD_V1[4:]]
    broken = [
        (new, lambda r: r.update(rights=[3, 5])),  # not consecutive
        (new, lambda r: r.update(rights=[3])),  # one paragraph only
        (new, lambda r: r.update(right=4)),  # right is not the first of rights
        (new, lambda r: r["segments"].insert(0, {"op": "insert", "text": "X"})),
        (new, lambda r: r["segments"].append({"op": "break", "text": ""})),  # one piece too many
        (new, lambda r: r.update(kind="changed")),
        (joined, lambda r: r.update(lefts=[2, 4])),
        (joined, lambda r: r["segments"].insert(0, {"op": "delete", "text": "X"})),
        (joined, lambda r: r.update(rights=[2, 3])),
    ]
    for version, hurt in broken:
        d = diff_paragraphs(FLOOD_V1, version)
        (row,) = [r for r in d.rows if r["kind"] in ("split", "joined")]
        hurt(row)
        with pytest.raises(LossError):
            verify(FLOOD_V1, version, d)
    d = diff_paragraphs(FLOOD_V1, FLOOD_V2)
    d.rows[1]["segments"].append({"op": "break", "text": ""})  # a break in a changed row
    with pytest.raises(LossError):
        verify(FLOOD_V1, FLOOD_V2, d)


def test_display_rows_place_moved_away_rows_after_a_joined_row():
    new = [FLOOD_V1[1], FLOOD_V1[0], FLOOD_V1[2] + " " + FLOOD_V1[3], FLOOD_V1[5], FLOOD_V1[4]]
    d = checked(FLOOD_V1, new)
    shown = [(r["kind"], r["left"], r["right"]) for r in display_rows(d)]
    assert ("joined", 2, 2) in shown
    moved = [r for r in d.rows if r["kind"] == "moved"]
    assert len(moved) == 2 and set(move_directions(d.rows).values()) <= {"up", "down"}
    away = [r for r in display_rows(d) if r["kind"] == "moved_away"]
    assert len(away) == 2


# --- the terminal ------------------------------------------------------------------------------


def test_writethru_diff_prints_splits_joins_and_which_way_a_paragraph_moved(store_path, tmp_path):
    def ingest(article, *versions):
        files = []
        for k, paragraphs in enumerate(versions):
            f = tmp_path / f"{article}-{k}.txt"
            f.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
            files.append(str(f))
        result = CliRunner().invoke(cli, ["--store", str(store_path), "ingest", article, *files])
        assert result.exit_code == 0, result.output

    def diff(article):
        result = CliRunner().invoke(cli, ["--store", str(store_path), "diff", article])
        assert result.exit_code == 0, result.output
        return result.stdout.splitlines()

    ingest("flood", FLOOD_V1, FLOOD_V2)
    (moved,) = [line for line in diff("flood") if line.startswith("> ")]
    assert moved.startswith("> ¶2->¶5 The National Weather Service") and moved.endswith(
        "(moved down)")
    first = QUOTE[:QUOTE_CUT].rstrip().replace("a midday", "a noon")
    ingest("split", FLOOD_V1, [*FLOOD_V1[:3], first, QUOTE[QUOTE_CUT:], *FLOOD_V1[4:]])
    lines = [line for line in diff("split") if line.startswith("/ ")]
    assert lines == [
        f"/ ¶4->¶4 {QUOTE[:QUOTE_CUT].rstrip().replace('midday', '[-midday-]{+noon+}')} (split 1/2)",
        f"/ ¶4->¶5 {QUOTE[QUOTE_CUT:]} (split 2/2)",
    ]
    ingest("join", FLOOD_V1, [*FLOOD_V1[:2], FLOOD_V1[2] + " " + FLOOD_V1[3], *FLOOD_V1[4:]])
    (line,) = [line for line in diff("join") if line.startswith("\\ ")]
    assert line == f"\\ ¶3+¶4->¶3 {FLOOD_V1[2]} ¶ {FLOOD_V1[3]} (joined)"
