"""One-line change summaries ("+12 paragraphs, 1 edited") for the timeline, the CLI and feeds."""

from __future__ import annotations

from ..plural import plural
from .meta import describe_fields


def describe_change(stats: dict) -> str:
    """Summarise diff stats in a few words, e.g. '+25 paragraphs, 1 edited; headline changed'.

    Metadata changes (`meta_fields`, as the Differ's stats carry them) are named after the
    paragraph changes, so a version whose only change is its headline is never "no change".
    """
    parts = []
    if stats.get("added"):
        parts.append("+" + plural(stats["added"], "paragraph"))
    if stats.get("removed"):
        # A plain hyphen, not U+2212: the text also goes to terminals and grep.
        parts.append("-" + plural(stats["removed"], "paragraph"))
    if stats.get("changed"):
        parts.append(f"{stats['changed']} edited")
    if stats.get("moved"):
        parts.append(f"{stats['moved']} moved")
    if stats.get("split"):
        parts.append(f"{stats['split']} split")
    if stats.get("joined"):
        parts.append(f"{stats['joined']} joined")
    said = [", ".join(parts)] if parts else []
    if stats.get("meta_fields"):
        said.append(describe_fields(stats["meta_fields"]))
    return "; ".join(said) if said else "no change"
