"""One parser for version numbers, shared by the API, the pages and the command line."""

from __future__ import annotations

import pytest

from service.versionspec import BadVersion, parse_range, parse_version


@pytest.mark.parametrize("text,allow_zero,expected", [
    ("1", False, 1), ("42", False, 42), ("latest", False, "latest"), ("0", True, 0),
    ("999999999", False, 999999999),
])
def test_good_versions(text, allow_zero, expected):
    assert parse_version(text, allow_zero=allow_zero) == expected


# Tried: zero where not allowed, negatives, signs, decimals, leading zeros, ten digits,
# non-ASCII digits, spaces, empty, other words, case variants of latest.
@pytest.mark.parametrize("text,allow_zero", [
    ("0", False), ("-1", True), ("+1", False), ("1.5", False), ("01", False), ("00", True),
    ("1234567890", False), ("١", False), ("²", False), (" 1", False), ("1 ", False), ("", False),
    ("two", False), ("Latest", False), ("LATEST", False),
])
def test_bad_versions(text, allow_zero):
    with pytest.raises(BadVersion) as info:
        parse_version(text, allow_zero=allow_zero)
    assert repr(text) in str(info.value)


def test_ranges():
    assert parse_range("1...2") == (1, 2)
    assert parse_range("0...latest", allow_zero=True) == (0, "latest")
    for bad in ("1..2", "1...", "...2", "1...2...3", "0...1", "a...b"):
        with pytest.raises(BadVersion):
            parse_range(bad)
