"""What a change card says: the headline, the versions and times, and the digest's first change.

Pure: built from a diff, its two versions and their update digest (`diff.digest`); no Flask,
no drawing. The change is a list of runs marked equal / insert / delete, cut to a window
around its first edit so a long paragraph still shows what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..diff.inline import segments
from ..plural import plural

#: Characters of the change shown at most, and of context kept before its first edit.
WINDOW = 260
CONTEXT = 70

_HEADINGS = {
    "killed": "Story killed", "headline": "Headline changed", "label": "Label changed",
    "lede": "New lede", "correction": "Correction", "editor_note": "Editor's note",
    "byline": "Byline changed", "number": "Number changed",
}


@dataclass(frozen=True)
class Run:
    """A stretch of the change's text: `op` is "equal", "insert" or "delete"."""

    op: str
    text: str


@dataclass(frozen=True)
class Card:
    """Everything a card shows, as text."""

    headline: str
    article_id: str
    versions: str
    times: str
    heading: str
    runs: list[Run] = field(default_factory=list)
    more: str = ""


def card_of(article_id: str, diff: Any, old: Any, new: Any, digest: Sequence[dict]) -> Card:
    """Return the card of a diff between two stored versions (`old` None: the first version)."""
    items = [item for item in digest if item["kind"] != "more"]
    headline = str(new.meta.get("headline") or "") or _first_words(new.paragraphs)
    versions = f"v{old.version} \u2192 v{new.version}" if old is not None else f"v{new.version}"
    if not items:
        return Card(headline, article_id, versions, _times(old, new), "No change", [])
    first = items[0]
    runs = _runs(first, list(diff.rows), old.paragraphs if old is not None else [], new.paragraphs)
    rest = len(items) - 1
    more = f"and {plural(rest, 'more change')}" if rest else ""
    return Card(headline, article_id, versions, _times(old, new), _heading(first), runs, more)


def _first_words(paragraphs: Sequence[str], count: int = 12) -> str:
    """A story with no headline is named by its first words, marked as cut."""
    words = " ".join(paragraphs).split()
    return " ".join(words[:count]) + ("\u2026" if len(words) > count else "")


def _heading(item: dict) -> str:
    kind = item["kind"]
    if kind == "quote":
        return f"Quote {item.get('change', 'changed')}"
    if kind == "count":
        return str(item["text"][:1].upper() + item["text"][1:])
    return _HEADINGS.get(kind, kind.replace("_", " ").capitalize())


def _runs(item: dict, rows: list[dict], old: Sequence[str], new: Sequence[str]) -> list[Run]:
    """The item's change as marked runs: its row's segments, else its old and new text."""
    row = rows[item["row"]] if item.get("row") is not None and item["row"] < len(rows) else None
    if row is not None and row.get("segments"):
        marked = [Run(s["op"], s["text"]) for s in row["segments"] if s["op"] != "break"]
        return _window(marked)
    if row is not None and row["kind"] == "added" and row.get("right") is not None:
        return _window([Run("insert", new[row["right"]])])
    if row is not None and row["kind"] == "removed" and row.get("left") is not None:
        return _window([Run("delete", old[row["left"]])])
    before, after = item.get("old"), item.get("new")
    if isinstance(before, str) and isinstance(after, str):
        return _window([Run(s["op"], s["text"]) for s in segments(before, after)])
    if isinstance(after, str):
        return _window([Run("insert", after)])
    if isinstance(before, str):
        return _window([Run("delete", before)])
    return [Run("equal", str(item.get("text", "")))]


def _window(runs: list[Run]) -> list[Run]:
    """Cut runs to about WINDOW characters starting CONTEXT before the first edit, with ellipses."""
    runs = [r for r in runs if r.text]
    start = 0
    for run in runs:
        if run.op != "equal":
            break
        start += len(run.text)
    else:
        start = 0
    skip = max(0, start - CONTEXT)
    if skip:  # begin at a word, not inside one
        text = "".join(r.text for r in runs)
        space = text.find(" ", skip)
        skip = space + 1 if 0 <= space < start else skip
    out: list[Run] = [Run("equal", "\u2026")] if skip else []
    seen = budget = 0
    for run in runs:
        lo, hi = seen, seen + len(run.text)
        seen = hi
        if hi <= skip:
            continue
        piece = run.text[max(0, skip - lo):]
        if budget + len(piece) > WINDOW:
            out.append(Run(run.op, piece[:WINDOW - budget].rstrip() + "\u2026"))
            break
        out.append(Run(run.op, piece))
        budget += len(piece)
    return out


def _times(old: Any, new: Any) -> str:
    """The versions' save times, "1 Dec 2026 14:05 → 15:20 UTC" (a date shown once when shared)."""
    after = _utc(new)
    if old is None:
        return f"{after:%-d %b %Y %H:%M} UTC"
    before = _utc(old)
    if before.date() == after.date():
        return f"{before:%-d %b %Y %H:%M} \u2192 {after:%H:%M} UTC"
    return f"{before:%-d %b %Y %H:%M} \u2192 {after:%-d %b %Y %H:%M} UTC"


def _utc(version: Any) -> datetime:
    when = getattr(version, "created_at", None)
    if not isinstance(when, datetime):
        return datetime.fromtimestamp(0, UTC)
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
