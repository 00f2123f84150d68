"""One-line change summaries ("+12 paragraphs, 1 edited") for the timeline, the CLI and feeds."""

from __future__ import annotations


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def describe_change(stats: dict) -> str:
    """Summarise diff stats in a few words, e.g. '+25 paragraphs, 1 edited'."""
    parts = []
    if stats.get("added"):
        parts.append("+" + _count(stats["added"], "paragraph", "paragraphs"))
    if stats.get("removed"):
        # A plain hyphen, not U+2212: the text also goes to terminals and grep.
        parts.append("-" + _count(stats["removed"], "paragraph", "paragraphs"))
    if stats.get("changed"):
        parts.append(f"{stats['changed']} edited")
    if stats.get("moved"):
        parts.append(f"{stats['moved']} moved")
    return ", ".join(parts) if parts else "no change"
