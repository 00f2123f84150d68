"""The store's text format: paragraphs separated by one blank line, and plain text read as paragraphs.

Pure functions. Every paragraph they return is stripped, non-empty and free of CR and LF, so
``split_text(canonical_text(ps)) == ps`` for any such list. Ingest reads plain-text payloads
with the same rules.
"""

from __future__ import annotations

import re

# Only CR/LF end a line. str.splitlines() would also split on U+2028, U+0085, form feeds
# and the like, which could then never round-trip through canonical_text.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_text(text: str) -> list[str]:
    """Split plain text into paragraphs.

    Blank lines separate paragraphs; a text with no blank line but several lines is taken a
    line a paragraph (how wire copy often arrives). Lines inside a paragraph are stripped and
    joined with one space; empty paragraphs are dropped. CRLF and CR count as line ends.
    """
    lines = _LINE_BREAK.split(text)
    if not any(not line.strip() for line in lines):
        return [p for p in (line.strip() for line in lines) if p]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def canonical_text(paragraphs: list[str]) -> str:
    """Join paragraphs with one blank line and end with a newline ("" for no paragraphs)."""
    if not paragraphs:
        return ""
    return "\n\n".join(paragraphs) + "\n"


def first_words(text: str, words: int = 12) -> str:
    """Return the first words of a text, with an ellipsis when it was cut."""
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def count_words(paragraphs: list[str]) -> int:
    """Count white-space separated words over all paragraphs."""
    return sum(len(p.split()) for p in paragraphs)
