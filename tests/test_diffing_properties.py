"""Properties of the paragraph diff over generated documents and edit scripts (hypothesis)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.diff import align, diff_paragraphs, display_rows, inline, verify

# Reproducible in CI: the same examples every run, no time limit per example.
PROPS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VOCAB = [
    "the", "troops", "Putin's", "Putin’s", "Biden", "said", "—", "-", "“quoted”", '"quoted"',
    "100,000", "NATO’s", "naïve", "e\u0301", "😀", "👩‍👩‍👧", "\ue000", "\ue001", "\uf8ff",
    "\U000f0000", "\U0010fffd", "READ", "MORE:", "WATCH:", "___", "a\u00a0b", "Україна", "中文",
]
words = st.one_of(
    st.sampled_from(VOCAB),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Zs", "Cc")),
        min_size=1,
        max_size=8,
    ),
)
paragraphs = st.lists(words, min_size=0, max_size=14).map(" ".join)
documents = st.lists(paragraphs, min_size=0, max_size=16)
OPS = ("insert", "delete", "edit", "move", "split", "join", "repeat")
scripts = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 999), st.integers(0, 999), paragraphs),
    max_size=8,
)


def apply(doc: list[str], script) -> list[str]:
    """Apply an edit script to a copy of a document."""
    doc = list(doc)
    for op, a, b, text in script:
        if op == "insert" or not doc:
            doc.insert(a % (len(doc) + 1), text)
            continue
        k = a % len(doc)
        if op == "delete":
            del doc[k]
        elif op == "edit":
            ws = doc[k].split(" ")
            ws[b % len(ws)] = text.split(" ")[0] if text else ""
            doc[k] = " ".join(ws)
        elif op == "move":
            doc.insert(b % len(doc), doc.pop(k))
        elif op == "split":
            ws = doc[k].split(" ")
            cut = b % (len(ws) + 1)
            doc[k : k + 1] = [" ".join(ws[:cut]), " ".join(ws[cut:])]
        elif op == "join" and k + 1 < len(doc):
            doc[k : k + 2] = [doc[k] + " " + doc[k + 1]]
        elif op == "repeat":
            doc.insert(b % (len(doc) + 1), doc[k])
    return doc


def mirrored(stats: dict) -> dict:
    return {
        **stats,
        "added": stats["removed"],
        "removed": stats["added"],
        "words_added": stats["words_removed"],
        "words_removed": stats["words_added"],
    }


@PROPS
@given(documents, scripts, st.booleans())
def test_every_diff_is_lossless(doc, script, ignore):
    new = apply(doc, script)
    d = diff_paragraphs(doc, new, ignore_typography=ignore)
    verify(doc, new, d, ignore_typography=ignore)
    shown = display_rows(d)
    away = [r for r in shown if r["kind"] == "moved_away"]
    assert len(away) == d.stats["moved"]
    assert [r for r in shown if r["kind"] != "moved_away"] == [
        {**r, "from": r["left"]} if r["kind"] == "moved" else r for r in d.rows
    ]


@PROPS
@given(documents, scripts)
def test_stats_mirror(doc, script):
    new = apply(doc, script)
    forth, back = diff_paragraphs(doc, new), diff_paragraphs(new, doc)
    verify(new, doc, back)
    assert mirrored(forth.stats) == back.stats


@PROPS
@given(documents, st.booleans())
def test_a_version_against_itself_is_all_unchanged(doc, ignore):
    d = diff_paragraphs(doc, list(doc), ignore_typography=ignore)
    assert [r["kind"] for r in d.rows] == ["unchanged"] * len(doc)
    assert [(r["left"], r["right"]) for r in d.rows] == [(k, k) for k in range(len(doc))]


@PROPS
@given(documents, st.lists(st.sampled_from(OPS[:3] + OPS[4:]), max_size=6), st.data())
def test_an_unedited_moved_paragraph_is_found(doc, ops, data):
    # A paragraph of at least 8 distinct words that occur nowhere else: unique in both versions.
    moving = " ".join(f"unique{k}word" for k in range(data.draw(st.integers(8, 20))))
    old = list(doc)
    old.insert(data.draw(st.integers(0, len(old))), moving)
    # Edit everything but the moving paragraph (no other moves), then move it.
    script = [(op, *data.draw(st.tuples(st.integers(0, 999), st.integers(0, 999), paragraphs)))
              for op in ops]
    p = old.index(moving)
    new = apply(old[:p], script) + [moving] + apply(old[p + 1 :], script)
    new.remove(moving)
    new.insert(data.draw(st.integers(0, len(new))), moving)
    d = diff_paragraphs(old, new)
    verify(old, new, d)
    i, j = old.index(moving), new.index(moving)
    (row,) = [r for r in d.rows if r["right"] == j]
    assert row["left"] == i and row["kind"] in ("moved", "unchanged")
    stable = {t for t in old if old.count(t) == 1 and new.count(t) == 1} - {moving}
    crossed = [t for t in stable if (old.index(t) < i) != (new.index(t) < j)]
    if len(crossed) >= 2:  # keeping it in place would cost two unchanged paragraphs
        assert row["kind"] == "moved"
    elif crossed:  # it or the one it swapped with is the move
        assert d.stats["moved"] >= 1


@PROPS
@given(
    st.lists(paragraphs, min_size=1, max_size=16, unique=True),
    st.integers(0, 999),
    st.lists(st.tuples(st.integers(0, 999), paragraphs), min_size=1, max_size=4),
)
def test_words_edited_in_one_paragraph_touch_only_that_paragraph(doc, at, edits):
    # The wider claim, "in-place word edits never give added, removed or moved rows for
    # paragraphs keeping >= 60% of their words", does not hold, so it is not tested:
    # ["pa qb rc sd te", "pa qb rc sd uf"] with each edited into the other is one move (an
    # exact match wins), and "a b c internationalisation" -> "a b c x" keeps 3 of 4 words
    # but 3 of 23 characters, so it scores 0.22 and is removed and added.
    k = at % len(doc)
    new = apply(doc, [("edit", k, b, text) for b, text in edits])
    if new[k] == doc[k]:
        expected = [("unchanged", k, k)]
    else:
        scores = {
            inline.score(inline.Words(x), inline.Words(y))
            for x, y in ((doc[k], new[k]), (new[k], doc[k]))  # the engine picks one order
        }
        if min(scores) >= align.EDIT_THRESHOLD:
            expected = [("changed", k, k)]
        elif max(scores) < align.EDIT_THRESHOLD:
            expected = [("removed", k, None), ("added", None, k)]
        else:
            expected = None
    for a, b in ((doc, new), (new, doc)):
        d = diff_paragraphs(a, b)
        verify(a, b, d)
        got = [(r["kind"], r["left"], r["right"]) for r in d.rows]
        others = [("unchanged", i, i) for i in range(len(doc)) if i != k]
        assert [g for g in got if k not in g[1:]] == others
        if expected is not None:
            assert [g for g in got if k in g[1:]] == expected
        assert d.stats["moved"] == 0


@settings(max_examples=8, deadline=None, derandomize=True)
@given(st.integers(0, 2), st.integers(0, 999))
def test_one_huge_paragraph(kind, at):
    n = inline.INLINE_TOKEN_LIMIT  # words, so past the inline limit in tokens
    huge = " ".join(f"w{k % 997}" for k in range(n))
    edited = [huge.replace("w5 ", "changed ", 1), huge + " more", "new start " + huge][kind]
    old = ["Before.", huge, "After."]
    new = ["Before.", "Inserted.", edited, "After."]
    d = diff_paragraphs(old, new)
    verify(old, new, d)
    (row,) = [r for r in d.rows if r["left"] == 1]
    assert row["kind"] == "changed" and row["right"] == 2


@PROPS
@given(documents, scripts, st.integers(0, 3), st.integers(0, 200))
def test_lossless_and_mirrored_past_the_caps(doc, script, gap_cap, budget):
    # Tiny caps send gaps to the move step and pairs past the scoring budget to added/removed:
    # the fallbacks must keep every rule too. (Not monkeypatch: it is function-scoped.)
    new = apply(doc, script)
    saved = align.GAP_CAP, align.GRID_CAP, inline.SCORE_BUDGET
    align.GAP_CAP, align.GRID_CAP, inline.SCORE_BUDGET = gap_cap, gap_cap, budget
    try:
        forth, back = diff_paragraphs(doc, new), diff_paragraphs(new, doc)
    finally:
        align.GAP_CAP, align.GRID_CAP, inline.SCORE_BUDGET = saved
    verify(doc, new, forth)
    verify(new, doc, back)
    assert mirrored(forth.stats) == back.stats
