"""describe_change: the one-line change summary shared by the timeline, the CLI and the feeds."""

import pytest

from service.diff import describe_change

ZERO = {"unchanged": 0, "changed": 0, "added": 0, "removed": 0, "moved": 0,
        "words_added": 0, "words_removed": 0}


@pytest.mark.parametrize(("counts", "expected"), [
    ({"added": 25, "changed": 1, "unchanged": 7}, "+25 paragraphs, 1 edited"),
    ({"added": 1}, "+1 paragraph"),
    ({"removed": 2, "moved": 1}, "-2 paragraphs, 1 moved"),
    ({"removed": 1, "changed": 3}, "-1 paragraph, 3 edited"),
    ({"added": 12, "removed": 1, "changed": 1, "moved": 2},
     "+12 paragraphs, -1 paragraph, 1 edited, 2 moved"),
    ({"unchanged": 8}, "no change"),
    ({}, "no change"),
])
def test_describe_change(counts, expected):
    assert describe_change({**ZERO, **counts}) == expected


def test_words_alone_are_not_a_paragraph_change():
    # Word counts come with paragraph counts; on their own they name no paragraph change.
    assert describe_change({**ZERO, "unchanged": 3, "words_added": 4}) == "no change"
