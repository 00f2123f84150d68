"""Annotate: where each paragraph of the last version first appeared and was last changed."""

import pytest

from service.diff import annotate, annotate_from_diffs, diff_paragraphs

LEDE_1 = "WASHINGTON (AP) — President Joe Biden is sending troops to Poland and Germany."
LEDE_3 = "WASHINGTON (AP) — President Joe Biden is sending 3,000 troops to Poland and Germany."
KIRBY = "Pentagon press secretary John Kirby said the forces would not fight in Ukraine."
ROMANIA = "About 1,000 soldiers based in Germany will move to Romania, Kirby said on Wednesday."
REACTION = "Russia's deputy foreign minister called the decision destructive and unfounded."
WATCH = "WATCH: U.S., Russia clash over Ukraine at UN Security Council meeting"
CLOSER = "Associated Press writer Lolita C. Baldor contributed to this report."

V1 = [LEDE_1, KIRBY, CLOSER]
V2 = [LEDE_1, KIRBY, ROMANIA, WATCH, CLOSER]  # two added
V3 = [LEDE_3, REACTION, ROMANIA, KIRBY, CLOSER]  # lede edited, Kirby moved, promo dropped

EXPECTED = [  # (text, first version, last changed version)
    (LEDE_3, 1, 3),
    (REACTION, 3, 3),
    (ROMANIA, 2, 2),
    (KIRBY, 1, 1),  # moved without an edit keeps its history
    (CLOSER, 1, 1),
]


def test_three_versions():
    d = diff_paragraphs(V2, V3)
    assert d.stats["moved"] == 1 and d.stats["changed"] == 1 and d.stats["removed"] == 1
    got = annotate([V1, V2, V3])
    assert [(a["text"], a["first_version"], a["last_changed_version"]) for a in got] == EXPECTED
    assert [a["index"] for a in got] == [0, 1, 2, 3, 4]


def test_from_cached_diffs_gives_the_same():
    diffs = [diff_paragraphs(V1, V2), diff_paragraphs(V2, V3).to_dict()]
    assert annotate_from_diffs(V3, diffs) == annotate([V1, V2, V3])


def test_moved_and_edited_counts_as_a_change():
    quote = ("“We are ready to defend every inch of NATO territory,” Secretary of State Antony "
             "Blinken told reporters in Brussels on Tuesday.")
    edited = quote.replace("Tuesday", "Wednesday")
    filler = [f"Paragraph {k} tells its own part of the story about item {k}." for k in range(6)]
    got = annotate([[quote, *filler], [*filler, quote], [*filler, edited]])
    assert (got[-1]["first_version"], got[-1]["last_changed_version"]) == (1, 3)
    got = annotate([[quote, *filler], [*filler, edited]])
    assert (got[-1]["first_version"], got[-1]["last_changed_version"]) == (1, 2)


def test_ignore_typography_keeps_history_across_quote_style():
    a = ["Putin's buildup of 100,000 troops.", "Other paragraph."]
    b = ["Putin’s buildup of 100,000 troops.", "Other paragraph."]
    assert [x["last_changed_version"] for x in annotate([a, b])] == [2, 1]
    assert [x["last_changed_version"] for x in annotate([a, b], ignore_typography=True)] == [1, 1]


def test_single_version():
    assert annotate([["One.", "Two."]]) == [
        {"index": 0, "text": "One.", "first_version": 1, "last_changed_version": 1},
        {"index": 1, "text": "Two.", "first_version": 1, "last_changed_version": 1},
    ]
    assert annotate_from_diffs(["One."], []) == annotate([["One."]])


def test_bad_input():
    # Tried: no versions, diffs that do not chain, diffs ending elsewhere, a non-list version.
    with pytest.raises(ValueError, match="at least one version"):
        annotate([])
    with pytest.raises(ValueError, match="old paragraphs"):
        annotate_from_diffs(V3, [diff_paragraphs(V1, V2), diff_paragraphs(V1, V3)])
    with pytest.raises(ValueError, match="end with"):
        annotate_from_diffs(V1, [diff_paragraphs(V1, V2)])
    with pytest.raises(TypeError, match="must be"):
        annotate(["not a list of paragraphs"])
