"""The `ignore` option of a diff: which differences do not count. One rule for API, pages and CLI."""

from __future__ import annotations

#: What a diff can be told to ignore. `typography`: quotes, dashes, white space, Unicode forms.
IGNORABLE = ("typography",)

Ignore = frozenset[str]
NOTHING: Ignore = frozenset()


class BadIgnore(ValueError):
    """An `ignore` value this engine does not know."""

    def __init__(self, value: str):
        known = ", ".join(f"'{v}'" for v in IGNORABLE)
        super().__init__(f"ignore must be {known}, got {value!r}")
        self.value = value


def parse_ignore(value: str | None) -> Ignore:
    """Return what to ignore from a parameter's text ('' or None: nothing); raise BadIgnore."""
    if value in (None, ""):
        return NOTHING
    if value in IGNORABLE:
        return frozenset({value})
    raise BadIgnore(value)


def ignore_label(ignore: Ignore) -> str | None:
    """Return the parameter text for `ignore` (None for nothing), as URLs and JSON write it."""
    return ",".join(sorted(ignore)) or None
