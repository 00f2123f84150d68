"""Turning plain text and HTML into paragraphs, and paragraphs back into canonical text.

Pure functions: no git, no Flask. Every paragraph they return is stripped, non-empty and
free of CR and LF, so ``split_text(canonical_text(ps)) == ps`` for any such list.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, Tag
from bs4.element import CData, ProcessingInstruction

# Only CR/LF end a line. str.splitlines() would also split on U+2028, U+0085, form feeds
# and the like, which could then never round-trip through canonical_text.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Elements whose text makes up paragraphs. A block nested in another ends the outer
# block's current paragraph, so <blockquote><p>a</p><p>b</p></blockquote> gives a, b.
BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre",
     "div", "td", "th", "dd", "dt", "figcaption", "caption", "section", "article",
     "header", "footer", "aside", "main", "ul", "ol", "dl", "table", "tr", "figure",
     "address", "hr", "body", "html"}
)
# Never reader-visible text.
DROPPED_TAGS = frozenset({"script", "style", "template", "noscript", "head", "iframe", "svg"})
_NON_TEXT = (Comment, Declaration, Doctype, CData, ProcessingInstruction)
# Two or more <br> in a row (only white space between) separate paragraphs; one <br> is a
# line break inside a paragraph, joined with a space like a hard-wrapped line of text.
_BR_MARK = "\n"
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def split_text(text: str) -> list[str]:
    """Split plain text into paragraphs (DESIGN §3).

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


def paragraphs_from_html(html: str) -> list[str]:
    """Return the text of the block elements of an HTML document or fragment.

    Parsed by BeautifulSoup's html.parser backend; scripts, styles and comments are dropped,
    entities decoded, white space inside a paragraph collapsed to single spaces.
    """
    soup = BeautifulSoup(html, "html.parser")
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        chunk = "".join(buffer)
        buffer.clear()
        for part in _PARAGRAPH_BREAK.split(chunk):
            collapsed = " ".join(part.split())
            if collapsed:
                paragraphs.append(collapsed)

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, _NON_TEXT):
                    # Newlines in source HTML are plain white space, not <br>.
                    buffer.append(str(child).replace("\r", " ").replace("\n", " "))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if name in DROPPED_TAGS:
                    continue
                if name == "br":
                    buffer.append(_BR_MARK)
                elif name in BLOCK_TAGS:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)

    walk(soup)
    flush()
    return paragraphs
