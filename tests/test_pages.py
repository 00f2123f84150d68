"""Page shaping without Flask: compare addresses, headlines, folds, ages, links."""

from __future__ import annotations

import pytest

from service import diff as diffing
from service.versionspec import BadVersion, parse_range
from service.web import page_rows as pages


@pytest.mark.parametrize(("spec", "parsed"), [("1...2", (1, 2)), ("2...latest", (2, "latest")),
                                               ("latest...1", ("latest", 1)), ("10...9", (10, 9))])
def test_compare_addresses(spec, parsed):
    assert parse_range(spec) == parsed


@pytest.mark.parametrize("spec", ["1..2", "1....2", "0...1", "01...2", "1...", "a...b", "", "1",
                                  "1...2...3", "LATEST...1", "1...1234567890", "١...٢"])
def test_compare_addresses_refused(spec):
    with pytest.raises(BadVersion):
        parse_range(spec)


def test_headline_falls_back_to_first_words():
    assert pages.headline({"headline": " Given "}, ["x"]) == ("Given", False)
    words = " ".join(f"w{n}" for n in range(20))
    assert pages.headline({}, ["", words]) == (" ".join(words.split()[:12]) + " …", True)
    assert pages.headline({"headline": ""}, []) == ("Untitled article", True)


def test_fold_rows_groups_unchanged_runs_and_promo_lines():
    old = ["A.", "B.", "C."]
    new = ["A.", "B.", "WATCH: video", "New.", "C."]
    diff = diffing.diff_paragraphs(old, new, promo_pattern=r"^WATCH:")
    rows = pages.build_rows(diffing.display_rows(diff), old, new)
    blocks = diffing.fold_rows(rows, show_unchanged=False, describe=pages.describe)
    shape = [(b.kind, len(b.rows)) if isinstance(b, diffing.Fold) else b.kind for b in blocks]
    assert shape == [("unchanged", 2), ("promo", 1), "added", ("unchanged", 1)]
    assert blocks[0].label == "2 unchanged paragraphs" and blocks[1].label == "Promotional line"
    assert [r.anchor for r in rows if r.anchor] == ["c1", "c2"]
    shown = diffing.fold_rows(rows, show_unchanged=True, describe=pages.describe)
    assert [b.kind for b in shown] == ["unchanged", "unchanged", "promo", "added", "unchanged"]


@pytest.mark.parametrize(("first", "latest", "bucket"), [(1, 1, 0), (1, 2, 0), (2, 2, 5),
                                                         (1, 11, 0), (6, 11, 2), (11, 11, 5)])
def test_age_bucket(first, latest, bucket):
    assert pages.age_bucket(first, latest) == bucket


@pytest.mark.parametrize(("url", "safe"), [
    ("https://apnews.com/article/x", "https://apnews.com/article/x"),
    ("HTTP://example.org", "HTTP://example.org"), ("javascript:alert(1)", None),
    (" javascript:alert(1)", None), ("data:text/html,<b>", None), ("//evil.example", None),
    ("", None), (None, None),
])
def test_safe_link(url, safe):
    assert pages.safe_link(url) == safe


def test_meta_changes_lists_only_what_changed():
    changes = diffing.meta_changes({"headline": "A", "label": ""}, {"headline": "B", "label": None})
    assert [(c["field"], c["old"], c["new"]) for c in changes] == [("headline", "A", "B")]
