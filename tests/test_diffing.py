"""The paragraph diff: the seed pair's ground truth, realistic wire edits, moves, limits."""

import random
from itertools import combinations
from pathlib import Path

import pytest

from service.diff import LossError, align, diff_paragraphs, display_rows, inline, moves, verify
from service.diff.inline import Words, score, segments
from service.diff.tokens import CAPACITY, Encoder, TooManyTokens, code_point

SEED_DIR = Path(__file__).resolve().parent.parent / "seeds" / "ap-troops-eastern-europe"

# v1 index -> v2 index: the correct diff of the seed pair, as seeds/README.md gives it.
SEED_MAPPING = {0: 2, 1: 3, 2: 5, 3: 12, 4: 18, 5: 19, 6: 22, 7: 23}


def seed_versions():
    files = sorted(SEED_DIR.glob("*.txt"))
    assert len(files) == 2
    return [
        [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()] for f in files
    ]


def checked(old, new, **kw):
    d = diff_paragraphs(old, new, **kw)
    verify(old, new, d, ignore_typography=kw.get("ignore_typography", False))
    return d


def kinds(d):
    return [r["kind"] for r in d.rows]


# --- the seed pair ---------------------------------------------------------------------------


def test_seed_pair_matches_ground_truth():
    v1, v2 = seed_versions()
    assert (len(v1), len(v2)) == (8, 33)
    d = checked(v1, v2)
    s = d.stats
    assert (s["added"], s["removed"], s["changed"], s["moved"], s["unchanged"]) == (25, 0, 1, 0, 7)
    assert {r["left"]: r["right"] for r in d.rows if r["left"] is not None} == SEED_MAPPING
    (changed,) = [r for r in d.rows if r["kind"] == "changed"]
    assert (changed["left"], changed["right"]) == (0, 2)
    edits = [s for s in changed["segments"] if s["op"] != "equal"]
    assert edits == [{"op": "delete", "text": "'"}, {"op": "insert", "text": "\u2019"}]
    assert (s["words_added"], s["words_removed"]) == (1241 - 485 + 1, 1)
    assert [r["right"] for r in d.rows if r.get("promo")] == [6, 25]
    assert all(r["kind"] == "added" for r in d.rows if r.get("promo"))


def test_seed_pair_ignoring_typography():
    v1, v2 = seed_versions()
    d = checked(v1, v2, ignore_typography=True)
    s = d.stats
    assert (s["added"], s["removed"], s["changed"], s["moved"], s["unchanged"]) == (25, 0, 0, 0, 8)
    assert {r["left"]: r["right"] for r in d.rows if r["left"] is not None} == SEED_MAPPING
    assert not any("segments" in r for r in d.rows)


def test_seed_rows_are_json_ready():
    import json

    v1, v2 = seed_versions()
    d = diff_paragraphs(v1, v2).to_dict()
    assert set(d) == {"stats", "rows"}
    assert json.loads(json.dumps(d)) == d


# --- realistic wire updates ------------------------------------------------------------------

LEDE = (
    "A powerful earthquake struck southern Turkey early Monday, killing at least 15 people "
    "and toppling buildings across the region, officials said."
)
LEDE_UPDATED = (
    "A powerful earthquake struck southern Turkey and northern Syria early Monday, killing "
    "more than 1,300 people and toppling hundreds of buildings across the region, officials said."
)
BODY = [
    "The quake, centered in Gaziantep province, was felt as far away as Cairo.",
    "Rescue teams from several countries were on their way, the Interior Ministry said.",
    "Turkey sits on top of major fault lines and is frequently shaken by earthquakes.",
]

# (old, new, expected to pair as one edited paragraph). Scores measured with `score`:
# real edits land at 0.51-0.83, unrelated paragraphs on the same story at 0.13-0.20.
WIRE_EDITS = [
    ("death toll update", LEDE, LEDE_UPDATED, True),
    (
        "attribution added",
        "The company will cut 10,000 jobs by the end of the year.",
        "The company will cut 10,000 jobs by the end of the year, chief executive Satya "
        "Nadella said in a memo to staff on Wednesday.",
        True,
    ),
    (
        "quote trimmed",
        "“We will not back down, and we will defend every inch of our territory,” Zelenskyy "
        "said in a video address late Tuesday, adding that talks would continue.",
        "“We will not back down,” Zelenskyy said in a video address late Tuesday.",
        True,
    ),
    (
        "name corrected",
        "Defense Secretary Lloyd Austin said the move was temporary.",
        "Defense Secretary Lloyd J. Austin III said the deployment was temporary.",
        True,
    ),
    (
        "sentence appended",
        "The Pentagon said the troops would leave this week.",
        "The Pentagon said the troops would leave this week. They are expected to stay for "
        "several months, officials said, declining to give a date.",
        True,
    ),
    (
        "contributors line",
        "Associated Press writers Lolita C. Baldor in Washington and Vanessa Gera in Warsaw "
        "contributed to this report.",
        "Associated Press writers Matthew Lee in Washington and Jill Lawless in London "
        "contributed to this report.",
        True,
    ),
    (
        "rewritten lede",
        "WASHINGTON (AP) — President Joe Biden is sending 2,000 U.S.-based troops to Poland "
        "and Germany this week.",
        "WASHINGTON (AP) — The Pentagon on Wednesday ordered 3,000 more soldiers into Eastern "
        "Europe as Russia massed forces near Ukraine.",
        False,
    ),
    (
        "same story, other fact",
        "Russia has denied it plans to invade Ukraine.",
        "Ukraine has asked the West for more weapons to deter Russia.",
        False,
    ),
    (
        "two different READ MORE lines",
        "READ MORE: Putin says U.S. has ignored Russian demands but said talks are still possible",
        "READ MORE: Biden orders 3,000 troops to Eastern Europe as Russia masses forces",
        False,
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "paired"), WIRE_EDITS, ids=[w[0] for w in WIRE_EDITS]
)
def test_threshold_on_wire_edits(name, old, new, paired):
    s = score(Words(old), Words(new))
    assert (s >= align.EDIT_THRESHOLD) is paired, s
    # Among added paragraphs, in the middle of an unchanged story.
    before = [*BODY[:2], old, BODY[2]]
    after = [*BODY[:2], "Officials said more than 2,800 buildings collapsed.", new,
             "The death toll was expected to rise.", BODY[2]]
    d = checked(before, after)
    if paired:
        assert d.stats["changed"] == 1 and d.stats["removed"] == 0
        (row,) = [r for r in d.rows if r["kind"] == "changed"]
        assert (row["left"], row["right"]) == (2, 3)
    else:
        assert d.stats["changed"] == 0 and d.stats["removed"] == 1 and d.stats["added"] == 3


def test_edited_paragraph_among_added_ones_pairs_by_content_not_position():
    old = [LEDE, *BODY]
    new = [
        "ISTANBUL (AP) — Rescuers dug through rubble through the night.",
        "Aftershocks rattled the region for hours.",
        LEDE_UPDATED,
        *BODY,
    ]
    d = checked(old, new)
    assert kinds(d) == ["added", "added", "changed", "unchanged", "unchanged", "unchanged"]
    assert d.rows[2]["left"] == 0


@pytest.mark.parametrize(
    ("edit", "paired"),
    [
        (lambda p: p.replace("2,000", "3,000"), True),  # a figure updated
        (lambda p: p.replace("’", "'"), True),  # quote style only
        (lambda p: p + " The deployment is temporary, officials said.", True),  # appended
        (lambda p: "KYIV, Ukraine (AP) — Ukraine asked the West for more help.", False),
    ],
    ids=["figure", "quotes", "appended", "rewritten"],
)
def test_an_edited_lede_leaves_every_other_paragraph_in_place(edit, paired):
    # Regression: an edited first paragraph once turned identical paragraphs after it into
    # moves (4 of them). Both directions, since the engine works in one orientation.
    _, v2 = seed_versions()
    edited = [edit(v2[0]), *v2[1:]]
    rest = [("unchanged", k, k) for k in range(1, len(v2))]
    lede = [("changed", 0, 0)] if paired else [("removed", 0, None), ("added", None, 0)]
    for old, new in ((v2, edited), (edited, v2)):
        d = checked(old, new)
        assert [(r["kind"], r["left"], r["right"]) for r in d.rows] == lede + rest
        assert d.stats["moved"] == 0


def test_bag_of_words_bound_never_undershoots_the_score():
    for _, old, new, _ in WIRE_EDITS:
        a, b = Words(old), Words(new)
        assert inline.bag_bound(a, b) >= score(a, b)


def test_repeated_promo_lines_do_not_sync_falsely():
    rm = "READ MORE: Putin says U.S. has ignored Russian demands"
    sep = "___"
    a, b = "Alpha paragraph about troops.", "Bravo paragraph about talks."
    old = [a, b, rm, sep, rm]
    new = [rm, sep, rm, "A new paragraph.", a, b]
    d = checked(old, new)
    # A plain longest common subsequence would keep the three repeated lines (3 > 2) and call
    # the story's own paragraphs moved; anchoring on unique paragraphs keeps them.
    assert [(r["left"], r["right"]) for r in d.rows if r["kind"] == "unchanged"] == [(0, 4), (1, 5)]
    assert d.stats["moved"] == 3 and d.stats["added"] == 1
    assert [r.get("promo", False) for r in d.rows] == [True, False, True, False, False, False]


def test_unique_anchors_keep_repeated_lines_in_their_gap():
    sep = "___"
    old = ["One.", sep, "Two.", sep, "Three."]
    new = ["One.", "Inserted.", sep, "Two.", sep, "Three.", sep]
    d = checked(old, new)
    assert [(r["left"], r["right"]) for r in d.rows if r["kind"] == "unchanged"] == [
        (0, 0), (1, 2), (2, 3), (3, 4), (4, 5)
    ]
    assert d.stats["added"] == 2


def test_moved_paragraph_far_away():
    paras = [f"Paragraph {k} tells its own part of the story about item {k}." for k in range(12)]
    new = paras[:2] + paras[3:] + [paras[2]]
    d = checked(paras, new)
    assert d.stats == {**d.stats, "moved": 1, "unchanged": 11, "added": 0, "removed": 0}
    (row,) = [r for r in d.rows if r["kind"] == "moved"]
    assert (row["left"], row["right"]) == (2, 11) and "segments" not in row


def test_moved_and_edited_paragraph():
    paras = [f"Paragraph {k} tells its own part of the story about item {k}." for k in range(10)]
    quote = ("“We are ready to defend every inch of NATO territory,” Secretary of State Antony "
             "Blinken told reporters in Brussels on Tuesday.")
    edited = ("“We are ready to defend every single inch of NATO territory,” Secretary of State "
              "Antony Blinken told reporters in Brussels on Wednesday.")
    old = [paras[0], quote, *paras[1:]]
    new = [*paras, edited]
    d = checked(old, new)
    (row,) = [r for r in d.rows if r["kind"] == "moved"]
    assert (row["left"], row["right"]) == (1, 10)
    edits = [s for s in row["segments"] if s["op"] != "equal"]
    assert {s["text"] for s in edits} == {"single ", "Tuesday", "Wednesday"}
    assert d.stats["words_added"] == 2 and d.stats["words_removed"] == 1
    shown = display_rows(d)
    away = [r for r in shown if r["kind"] == "moved_away"]
    assert away == [{"kind": "moved_away", "left": 1, "right": None, "to": 10}]
    assert shown.index(away[0]) == 1  # right after paragraph 0, where it stood
    assert shown[-1]["from"] == 1 and shown[-1]["kind"] == "moved"


def test_paragraph_staying_put_is_not_moved_when_the_gap_is_past_the_grid_cap(monkeypatch):
    monkeypatch.setattr(align, "GRID_CAP", 1)  # force the gap to the move step
    keep = "The president spoke to reporters at the White House on Friday afternoon."
    old = ["Head stays.", "Old one about the budget.", keep + " He took no questions.",
           "Old two about the weather.", "Tail stays."]
    new = ["Head stays.", "New one on sport.", keep, "New two on music.", "Tail stays."]
    d = checked(old, new)
    (row,) = [r for r in d.rows if r["left"] == 2]
    assert row["kind"] == "changed" and row["right"] == 2


# --- reordered and adversarial documents: bounded work, lossless, sensible kinds -------------


def distinct(count, seed=1):
    # Twelve words of a large vocabulary: no two paragraphs alike enough to pass for an edit.
    rng = random.Random(seed)
    return [" ".join(f"word{rng.randrange(10_000)}" for _ in range(12)) for _ in range(count)]


def test_a_reversed_document_is_one_unchanged_paragraph_and_the_rest_moved():
    old = distinct(5000)
    d = checked(old, old[::-1])
    assert d.stats == {**d.stats, "unchanged": 1, "moved": 4999, "added": 0, "removed": 0}
    assert all("segments" not in r for r in d.rows)


def test_a_shuffled_and_edited_document_finds_every_paragraph_again():
    rng = random.Random(3)
    old = distinct(5000)
    new = [p + " More was said." if k % 50 == 0 else p for k, p in enumerate(old)]
    rng.shuffle(new)
    d = checked(old, new)
    assert d.stats["added"] == d.stats["removed"] == 0
    assert d.stats["unchanged"] + d.stats["changed"] + d.stats["moved"] == 5000
    edited = [r for r in d.rows if "segments" in r]
    assert len(edited) == 100
    assert all(r["left"] % 50 == 0 and new[r["right"]] == old[r["left"]] + " More was said."
               for r in edited)


def test_longest_increasing_matches_brute_force():
    for values in ([], [3], [3, 1, 2], [1, 2, 3], [3, 2, 1], [2, 5, 1, 3, 4, 0, 6], [1, 1, 2]):
        got = align.longest_increasing(values)
        chosen = [values[x] for x in got]
        assert got == sorted(got) and chosen == sorted(set(chosen))
        best = max(len(c) for r in range(len(values) + 1) for c in combinations(values, r)
                   if list(c) == sorted(set(c)))
        assert len(got) == best, values


def test_repeated_lines_keep_their_common_ends_past_the_gap_cap(monkeypatch):
    monkeypatch.setattr(align, "GAP_CAP", 4)
    d = checked(["___"] * 2000, ["___"] * 1900)
    assert d.stats == {**d.stats, "unchanged": 1900, "removed": 100, "moved": 0}
    # Past the cap the middle of a gap goes to the move step, which pairs equal lines by hash.
    old = ["Head.", *"abab" * 5, "Tail."]
    new = ["Head.", *"baba" * 5, "Tail."]
    d = checked(old, new)
    assert d.stats["added"] == d.stats["removed"] == 0 and d.stats["unchanged"] >= 2


def test_an_edit_past_the_scoring_budget_is_removed_and_added(monkeypatch):
    old = ["Head stays.", "The minister said talks would resume on Monday.", "Tail stays."]
    new = ["Head stays.", "The minister said talks would resume on Tuesday.", "Tail stays."]
    assert kinds(checked(old, new)) == ["unchanged", "changed", "unchanged"]
    monkeypatch.setattr(inline, "SCORE_BUDGET", 10)  # spent by the first bag bound
    assert kinds(checked(old, new)) == ["unchanged", "removed", "added", "unchanged"]


def test_removed_rows_stand_where_they_stood():
    old = ["Keep A.", "Gone B.", "Gone C.", "Keep D."]
    new = ["Keep A.", "New X.", "Keep D."]
    d = checked(old, new)
    assert [(r["kind"], r["left"], r["right"]) for r in d.rows] == [
        ("unchanged", 0, 0), ("removed", 1, None), ("removed", 2, None), ("added", None, 1),
        ("unchanged", 3, 2),
    ]


def test_a_rewrite_of_everything_is_added_and_removed():
    d = checked(["Completely old text here."], ["Wholly different words now."])
    assert kinds(d) == ["removed", "added"]


@pytest.mark.parametrize(
    ("old", "new"),
    [([], []), ([], ["a"]), (["a"], []), ([""], [""]), (["", ""], [""]), (["x", "x", "x"], ["x"])],
)
def test_edge_cases_are_lossless(old, new):
    checked(old, new)


def test_identity_is_all_unchanged():
    v1, v2 = seed_versions()
    d = checked(v2, v2)
    assert set(kinds(d)) == {"unchanged"} and d.stats["unchanged"] == 33


def test_many_distinct_paragraphs_past_the_bmp_private_use_area():
    n = 7000
    old = [f"Item {k}: a line of its own, number {k}, with \ue000 private use." for k in range(n)]
    new = old[:]
    new[10] = "Item 10: a line of its own, number ten, with \ue000 private use."
    del new[5000]
    new.insert(6900, "A new paragraph late in the piece.")
    new.append(new.pop(100))
    d = checked(old, new)
    s = d.stats
    assert (s["changed"], s["removed"], s["added"], s["moved"]) == (1, 1, 1, 1)
    assert s["unchanged"] == n - 3


def test_private_use_text_is_not_confused_with_codes():
    # Paragraphs made of the very characters the encoder hands out.
    old = ["\ue000", "\ue001", "\ue002", "\U000f0000"]
    new = ["\ue001", "\ue000\ue000", "\ue002", "\U000f0000"]
    d = checked(old, new)
    assert d.stats["unchanged"] >= 3


def test_huge_paragraph_is_shown_replaced_whole():
    big = " ".join(f"w{k}" for k in range(inline.INLINE_TOKEN_LIMIT))
    segs = segments(big, big + " tail")
    assert [s["op"] for s in segs] == ["delete", "insert"]


def test_char_pass_only_for_short_similar_tokens():
    segs = segments("killed 10 people on Wednesday", "killed 14 people on Thursday")
    edits = [(s["op"], s["text"]) for s in segs if s["op"] != "equal"]
    assert edits == [("delete", "10"), ("insert", "14"), ("delete", "Wednesday"),
                     ("insert", "Thursday")]
    # A number is one word, shown whole (it once read `1,[-7-]{+8+}00`).
    segs = segments("about 1,700 troops", "about 1,800 troops")
    assert [(s["op"], s["text"]) for s in segs if s["op"] != "equal"] == [
        ("delete", "1,700"), ("insert", "1,800")]
    # A respelt name or word: only the letters that changed.
    segs = segments("President Volodymyr Zelenskyy said", "President Volodymyr Zelensky said")
    assert [(s["op"], s["text"]) for s in segs if s["op"] != "equal"] == [("delete", "y")]
    segs = segments("the colour of the flag", "the color of the flag")
    assert [(s["op"], s["text"]) for s in segs if s["op"] != "equal"] == [("delete", "u")]


# --- encoder ---------------------------------------------------------------------------------


def test_code_points_follow_the_private_use_areas_and_skip_surrogates():
    assert code_point(0) == "\ue000" and code_point(6399) == "\uf8ff"
    assert code_point(6400) == "\U000f0000" and code_point(6400 + 65533) == "\U000ffffd"
    assert code_point(6400 + 65534) == "\U00100000"
    assert code_point(6400 + 2 * 65534) == "\U00010000"  # then the rest of Unicode
    for k in range(0, CAPACITY, 997):
        assert not 0xD800 <= ord(code_point(k)) <= 0xDFFF
    assert len({code_point(k) for k in range(0, CAPACITY, 1)}) == CAPACITY
    with pytest.raises(TooManyTokens):
        code_point(CAPACITY)


def test_encoder_round_trip():
    enc = Encoder(reserved=2)
    s = enc.encode(["a", "b", "a", "\ue000"])
    assert s == "\ue002\ue003\ue002\ue004" and [enc.keys[c] for c in s] == ["a", "b", "a", "\ue000"]


# --- bad input and the checker ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [("one string", ["a"]), (["a"], None), (["a", 3], ["a"]), (["a"], [b"bytes"]), ({"a"}, ["a"])],
)
def test_bad_input_is_a_clear_type_error(old, new):
    with pytest.raises(TypeError, match="must be"):
        diff_paragraphs(old, new)


def test_bad_promo_pattern_is_a_value_error():
    with pytest.raises(ValueError, match="not a regular expression"):
        diff_paragraphs(["a"], ["b"], promo_pattern="(")


def test_custom_promo_pattern():
    d = checked(["Text."], ["Text.", "SIEHE AUCH: mehr"], promo_pattern=r"^SIEHE AUCH:")
    assert [r.get("promo", False) for r in d.rows] == [False, True]


def test_verify_catches_broken_diffs():
    old, new = ["Keep A.", "Gone B.", "Keep C."], ["Keep A.", "Keep C.", "New D."]
    checked(old, new)
    broken = [
        lambda rows: rows.pop(),  # a new paragraph lost
        lambda rows: rows.reverse(),  # out of order
        lambda rows: rows.insert(0, rows.pop(1)),  # removed row out of place
        lambda rows: rows.append({"kind": "removed", "left": 1, "right": None}),  # twice
        lambda rows: rows[0].update(kind="changed"),  # changed without segments
        lambda rows: rows[0].update(segments=[{"op": "equal", "text": "Keep X."}]),
    ]
    for hurt in broken:
        bad = diff_paragraphs(old, new)
        hurt(bad.rows)
        with pytest.raises(LossError):
            verify(old, new, bad)
    assert moves.MOVE_THRESHOLD > align.EDIT_THRESHOLD


def test_display_rows_from_the_cached_dict_form():
    paras = [f"Paragraph {k} tells its own part of the story about item {k}." for k in range(8)]
    new = [paras[5], *paras[:5], *paras[6:]]
    d = checked(paras, new)
    shown = display_rows(d)
    assert display_rows(d.to_dict()) == shown
    assert [(r["kind"], r["left"], r["right"]) for r in shown][:2] == [("moved", 5, 0), ("unchanged", 0, 1)]
    away = shown.index({"kind": "moved_away", "left": 5, "right": None, "to": 0})
    assert shown[away - 1]["left"] == 4  # where it stood, after paragraph 4
    assert "from" not in d.rows[0]  # the rows themselves stay as they were


# --- scripts written without spaces, and numbers ----------------------------------------------

JA_STORY = [
    "【東京】政府は少子化対策の新たな計画をまとめた。",
    "政府は20日の閣議で、少子化対策の強化に向けた新たな計画を進めることを決定した。岸田首相は記者"
    "会見で「若い世代の所得を増やし、子育てを社会全体で支える仕組みを早急に整えたい」と述べ、財源の確保"
    "も年内に結論を出す考えを示した。",
    "野党は「財源の裏付けがない」と批判しており、今後の国会審議で追及する構えだ。",
]
ZH_STORY = [
    "新华社北京4日电",
    "国务院总理李强4日主持召开国务院常务会议，研究推进新型城镇化建设的有关措施。会议指出，要加大对"
    "中西部地区的支持力度，推动农业转移人口市民化，进一步完善住房、教育和医疗等公共服务体系。",
    "会议还讨论了其他事项。",
]
TH_STORY = [
    "กรุงเทพฯ (รอยเตอร์)",
    "นายกรัฐมนตรีกล่าวว่ารัฐบาลจะเร่งดำเนินการตามแผนพัฒนาเศรษฐกิจเพื่อช่วยเหลือประชาชนที่ได้รับผลกระทบจาก"
    "น้ำท่วมในภาคเหนือ",
    "ฝนยังคงตกหนักในหลายจังหวัด",
]


def marked(row):
    return [(s["op"], s["text"]) for s in row["segments"] if s["op"] != "equal"]


@pytest.mark.parametrize(
    ("story", "gone", "came"),
    [(JA_STORY, "進める", "急ぐ"), (ZH_STORY, "推进", "加快"), (TH_STORY, "เร่ง", "เริ่ม")],
    ids=["japanese", "chinese", "thai"],
)
def test_a_one_word_edit_without_spaces_is_one_changed_row_marking_that_word(story, gone, came):
    # Regression: a run of kana and kanji between two punctuation marks was one "word", so this
    # edit of a 112-character paragraph scored 0.47 and showed as removed and added.
    edited = [story[0], story[1].replace(gone, came, 1), story[2]]
    assert score(Words(story[1]), Words(edited[1])) >= 0.9
    for old, new, (d_text, i_text) in ((story, edited, (gone, came)), (edited, story, (came, gone))):
        d = checked(old, new)
        assert kinds(d) == ["unchanged", "changed", "unchanged"]
        assert marked(d.rows[1]) == [("delete", d_text), ("insert", i_text)]


def test_a_rewritten_japanese_paragraph_still_pairs_and_marks_words():
    old = JA_STORY[1]
    new = old.replace("進める", "急ぐ").replace("早急に", "速やかに").replace("年内", "来年3月まで")
    d = checked([JA_STORY[0], old], [JA_STORY[0], new])
    assert kinds(d) == ["unchanged", "changed"]
    assert marked(d.rows[1]) == [
        ("delete", "進める"), ("insert", "急ぐ"), ("delete", "早急"), ("insert", "速やか"),
        ("delete", "年内"), ("insert", "来年3月まで"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "gone", "came"),
    [
        ("The Pentagon is sending about 1,700 troops to Poland.",
         "The Pentagon is sending about 1,800 troops to Poland.", "1,700", "1,800"),
        ("The treaty, signed in 1997, bars permanent bases.",
         "The treaty, signed in 1996, bars permanent bases.", "1997", "1996"),
        ("Inflation rose to 3.5% in January, the agency said.",
         "Inflation rose to 4.2% in January, the agency said.", "3.5", "4.2"),
        ("A 2,000-strong brigade will deploy.", "A 3,000-strong brigade will deploy.",
         "2,000", "3,000"),
        ("Temperatures fell to -4 degrees overnight.", "Temperatures fell to -14 degrees overnight.",
         "4", "14"),
        ("The deal is worth $1.25bn, officials said.", "The deal is worth $1.5bn, officials said.",
         "1.25bn", "1.5bn"),
    ],
    ids=["thousands", "year", "percent", "compound", "negative", "decimal"],
)
def test_an_edited_number_is_marked_whole(old, new, gone, came):
    d = checked([old], [new])
    assert kinds(d) == ["changed"]
    assert marked(d.rows[0]) == [("delete", gone), ("insert", came)]


def test_the_character_pass_still_marks_only_an_apostrophe():
    d = checked(["Putin's troops have massed near the border."],
                ["Putin’s troops have massed near the border."])
    assert marked(d.rows[0]) == [("delete", "'"), ("insert", "’")]


def test_numbers_stay_whole_inside_a_rewrite():
    from test_tokens import assert_numbers_whole

    old = "The company will cut 1,700 jobs by the end of 2023, its chief executive said."
    new = "The company plans to cut 1,800 positions by 2024, the chief executive, 54, said."
    assert_numbers_whole(old, new, segments(old, new))
