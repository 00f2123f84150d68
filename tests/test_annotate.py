"""Annotate: where each paragraph of the last version first appeared and was last changed."""

from pathlib import Path

import pytest

from service.diff import annotate, annotate_from_diffs, diff_paragraphs
from service.diff.annotate import annotation, next_provenance
from service.diff.facts import decode_provenance, encode_provenance

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


# -- one step at a time: the provenance a kept version carries to the next ----------------------

SEED = sorted((Path(__file__).resolve().parent.parent / "seeds" / "ap-troops-eastern-europe")
              .glob("*.txt"))


def seed_version(k: int) -> list[str]:
    """Return seed version k's paragraphs."""
    return [p.strip() for p in SEED[k].read_text(encoding="utf-8").split("\n\n") if p.strip()]


def story() -> list[list[str]]:
    """Return a real story's versions edited as desks do: splits, joins, moves, edits, a rewrite."""
    v1 = seed_version(0)
    versions = [v1]

    def then(change) -> None:
        versions.append(change(list(versions[-1])))

    def split(doc, k, extra=""):
        cut = doc[k].rindex(". ") + 1  # before the last sentence
        return [*doc[:k], doc[k][:cut] + extra, doc[k][cut:].strip(), *doc[k + 1:]]

    then(lambda d: split(d, 1))
    then(lambda d: [*d[:4], d[4] + " " + d[5], *d[6:]])  # joined
    then(lambda d: [*d[1:], d[0]])  # the lede moved to the end
    then(lambda d: [d[0].replace("resolve", "determination"), *d[1:]])
    then(lambda d: [*d[:3], "Kirby said more troops could follow within days.", *d[3:]])
    then(lambda d: split(d, 2, " Officials said so on Wednesday."))  # a split with an edit
    then(lambda d: [*d[:2], d[2] + " " + d[3] + " " + d[4], *d[5:]])  # three joined
    then(lambda d: [d[-1], *d[:-1]])  # moved back
    then(lambda d: d[:-2])  # removed
    then(lambda d: seed_version(1))  # the real rewrite
    then(lambda d: [*d[:10], *d[12:], d[10], d[11].replace("NATO", "the alliance")])
    return versions


# Provenance of versions 2-10 of story(), worked out by hand from what each update does.
_ALL_1 = [(1, 1)]
PROVENANCE = {
    2: _ALL_1 * 9,                                 # ¶2 split in two, nothing edited
    3: _ALL_1 * 8,                                 # ¶5 and ¶6 joined, nothing edited
    4: _ALL_1 * 8,                                 # the lede moved to the end
    5: [(1, 5), *_ALL_1 * 7],                      # a word of ¶1 edited
    6: [(1, 5), (1, 1), (1, 1), (6, 6), *_ALL_1 * 5],  # a paragraph added at ¶4
    7: [(1, 5), (1, 1), (1, 7), (1, 1), (6, 6), *_ALL_1 * 5],  # ¶3 split with a sentence added
    8: [(1, 5), (1, 1), (1, 7), *_ALL_1 * 5],      # ¶3-¶5 joined: the earliest first, latest edit
    9: [(1, 1), (1, 5), (1, 1), (1, 7), *_ALL_1 * 4],  # the lede moved back to the top
    10: [(1, 1), (1, 5), (1, 1), (1, 7), (1, 1), (1, 1)],  # the last two removed
}


@pytest.mark.parametrize("ignore_typography", [False, True])
def test_kept_provenance_carried_a_step_at_a_time_equals_annotating_from_version_1(
        ignore_typography):
    versions = story()
    diffs = [diff_paragraphs(a, b, ignore_typography=ignore_typography)
             for a, b in zip(versions, versions[1:], strict=False)]
    kinds = {r["kind"] for d in diffs for r in d.rows}
    assert {"split", "joined", "moved", "changed", "added", "removed"} <= kinds  # all exercised
    # From the empty story: every paragraph of version 1 begins there.
    history = next_provenance([], diff_paragraphs([], versions[0]), 1)
    assert history == [(1, 1)] * len(versions[0])
    for v in range(2, len(versions) + 1):
        # Kept on disk and read back between steps, as the Differ does.
        history = next_provenance(decode_provenance(encode_provenance(history)), diffs[v - 2], v)
        expected = annotate(versions[:v], ignore_typography=ignore_typography)
        assert [(a["first_version"], a["last_changed_version"]) for a in expected] == history
        if v in PROVENANCE:
            assert history == PROVENANCE[v], v
        else:  # the real rewrite (11) and what follows: what each paragraph's text tells
            for text, (first, last) in zip(versions[v - 1], history, strict=True):
                assert first in (1, 11) and first <= last <= 11  # v12 only moves and keeps
                if text in versions[9]:
                    assert first == 1  # kept word for word from the story before the rewrite
                if first == 11:
                    assert text not in versions[9]  # new in the rewrite
    assert annotation(versions[-1], history) == annotate_from_diffs(versions[-1], diffs)


def test_splits_and_joins_keep_the_first_version_of_what_they_carry():
    versions = story()
    got = {a["text"]: (a["first_version"], a["last_changed_version"]) for a in annotate(versions[:3])}
    second = versions[0][1]
    cut = second.rindex(". ") + 1
    assert got[second[:cut]] == got[second[cut:].strip()] == (1, 1)  # split, not edited
    assert got[versions[0][3] + " " + versions[0][4]] == (1, 1)  # joined, not edited
    assert [r["kind"] for r in diff_paragraphs(versions[5], versions[6]).rows].count("split") == 1
    edited = annotate(versions[:7])
    assert any(a["text"].endswith("Officials said so on Wednesday.")
               and (a["first_version"], a["last_changed_version"]) == (1, 7) for a in edited)


def test_next_provenance_refuses_a_diff_that_does_not_start_where_it_stands():
    with pytest.raises(ValueError, match="has 3 old paragraphs, version 1 has 2"):
        next_provenance([(1, 1)] * 2, diff_paragraphs(V1, V2), 2)


def test_provenance_blobs_are_small_and_refuse_damage():
    import zlib

    history = [(k + 1, k + 1 + (k % 3) * 400) for k in range(4_950, 5_000)]
    blob = encode_provenance(history)
    assert decode_provenance(blob) == history and len(blob) < 2 * len(history)
    with pytest.raises((ValueError, zlib.error)):
        decode_provenance(blob[:-3])
    with pytest.raises(ValueError):
        decode_provenance(zlib.compress(b"\x81"))  # a varint cut short
