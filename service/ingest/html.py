"""HTML to paragraphs: the text of block elements, parsed by a real HTML parser (BeautifulSoup).

Every paragraph returned is stripped, non-empty and free of CR and LF, as the store's text
format (`store.text`) requires.
"""

from __future__ import annotations

import re

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
# Two or more <br> in a row (only white space between) separate paragraphs; one <br> is a
# line break inside a paragraph, joined with a space like a hard-wrapped line of text.
_BR_MARK = "\n"
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_END = object()


class Paragraphs:
    """Text gathered piece by piece, cut into paragraphs where a block ends (`flush`).

    Blank-line runs inside a chunk (two <br>) split it too; white space inside a paragraph
    is collapsed to single spaces and empty paragraphs are dropped.
    """

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        """End the paragraph (or paragraphs) gathered so far."""
        chunk = "".join(self.buffer)
        self.buffer.clear()
        for part in _PARAGRAPH_BREAK.split(chunk):
            collapsed = " ".join(part.split())
            if collapsed:
                self.paragraphs.append(collapsed)


def paragraphs_from_html(html: str) -> list[str]:
    """Return the text of the block elements of an HTML document or fragment.

    Parsed by BeautifulSoup's html.parser backend; scripts, styles and comments are dropped,
    entities decoded, white space inside a paragraph collapsed to single spaces.
    """
    # Imported here: the store and the CLI use this module's text rules, not its HTML parser.
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, Tag
    from bs4.element import CData, ProcessingInstruction

    non_text = (Comment, Declaration, Doctype, CData, ProcessingInstruction)
    soup = BeautifulSoup(html, "html.parser")
    collected = Paragraphs()
    buffer, flush = collected.buffer, collected.flush

    # A loop over a stack, not recursion: markup nested thousands deep must not reach Python's
    # recursion limit (a 500) in the request that sent it. _END marks leaving a block.
    stack: list = list(reversed(soup.contents))
    while stack:
        child = stack.pop()
        if child is _END:
            flush()
        elif isinstance(child, NavigableString):
            if not isinstance(child, non_text):
                # Newlines in source HTML are plain white space, not <br>.
                buffer.append(str(child).replace("\r", " ").replace("\n", " "))
        elif isinstance(child, Tag):
            name = child.name.lower()
            if name in DROPPED_TAGS:
                continue
            if name == "br":
                buffer.append(_BR_MARK)
                continue
            if name in BLOCK_TAGS:
                flush()
                stack.append(_END)
            stack.extend(reversed(child.contents))
    flush()
    return collected.paragraphs
