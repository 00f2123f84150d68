"""Who wrote a version and when, as git records it: the commit's author line.

The author is the byline (else the publisher) and the author date the publisher's time, so
`git log` shows them; the committer stays writethru at ingest time, which is the only time the
store reads back (objects.parse_commit takes the committer line; the index its trailer).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

# Where a name comes from, first found wins: the byline, else whoever sent it.
NAME_KEYS = ("byline", "publisher", "provider")
# The publisher's own time of this version: its update time, else its first publication.
TIME_KEYS = ("updated_at", "published_at")
# Long enough for several names and an agency; a byline is no place for a paragraph.
MAX_NAME = 200
# Dates git and GitPython both read (git has no dates before 1970 in its raw format).
_LATEST = 253_402_300_799  # 9999-12-31T23:59:59Z
_BY = re.compile(r"^by(?:\s+|\s*:\s*|$)", re.IGNORECASE)  # "By Jane", "By: Jane", "By"


def ident(name: str, email: str, seconds: int, offset: str = "+0000") -> str:
    """Return a git identity line's value: `Name <email> seconds ±hhmm`."""
    return f"{name} <{email}> {seconds} {offset}"


def clean_name(raw: object) -> str:
    """Return a byline as a git author name: one line, no `<`/`>`, no leading "By ", bounded.

    Empty when nothing usable is left (the caller then falls back to the next name).
    """
    if not isinstance(raw, str):
        return ""
    # Control, format, separator and surrogate characters become spaces, then runs of spaces
    # one: git ends a header at "\n" and the email at ">", and GitPython splits on both.
    spaced = "".join(" " if unicodedata.category(c)[0] in "CZ" or c in "<>" else c for c in raw)
    name = _BY.sub("", " ".join(spaced.split())).strip(" ,;")
    if len(name) > MAX_NAME:
        cut = name[:MAX_NAME - 1]
        name = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;") + "…"
    return name


def publisher_time(meta: dict) -> tuple[int, str] | None:
    """Return (Unix seconds, git `±hhmm` offset) of the publisher's time, None if none usable.

    A time without an offset is not used: which instant it names is unknown.
    """
    for key in TIME_KEYS:
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            # RFC 3339 allows a lower-case "t" and "z"; fromisoformat wants them upper-case.
            when = datetime.fromisoformat(value.strip().upper())
        except ValueError:
            continue
        offset = when.utcoffset()
        if offset is None:
            continue
        seconds = int(when.timestamp())
        if not 0 <= seconds <= _LATEST:
            continue
        minutes = int(offset.total_seconds()) // 60
        if minutes * 60 != offset.total_seconds():
            minutes = 0  # an offset with seconds: git cannot write it, so the instant in UTC
        sign = "-" if minutes < 0 else "+"
        return seconds, f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return None


def author_ident(meta: dict, actor: tuple[str, str], when: int) -> str:
    """Return the author line's value for a version with this metadata.

    The email of a byline is empty (`<>`): a byline names people, not addresses, and a made-up
    address would read as a real one; git (fsck --strict, fast-import) and GitPython accept it,
    `%ae` prints nothing. With no name the author is the actor; with no time, when (UTC).
    """
    name = next((n for n in (clean_name(meta.get(k)) for k in NAME_KEYS) if n), "")
    email = "" if name else actor[1]
    stamp = publisher_time(meta) or (when, "+0000")
    return ident(name or actor[0], email, *stamp)
