"""Version numbers as URLs, forms and the command line write them: `3`, `latest`, `0` (the empty
story before version 1, where a caller allows it). One parser, so every door takes the same words."""

from __future__ import annotations

LATEST = "latest"
# Nine digits is far past any story's history and keeps a number in a machine int everywhere.
MAX_DIGITS = 9


class BadVersion(ValueError):
    """A version that is not a number in range or 'latest'."""

    def __init__(self, value: str, lowest: int):
        super().__init__(f"must be a version number from {lowest} or '{LATEST}', got {value!r}")
        self.value, self.lowest = value, lowest


def parse_version(value: str, *, allow_zero: bool = False) -> int | str:
    """Return the version number, or 'latest'; raise BadVersion for anything else."""
    lowest = 0 if allow_zero else 1
    if value == LATEST:
        return value
    if (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS
            and (value == "0" or not value.startswith("0")) and int(value) >= lowest):
        return int(value)
    raise BadVersion(value, lowest)


def parse_range(spec: str, *, allow_zero: bool = False) -> tuple[int | str, int | str]:
    """Split `a...b` into two versions; raise BadVersion naming the part that is wrong."""
    a, sep, b = spec.partition("...")
    if not sep:
        raise BadVersion(spec, 0 if allow_zero else 1)
    return parse_version(a, allow_zero=allow_zero), parse_version(b)
