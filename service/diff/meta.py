"""What changed in a version's metadata: headline, byline, label, editor's note, url, times.

Pure functions over two `meta` dicts as the store keeps them. The Differ adds the changes to
every diff of two versions (`Differ.diff_versions`) and counts them in its stats, so the API,
the CLI, the pages and the feeds say "headline changed" by one rule. See docs/ARCHITECTURE.md,
"The Differ".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .inline import segments
from .typography import normalise

__all__ = ["FIELDS", "LABELS", "describe_fields", "meta_changes", "meta_stats"]

#: The fields compared, in the order changes are listed: what a reader (or a researcher
#: following a story) notices changing. `source_format` (how a version was sent) is not one.
FIELDS = ("headline", "byline", "label", "editor_note", "url", "published_at", "updated_at")
#: How summaries and pages name the fields.
LABELS = {
    "headline": "headline", "byline": "byline", "label": "label", "editor_note": "editor's note",
    "url": "URL", "published_at": "publication time", "updated_at": "update time",
}
#: Fields whose changes carry word segments, as an edited paragraph does.
SEGMENTED = frozenset({"headline"})


def _value(meta: Mapping[str, Any] | None, name: str) -> Any:
    # Absent, null and "" are the same: no value.
    return (meta or {}).get(name) or None


def meta_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *,
                 ignore_typography: bool = False) -> list[dict]:
    """Return the metadata fields that differ, in FIELDS order.

    Each change is `{"field", "old", "new"}` (None: no value), with `"segments"` (as
    `inline.segments`: equal+delete rebuild the old value, equal+insert the new) for the
    headline, and `"typography": True` when the two values differ only in quotes, dashes,
    spaces or Unicode forms (`typography.normalise`). With `ignore_typography` such changes
    are left out, as paragraphs that differ only so are unchanged. `old` None or {}: the empty
    story before version 1, so every field the new version has is listed.
    """
    changes = []
    for name in FIELDS:
        before, after = _value(old, name), _value(new, name)
        if before == after:
            continue
        typographic = (isinstance(before, str) and isinstance(after, str)
                       and normalise(before) == normalise(after))
        if typographic and ignore_typography:
            continue
        change: dict = {"field": name, "old": before, "new": after}
        if name in SEGMENTED:
            change["segments"] = segments(_text(before), _text(after))
        if typographic:
            change["typography"] = True
        changes.append(change)
    return changes


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def meta_stats(changes: Sequence[Mapping[str, Any]]) -> dict:
    """Return the stats keys of metadata changes: `meta_changed` (a count), `meta_fields` (names)."""
    return {"meta_changed": len(changes), "meta_fields": [c["field"] for c in changes]}


def describe_fields(fields: Sequence[str]) -> str:
    """Word changed fields for a summary: 'headline changed', 'headline and byline changed'."""
    names = [LABELS.get(f, f.replace("_", " ")) for f in fields]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed} changed"
