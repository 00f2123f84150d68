"""One-line change summaries ("+12 paragraphs, 1 edited") for the timeline, the CLI and feeds."""

from __future__ import annotations

from ..plural import plural


def describe_change(stats: dict) -> str:
    """Summarise diff stats in a few words, e.g. '+25 paragraphs, 1 edited'."""
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
    return ", ".join(parts) if parts else "no change"
