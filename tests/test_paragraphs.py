"""Plain-text and HTML paragraph rules: blank lines, line-a-paragraph wire copy, block elements."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.ingest.html import paragraphs_from_html
from service.store.text import canonical_text, count_words, split_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "ap-troops-eastern-europe"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One.\n\nTwo.\n", ["One.", "Two."]),
        ("One.\r\n\r\nTwo.\r\n", ["One.", "Two."]),
        ("One.\r\rTwo.", ["One.", "Two."]),
        # hard-wrapped lines inside a paragraph are joined with one space
        ("A long\nwrapped line\n\nNext one\n  indented\n",
         ["A long wrapped line", "Next one indented"]),
        # wire copy without blank lines: a line a paragraph
        ("WASHINGTON (AP) — Lede.\nSecond graf.\nThird graf.", [
            "WASHINGTON (AP) — Lede.", "Second graf.", "Third graf."]),
        # trailing spaces and blank lines made of spaces, tabs or NBSP
        ("One.   \n \t \nTwo.\u00a0\n\u00a0\nThree.", ["One.", "Two.", "Three."]),
        # NBSP and double spaces inside a paragraph are kept: nothing else is changed
        ("Putin\u00a0said  so.\n\nEnd.", ["Putin\u00a0said  so.", "End."]),
        ("\n\n\nOnly.\n\n\n\n", ["Only."]),
        ("", []),
        ("  \n\t\n", []),
        # U+2028 is not a line end here, so it round-trips through canonical_text
        ("a\u2028b\n\nc", ["a\u2028b", "c"]),
    ],
)
def test_split_text(text, expected):
    assert split_text(text) == expected


def test_seed_paragraph_counts():
    v1 = split_text((SEEDS / "000_d086febab5968e85.txt").read_text(encoding="utf-8"))
    v2 = split_text((SEEDS / "001_af56ba67cce1b9fd.txt").read_text(encoding="utf-8"))
    assert (len(v1), len(v2)) == (8, 33)
    assert (count_words(v1), count_words(v2)) == (485, 1241)


def test_canonical_text():
    assert canonical_text([]) == ""
    assert canonical_text(["a"]) == "a\n"
    assert canonical_text(["a", "b c"]) == "a\n\nb c\n"


@given(st.lists(st.text(min_size=1)))
def test_canonical_round_trip(raw):
    paragraphs = split_text("\n\n".join(raw))
    assert split_text(canonical_text(paragraphs)) == paragraphs
    assert all(p == p.strip() and p and "\n" not in p and "\r" not in p for p in paragraphs)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>One</p><p>Two &amp; three</p>", ["One", "Two & three"]),
        ("<h1>Head</h1><p>Body <b>bold</b>  and\n <i>more</i></p>", ["Head", "Body bold and more"]),
        ("<blockquote><p>a</p><p>b</p></blockquote>", ["a", "b"]),
        ("<ul><li>one</li><li><p>two</p></li></ul>", ["one", "two"]),
        ("<div>intro<p>para</p>tail</div>", ["intro", "para", "tail"]),
        ("<table><tr><td>cell 1</td><td>cell 2</td></tr></table>", ["cell 1", "cell 2"]),
        ("<p>x</p><script>alert(1)</script><style>p{}</style><!-- note --><p>y</p>", ["x", "y"]),
        ("<p>line<br>break</p>", ["line break"]),
        ("<p>first<br><br>second</p>", ["first", "second"]),
        ("<p>&nbsp;&nbsp;</p><p>caf&eacute; &lt;b&gt;</p>", ["café <b>"]),
        ("<pre>code\n  here</pre>", ["code here"]),
        ("Loose text with <a href='x'>a link</a>", ["Loose text with a link"]),
        ("<html><head><title>T</title></head><body><p>Only body</p></body></html>", ["Only body"]),
        ("", []),
    ],
)
def test_paragraphs_from_html(html, expected):
    assert paragraphs_from_html(html) == expected


def test_count_words():
    assert count_words(["two words", "and\u00a0three here"]) == 5
    assert count_words([]) == 0
